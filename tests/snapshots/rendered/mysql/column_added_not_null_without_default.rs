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

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds NOT NULL column runbooks.owner without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .add_column(ColumnDef::new("owner").string_len(64).null())
                    .to_owned(),
            )
            .await?;
        // Fill existing rows before NOT NULL is enforced, e.g.:
        // manager.get_connection().execute_unprepared("UPDATE `runbooks` SET `owner` = <value> WHERE `owner` IS NULL").await?;
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("owner").string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
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
