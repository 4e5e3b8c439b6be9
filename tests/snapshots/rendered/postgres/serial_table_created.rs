//! serial_table_created
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
            .create_table(
                Table::create()
                    .table("a")
                    .col(
                        ColumnDef::new("id")
                            .custom("integer GENERATED ALWAYS AS IDENTITY")
                            .not_null()
                            .primary_key(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("s")
                    .col(
                        ColumnDef::new("id")
                            .custom("bigserial")
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("v").text())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops table s and all its rows
        manager
            .drop_table(Table::drop().table("s").to_owned())
            .await?;
        // WARNING: drops table a and all its rows
        manager
            .drop_table(Table::drop().table("a").to_owned())
            .await?;
        Ok(())
    }
}
