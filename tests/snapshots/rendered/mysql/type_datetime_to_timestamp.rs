//! type_datetime_to_timestamp
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - changes the type of runbooks.seen_at from datetime to timestamptz: values that do not convert make this fail

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.seen_at from datetime to timestamptz: values that do not convert make this fail
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("seen_at").timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.seen_at from timestamptz to datetime: values that do not convert make this fail
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("seen_at").custom("datetime").null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
