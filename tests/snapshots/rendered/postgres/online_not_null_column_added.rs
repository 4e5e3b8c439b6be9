//! online_not_null_column_added
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
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("SET LOCAL lock_timeout = '5s'")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .add_column(ColumnDef::new("c").integer())
                    .to_owned(),
            )
            .await?;
        // Fill t.c in existing rows here (in batches on a big table): the next
        // migration (online) makes it NOT NULL, e.g.:
        // manager.get_connection().execute_unprepared("UPDATE ... SET c = <value> WHERE c IS NULL").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("SET LOCAL lock_timeout = '5s'")
                .await?;
        }
        // WARNING: drops column t.c and its data
        manager
            .alter_table(Table::alter().table("t").drop_column("c").to_owned())
            .await?;
        Ok(())
    }
}
