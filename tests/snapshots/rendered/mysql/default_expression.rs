//! default_expression
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - makes runbooks.created_at NOT NULL: fails if any row holds NULL

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: SET NOT NULL fails on rows with NULL; say which before any change.
        autogen_runtime::precheck::no_nulls(manager, "runbooks", "created_at", &["id"]).await?;
        // WARNING: makes runbooks.created_at NOT NULL: fails if any row holds NULL
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
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
                    .modify_column(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
