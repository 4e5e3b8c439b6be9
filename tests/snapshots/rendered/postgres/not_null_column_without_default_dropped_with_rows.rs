//! not_null_column_without_default_dropped_with_rows
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - drops column r.category and its data
//! - drops column r.kind and its data
//! - drops column r.at and its data

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column r.category and its data
        manager
            .alter_table(Table::alter().table("r").drop_column("category").to_owned())
            .await?;
        // WARNING: drops column r.kind and its data
        manager
            .alter_table(Table::alter().table("r").drop_column("kind").to_owned())
            .await?;
        // WARNING: drops column r.at and its data
        manager
            .alter_table(Table::alter().table("r").drop_column("at").to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds NOT NULL column r.at without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // Restores r.at, which up() dropped with its values: existing rows get '1970-01-01 00:00:00', not what they held.
        manager
            .alter_table(
                Table::alter()
                    .table("r")
                    .add_column(
                        ColumnDef::new("at")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default("1970-01-01 00:00:00"),
                    )
                    .to_owned(),
            )
            .await?;
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"r\" ALTER COLUMN \"at\" DROP DEFAULT")
                .await?;
        }
        // WARNING: adds NOT NULL column r.kind without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // Restores r.kind, which up() dropped with its values: existing rows get 'a', not what they held.
        manager
            .alter_table(
                Table::alter()
                    .table("r")
                    .add_column(
                        ColumnDef::new("kind")
                            .enumeration("status_kind", ["a", "b"])
                            .not_null()
                            .default("a"),
                    )
                    .to_owned(),
            )
            .await?;
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"r\" ALTER COLUMN \"kind\" DROP DEFAULT")
                .await?;
        }
        // WARNING: adds NOT NULL column r.category without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // Restores r.category, which up() dropped with its values: existing rows get '', not what they held.
        manager
            .alter_table(
                Table::alter()
                    .table("r")
                    .add_column(
                        ColumnDef::new("category")
                            .string_len(100)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"r\" ALTER COLUMN \"category\" DROP DEFAULT")
                .await?;
        }
        Ok(())
    }
}
