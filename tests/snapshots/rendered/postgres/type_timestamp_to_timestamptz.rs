//! type_timestamp_to_timestamptz
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration rewrites or locks tables:
//! - changes the type of t.c from timestamp to timestamptz: rewrites the table under an exclusive lock

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of t.c from timestamp to timestamptz: rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .timestamp_with_time_zone()
                            .using(Expr::cust("\"c\"::timestamptz")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of t.c from timestamptz to timestamp: rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .timestamp()
                            .using(Expr::cust("\"c\"::timestamp")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
