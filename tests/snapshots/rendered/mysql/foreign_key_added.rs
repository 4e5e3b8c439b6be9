//! foreign_key_added
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - adds a foreign key b(a_id) -> a: fails if rows reference missing keys

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: a foreign key fails on rows pointing at nothing; say which before any change.
        autogen_runtime::precheck::no_orphans(manager, "b", &["a_id"], "a", &["id"], &["id"])
            .await?;
        // WARNING: adds a foreign key b(a_id) -> a: fails if rows reference missing keys
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("fk-b-a_id")
                    .from_tbl("b")
                    .from_col("a_id")
                    .to_tbl("a")
                    .to_col("id")
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Restrict)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_foreign_key(ForeignKey::drop().name("fk-b-a_id").table("b").to_owned())
            .await?;
        // MySQL only.
        if manager.get_database_backend() == DbBackend::MySql {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX `fk-b-a_id` ON `b`")
                .await?;
        }
        Ok(())
    }
}
