//! default_expression
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - makes t.c NOT NULL: fails if any row holds NULL

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: SET NOT NULL fails on rows with NULL; say which before any change.
        autogen_runtime::precheck::no_nulls(manager, "t", "c", &["id"]).await?;
        // WARNING: makes t.c NOT NULL: fails if any row holds NULL
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter t in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "t",
                Table::create()
                    .table("t")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("c")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .to_owned(),
                &[("id", "id"), ("c", "c")],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table t with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Detected changed column 't.c': now nullable, default CURRENT_TIMESTAMP -> none
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter t in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "t",
                Table::create()
                    .table("t")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("c").timestamp_with_time_zone())
                    .to_owned(),
                &[("id", "id"), ("c", "c")],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table t with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        Ok(())
    }
}
