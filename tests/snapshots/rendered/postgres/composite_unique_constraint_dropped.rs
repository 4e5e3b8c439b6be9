//! composite_unique_constraint_dropped
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration removes guarantees the database enforced:
//! - drops the unique constraint t_a_b_key on t(a, b): the database stops enforcing uniqueness

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops the unique constraint t_a_b_key on t(a, b): the database stops enforcing uniqueness
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"t\" DROP CONSTRAINT \"t_a_b_key\"")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: adds a unique index on t(a, b): fails if duplicates exist
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE \"t\" ADD CONSTRAINT \"t_a_b_key\" UNIQUE (\"a\", \"b\")",
                )
                .await?;
        }
        Ok(())
    }
}
