//! online_unique_constraint_added
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
//! - adds a unique index on t(a): fails if duplicates exist

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
        // Pre-check: a unique index fails on duplicate values; say which before any change.
        autogen_runtime::precheck::no_duplicates(manager, "t", &["a"], &["id"]).await?;
        // WARNING: adds a unique index on t(a): fails if duplicates exist
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            // The unique index is built CONCURRENTLY, then becomes the constraint
            // (ADD CONSTRAINT .. UNIQUE USING INDEX).
            autogen_runtime::online::add_unique(
                manager,
                Index::create()
                    .name("t_a_key")
                    .table("t")
                    .col("a")
                    .unique()
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
        // WARNING: drops the unique constraint t_a_key on t(a): the database stops enforcing uniqueness
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"t\" DROP CONSTRAINT \"t_a_key\"")
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
}
