//! online_foreign_key_added
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! Online: runs outside a transaction so that no statement blocks writes for long (indexes built CONCURRENTLY, constraints added NOT VALID then validated); every step is idempotent, so a failed run is finished by running it again.
//!
//! This migration may fail if data exists:
//! - adds a foreign key t(p_id) -> p: fails if rows reference missing keys

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("SET lock_timeout = '5s'")
                .await?;
        }
        // Pre-check: a foreign key fails on rows pointing at nothing; say which before any change.
        autogen_runtime::precheck::no_orphans(manager, "t", &["p_id"], "p", &["id"], &["id"])
            .await?;
        // WARNING: adds a foreign key t(p_id) -> p: fails if rows reference missing keys
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            // Added NOT VALID (existing rows unchecked, a brief lock), then validated
            // under a lock that lets writes through.
            autogen_runtime::online::add_foreign_key(
                manager,
                ForeignKey::create()
                    .name("t_p_id_fkey")
                    .from_tbl("t")
                    .from_col("p_id")
                    .to_tbl("p")
                    .to_col("id")
                    .on_delete(ForeignKeyAction::NoAction)
                    .on_update(ForeignKeyAction::NoAction)
                    .to_owned(),
            )
            .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("RESET lock_timeout")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("SET lock_timeout = '5s'")
                .await?;
        }
        manager
            .drop_foreign_key(ForeignKey::drop().name("t_p_id_fkey").table("t").to_owned())
            .await?;
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("RESET lock_timeout")
                .await?;
        }
        Ok(())
    }
}
