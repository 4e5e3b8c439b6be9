//! online_set_not_null
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
//! - makes t.note NOT NULL: fails if any row holds NULL

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
        // Pre-check: SET NOT NULL fails on rows with NULL; say which before any change.
        autogen_runtime::precheck::no_nulls(manager, "t", "note", &["id"]).await?;
        // WARNING: makes t.note NOT NULL: fails if any row holds NULL
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            // SET NOT NULL without a scan under an exclusive lock: CHECK (.. IS NOT NULL)
            // NOT VALID, VALIDATE, SET NOT NULL, then the check is dropped.
            autogen_runtime::online::set_not_null(manager, None, "t", "note").await?;
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
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(ColumnDef::new("note").null())
                    .to_owned(),
            )
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
