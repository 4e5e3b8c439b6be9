//! composite_unique_constraint_dropped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration removes guarantees the database enforced:
//! - drops the unique constraint sqlite_autoindex_t_1 on t(a, b): the database stops enforcing uniqueness

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops the unique constraint sqlite_autoindex_t_1 on t(a, b): the database stops enforcing uniqueness
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
                    .col(ColumnDef::new("a").integer())
                    .col(ColumnDef::new("b").integer())
                    .to_owned(),
                &[("id", "id"), ("a", "a"), ("b", "b")],
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
        // WARNING: adds a unique index on t(a, b): fails if duplicates exist
        manager
            .create_index(
                Index::create()
                    .name("idx-t-a_b")
                    .table("t")
                    .col("a")
                    .col("b")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
