//! column_renamed_and_retyped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration rewrites or locks tables:
//! - changes the type of runbooks.kind from varchar(100) to text: rewrites the table under an exclusive lock

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Detected renamed column 'runbooks.category' to 'kind'
        // WARNING: changes the type of runbooks.kind from varchar(100) to text: rewrites the table under an exclusive lock
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
                    .col(ColumnDef::new("kind").text().not_null())
                    .col(ColumnDef::new("enabled").boolean().not_null().default(true))
                    .to_owned(),
                &[
                    ("id", "id"),
                    ("name", "name"),
                    ("kind", "category"),
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
        // WARNING: narrows runbooks.kind from text to varchar(100): longer values make this fail or are cut
        // Detected renamed column 'runbooks.kind' to 'category'
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
                    .to_owned(),
                &[
                    ("id", "id"),
                    ("name", "name"),
                    ("category", "kind"),
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
}
