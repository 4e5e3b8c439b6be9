//! enum_value_added_and_used_by_a_new_table
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
            .create_table(
                Table::create()
                    .table("k")
                    .col(
                        ColumnDef::new("id")
                            .custom("serial")
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("s")
                            .enumeration(
                                "status",
                                ["pending", "running", "done", "cancelled", "queued"],
                            )
                            .not_null()
                            .default("queued"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops table k and all its rows
        manager
            .drop_table(Table::drop().table("k").to_owned())
            .await?;
        Ok(())
    }
}
