//! foreign_key_dropped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Detected removed foreign key on 'c' (p_id) -> 'p' (id)
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
                    .col(ColumnDef::new("p_id").integer())
                    .to_owned(),
                &[("id", "id"), ("p_id", "p_id")],
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
        // WARNING: adds a foreign key c(p_id) -> p: fails if rows reference missing keys
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
                    .col(ColumnDef::new("p_id").integer())
                    .foreign_key(
                        ForeignKey::create()
                            .from_col("p_id")
                            .to_tbl("p")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::NoAction)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
                &[("id", "id"), ("p_id", "p_id")],
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
