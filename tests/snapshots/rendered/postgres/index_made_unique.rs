//! index_made_unique
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - adds a unique index on t(a): fails if duplicates exist

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: a unique index fails on duplicate values; say which before any change.
        autogen_runtime::precheck::no_duplicates(manager, "t", &["a"], &["id"]).await?;
        manager
            .drop_index(Index::drop().name("idx-t-a").table("t").to_owned())
            .await?;
        // WARNING: adds a unique index on t(a): fails if duplicates exist
        manager
            .create_index(
                Index::create()
                    .name("idx-t-a")
                    .table("t")
                    .col("a")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops the unique index idx-t-a on t(a): the database stops enforcing uniqueness
        manager
            .drop_index(Index::drop().name("idx-t-a").table("t").to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-t-a")
                    .table("t")
                    .col("a")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
