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
                    .col(
                        ColumnDef::new("id")
                            .custom("serial")
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("note").text())
                    .to_owned(),
            )
            .await?;
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("COMMENT ON TABLE \"c\" IS 'notes'")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("COMMENT ON COLUMN \"c\".\"note\" IS 'kept'")
                .await?;
        }
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
