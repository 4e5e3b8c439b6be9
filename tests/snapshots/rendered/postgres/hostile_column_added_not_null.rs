//! hostile_column_added_not_null
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - adds NOT NULL column h.we"ird'\ na\nme\rx without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds NOT NULL column h.we"ird'\ na
        // me\rx without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        manager
            .alter_table(
                Table::alter()
                    .table("h")
                    .add_column(ColumnDef::new("we\"ird'\\ na\nme\rx").text())
                    .to_owned(),
            )
            .await?;
        // Fill existing rows before NOT NULL is enforced, e.g.:
        // manager.get_connection().execute_unprepared("UPDATE \"h\" SET \"we\"\"ird'\ na
        // me\rx\" = <value> WHERE \"we\"\"ird'\ na
        // me\rx\" IS NULL").await?;
        manager
            .alter_table(
                Table::alter()
                    .table("h")
                    .modify_column(ColumnDef::new("we\"ird'\\ na\nme\rx").not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column h.we"ird'\ na
        // me\rx and its data
        manager
            .alter_table(
                Table::alter()
                    .table("h")
                    .drop_column("we\"ird'\\ na\nme\rx")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
