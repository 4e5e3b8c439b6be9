//! bigint_default_beyond_i32
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
                    .table("b")
                    .add_column(
                        ColumnDef::new("quota")
                            .big_integer()
                            .not_null()
                            .default(3000000000i64),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("b")
                    .add_column(
                        ColumnDef::new("floor")
                            .big_integer()
                            .not_null()
                            .default(-3000000000i64),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column b.floor and its data
        manager
            .alter_table(Table::alter().table("b").drop_column("floor").to_owned())
            .await?;
        // WARNING: drops column b.quota and its data
        manager
            .alter_table(Table::alter().table("b").drop_column("quota").to_owned())
            .await?;
        Ok(())
    }
}
