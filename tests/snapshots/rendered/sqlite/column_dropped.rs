//! column_dropped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - drops column runbooks.enabled and its data

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column runbooks.enabled and its data
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .drop_column("enabled")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .add_column(ColumnDef::new("enabled").boolean().not_null().default(true))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
