//! type_varchar_shorter
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - narrows runbooks.category from varchar(100) to varchar(50): longer values make this fail or are cut

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: the narrower type fails on values that do not fit; say which before any change.
        autogen_runtime::precheck::values_fit(
            manager,
            "runbooks",
            "category",
            autogen_runtime::precheck::Fit::MaxLength(50),
            &["id"],
        )
        .await?;
        // WARNING: narrows runbooks.category from varchar(100) to varchar(50): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("category").string_len(50).not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.category from varchar(50) to varchar(100): rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("category").string_len(100).not_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
