//! enum_value_added_and_used_as_default
//!
//! Revision: m20990101_000001_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("j")
                    .modify_column(ColumnDef::new("s").default("queued"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("j")
                    .modify_column(ColumnDef::new("s").default("pending"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
