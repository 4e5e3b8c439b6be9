//! column_comment_added
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
                    .modify_column(
                        ColumnDef::new("owner")
                            .string_len(64)
                            .not_null()
                            .default("ops")
                            .comment("team that owns it"),
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
                        ColumnDef::new("owner")
                            .string_len(64)
                            .not_null()
                            .default("ops"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
