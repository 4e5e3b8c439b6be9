//! index_backing_a_foreign_key_dropped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration removes guarantees the database enforced:
//! - drops the unique index idx-b-a-pos on b(a_id, pos): the database stops enforcing uniqueness

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops the unique index idx-b-a-pos on b(a_id, pos): the database stops enforcing uniqueness
        manager
            .drop_foreign_key(ForeignKey::drop().name("fk-b-a_id").table("b").to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("idx-b-a-pos").table("b").to_owned())
            .await?;
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("fk-b-a_id")
                    .from_tbl("b")
                    .from_col("a_id")
                    .to_tbl("a")
                    .to_col("id")
                    .on_delete(ForeignKeyAction::Restrict)
                    .on_update(ForeignKeyAction::Restrict)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds a unique index on b(a_id, pos): fails if duplicates exist
        manager
            .create_index(
                Index::create()
                    .name("idx-b-a-pos")
                    .table("b")
                    .col("a_id")
                    .col("pos")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
