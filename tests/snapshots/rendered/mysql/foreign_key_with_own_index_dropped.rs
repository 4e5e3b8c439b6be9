//! foreign_key_with_own_index_dropped
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
            .drop_foreign_key(ForeignKey::drop().name("fk-b-a_id").table("b").to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds a foreign key b(a_id) -> a: fails if rows reference missing keys
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
}
