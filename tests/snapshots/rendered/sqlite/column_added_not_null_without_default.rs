//! column_added_not_null_without_default
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - adds NOT NULL column runbooks.owner without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds NOT NULL column runbooks.owner without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter runbooks in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "runbooks",
                Table::create()
                    .table("runbooks")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("name")
                            .string_len(255)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new("category").string_len(100).not_null())
                    .col(ColumnDef::new("enabled").boolean().not_null().default(true))
                    .col(ColumnDef::new("owner").text().not_null())
                    .to_owned(),
                &[
                    ("id", "id"),
                    ("name", "name"),
                    ("category", "category"),
                    ("enabled", "enabled"),
                ],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table runbooks with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column runbooks.owner and its data
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .drop_column("owner")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
