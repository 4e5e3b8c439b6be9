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
//! - drops column r.n and its data
//! - drops column r.flag and its data
//! - drops column r.at and its data

use sea_orm_migration::prelude::*;
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
        // WARNING: drops column r.n and its data
        manager
            .alter_table(Table::alter().table("r").drop_column("n").to_owned())
            .await?;
        // WARNING: drops column r.flag and its data
        manager
            .alter_table(Table::alter().table("r").drop_column("flag").to_owned())
            .await?;
        // WARNING: drops column r.at and its data
        manager
            .alter_table(Table::alter().table("r").drop_column("at").to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds NOT NULL column r.at without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // WARNING: adds NOT NULL column r.flag without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // WARNING: adds NOT NULL column r.n without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // WARNING: adds NOT NULL column r.category without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // Restores r.category, which up() dropped with its values: existing rows get '', not what they held (SQLite: the table is rebuilt with that default, then again without it).
        // Restores r.n, which up() dropped with its values: existing rows get 0, not what they held (SQLite: the table is rebuilt with that default, then again without it).
        // Restores r.flag, which up() dropped with its values: existing rows get false, not what they held (SQLite: the table is rebuilt with that default, then again without it).
        // Restores r.at, which up() dropped with its values: existing rows get '1970-01-01 00:00:00', not what they held (SQLite: the table is rebuilt with that default, then again without it).
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter r in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "r",
                Table::create()
                    .table("r")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("category")
                            .string_len(100)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new("n").integer().not_null().default(0))
                    .col(ColumnDef::new("flag").boolean().not_null().default(false))
                    .col(
                        ColumnDef::new("at")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default("1970-01-01 00:00:00"),
                    )
                    .col(ColumnDef::new("note").text())
                    .to_owned(),
                &[("id", "id"), ("note", "note")],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table r with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        // SQLite only.
        if manager.get_database_backend() == DbBackend::Sqlite {
            // SQLite cannot alter r in place: rebuild it (new table, copy rows, swap),
            // with foreign keys checked before commit; a column the live table has and
            // this migration does not name is kept, with its data.
            autogen_runtime::sqlite::rebuild_table_keeping(
                manager,
                "r",
                Table::create()
                    .table("r")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("category").string_len(100).not_null())
                    .col(ColumnDef::new("n").integer().not_null())
                    .col(ColumnDef::new("flag").boolean().not_null())
                    .col(ColumnDef::new("at").timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new("note").text())
                    .to_owned(),
                &[
                    ("id", "id"),
                    ("category", "category"),
                    ("n", "n"),
                    ("flag", "flag"),
                    ("at", "at"),
                    ("note", "note"),
                ],
                &[],
                vec![],
            )
            .await?;
        } else {
            return Err(DbErr::Migration("this migration rebuilds table r with SQLite's recipe and cannot run on another backend: generate the migration against that database instead".into()));
        }
        Ok(())
    }
}
