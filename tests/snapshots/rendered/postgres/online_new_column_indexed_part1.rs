//! online_new_column_indexed
//!
//! Revision: m20990101_000001_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! Online: runs outside a transaction so that no statement blocks writes for long (indexes built CONCURRENTLY, constraints added NOT VALID then validated); every step is idempotent, so a failed run is finished by running it again.

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
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            // CONCURRENTLY: writes go on while it builds; a retry keeps a valid index
            // and rebuilds one an interrupted build left invalid.
            autogen_runtime::online::create_index(
                manager,
                Index::create()
                    .name("idx-t-c")
                    .table("t")
                    .col("c")
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
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            autogen_runtime::online::drop_index(manager, None, "idx-t-c").await?;
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
