//! type_int_to_unsigned
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - changes the type of runbooks.hits from integer to int unsigned: values that do not convert make this fail

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.hits from integer to int unsigned: values that do not convert make this fail
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(
                        ColumnDef::new("hits")
                            .custom("int unsigned")
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.hits from int unsigned to integer: values that do not convert make this fail
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("hits").integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
