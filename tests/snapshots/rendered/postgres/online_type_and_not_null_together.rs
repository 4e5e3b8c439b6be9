//! online_type_and_not_null_together
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration rewrites or locks tables:
//! - changes the type of t.a from integer to bigint: rewrites the table under an exclusive lock

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING (online): changing the type of t.a from integer to bigint rewrites the table under an exclusive lock; the online way: add a new column, backfill it in batches, switch reads and writes to it, then drop the old one
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("SET LOCAL lock_timeout = '5s'")
                .await?;
        }
        // WARNING: changes the type of t.a from integer to bigint: rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("a")
                            .big_integer()
                            .using(Expr::cust("\"a\"::bigint")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("SET LOCAL lock_timeout = '5s'")
                .await?;
        }
        // WARNING: narrows t.a from bigint to integer: longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("a")
                            .integer()
                            .using(Expr::cust("\"a\"::integer")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
