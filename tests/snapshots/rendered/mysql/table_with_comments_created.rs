//! table_with_comments_created
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("c")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .col(ColumnDef::new("v").text())
                    .to_owned(),
            )
            .await?;
        // MySQL only.
        if manager.get_database_backend() == DbBackend::MySql {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE `c` COMMENT = 'a table'")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("c")
                    .modify_column(ColumnDef::new("id").integer().not_null().comment("key"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("c")
                    .modify_column(ColumnDef::new("v").text().null().comment("value"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops table c and all its rows
        manager
            .drop_table(Table::drop().table("c").to_owned())
            .await?;
        Ok(())
    }
}
