//! enum_value_removed
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - removes value(s) running from enum status: rows holding them make this migration fail; map them first (UPDATE ... SET col = '<other>')

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::extension::postgres::Type;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: rows still holding a removed enum value would fail; say which before any change.
        autogen_runtime::precheck::no_value(manager, "j", "s", &["running"], &["id"]).await?;
        // WARNING: removes value(s) running from enum status: rows holding them make this migration fail; map them first (UPDATE ... SET col = '<other>')
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
                .execute_unprepared("CREATE TYPE \"status\" AS ENUM ('pending', 'done')")
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
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .alter_type(
                    Type::alter()
                        .name("status")
                        .add_value("running")
                        .if_not_exists()
                        .before("done"),
                )
                .await?;
        }
        Ok(())
    }
}
