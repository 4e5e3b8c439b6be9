//! composite_foreign_key_added
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - adds a foreign key c(b, a) -> p: fails if rows reference missing keys

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: a foreign key fails on rows pointing at nothing; say which before any change.
        autogen_runtime::precheck::no_orphans(manager, "c", &["b", "a"], "p", &["y", "x"], &["id"])
            .await?;
        // WARNING: adds a foreign key c(b, a) -> p: fails if rows reference missing keys
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter c in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "c",
                Table::create()
                    .table("c")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("a").integer())
                    .col(ColumnDef::new("b").integer())
                    .foreign_key(
                        ForeignKey::create()
                            .from_col("b")
                            .from_col("a")
                            .to_tbl("p")
                            .to_col("y")
                            .to_col("x")
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
                &[("id", "id"), ("a", "a"), ("b", "b")],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table c with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Detected removed foreign key on 'c' (b, a) -> 'p' (y, x)
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter c in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "c",
                Table::create()
                    .table("c")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("a").integer())
                    .col(ColumnDef::new("b").integer())
                    .to_owned(),
                &[("id", "id"), ("a", "a"), ("b", "b")],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table c with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        Ok(())
    }
}
