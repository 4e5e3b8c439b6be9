//! modify_keeps_comment_default_and_on_update
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration rewrites or locks tables:
//! - changes the type of runbooks.label from varchar(20) to varchar(40): rewrites the table under an exclusive lock

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.label from varchar(20) to varchar(40): rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(
                        ColumnDef::new("label")
                            .string_len(40)
                            .not_null()
                            .default("x")
                            .comment("shown"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: narrows runbooks.label from varchar(40) to varchar(20): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(
                        ColumnDef::new("label")
                            .string_len(20)
                            .not_null()
                            .default("x")
                            .comment("shown"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
