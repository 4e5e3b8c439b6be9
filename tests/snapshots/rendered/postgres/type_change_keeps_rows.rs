//! type_change_keeps_rows
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration rewrites or locks tables:
//! - changes the type of t.c from integer to bigint: rewrites the table under an exclusive lock

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of t.c from integer to bigint: rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .big_integer()
                            .using(Expr::cust("\"c\"::bigint")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: narrows t.c from bigint to integer: longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .integer()
                            .using(Expr::cust("\"c\"::integer")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
