//! reserved_word_column_added
//!
//! Revision: m20990101_000000_case
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
                    .table("runbooks")
                    .add_column(ColumnDef::new("order").integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .add_column(ColumnDef::new("trigger").string_len(20).null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column runbooks.trigger and its data
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .drop_column("trigger")
                    .to_owned(),
            )
            .await?;
        // WARNING: drops column runbooks.order and its data
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .drop_column("order")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
