//! enum_values_reordered
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration rewrites or locks tables:
//! - reorders the values of enum status: the type is swapped and every column using it is rewritten under an exclusive lock (j.s)

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: reorders the values of enum status: the type is swapped and every column using it is rewritten under an exclusive lock (j.s)
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TYPE \"status\" RENAME TO \"status__autogen_old\"")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("CREATE TYPE \"status\" AS ENUM ('done', 'running', 'pending')")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"j\" ALTER COLUMN \"s\" DROP DEFAULT")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
.get_connection()
.execute_unprepared("ALTER TABLE \"j\" ALTER COLUMN \"s\" TYPE \"status\" USING \"s\"::text::\"status\"")
.await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE \"j\" ALTER COLUMN \"s\" SET DEFAULT 'pending'::status",
                )
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TYPE \"status__autogen_old\"")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: reorders the values of enum status: the type is swapped and every column using it is rewritten under an exclusive lock (j.s)
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TYPE \"status\" RENAME TO \"status__autogen_old\"")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("CREATE TYPE \"status\" AS ENUM ('pending', 'running', 'done')")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE \"j\" ALTER COLUMN \"s\" DROP DEFAULT")
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
.get_connection()
.execute_unprepared("ALTER TABLE \"j\" ALTER COLUMN \"s\" TYPE \"status\" USING \"s\"::text::\"status\"")
.await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE \"j\" ALTER COLUMN \"s\" SET DEFAULT 'pending'::status",
                )
                .await?;
        }
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TYPE \"status__autogen_old\"")
                .await?;
        }
        Ok(())
    }
}
