//! primary_key_changed
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - changes the primary key of m: fails on duplicates or NULLs

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the primary key of m: fails on duplicates or NULLs
        // MySQL only.
        if manager.get_database_backend() == DbBackend::MySql {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE `m` DROP PRIMARY KEY, ADD PRIMARY KEY (`a`, `b`)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the primary key of m: fails on duplicates or NULLs
        // MySQL only.
        if manager.get_database_backend() == DbBackend::MySql {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE `m` DROP PRIMARY KEY, ADD PRIMARY KEY (`a`)")
                .await?;
        }
        Ok(())
    }
}
