//! index_name_taken_by_another_table
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - drops table legacy and all its rows

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx-t-a_1")
                    .table("t")
                    .col("a")
                    .to_owned(),
            )
            .await?;
        // WARNING: drops table legacy and all its rows
        manager
            .drop_table(Table::drop().table("legacy").to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("legacy")
                    .col(
                        ColumnDef::new("id")
                            .custom("serial")
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("a").integer())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-t-a")
                    .table("legacy")
                    .col("a")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name("idx-t-a_1").table("t").to_owned())
            .await?;
        Ok(())
    }
}
