//! hostile_column_dropped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - drops column h.we"ird'\ na\nme\rx and its data

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("h")
                    .add_column(
                        ColumnDef::new("we\"ird'\\ na\nme\rx")
                            .text()
                            .not_null()
                            .default("x"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
