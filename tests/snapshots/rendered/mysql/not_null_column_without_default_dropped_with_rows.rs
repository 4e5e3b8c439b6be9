//! not_null_column_without_default_dropped_with_rows
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - drops column runbooks.owner and its data

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds NOT NULL column runbooks.owner without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table
        // Restores runbooks.owner, which up() dropped with its values: existing rows get '', not what they held.
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .add_column(
                        ColumnDef::new("owner")
                            .string_len(64)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
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
}
