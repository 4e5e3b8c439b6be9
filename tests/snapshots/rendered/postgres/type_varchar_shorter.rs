//! type_varchar_shorter
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - narrows t.c from varchar(100) to varchar(50): longer values make this fail or are cut

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: the narrower type fails on values that do not fit; say which before any change.
        autogen_runtime::precheck::values_fit(
            manager,
            "t",
            "c",
            autogen_runtime::precheck::Fit::MaxLength(50),
            &["id"],
        )
        .await?;
        // WARNING: narrows t.c from varchar(100) to varchar(50): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .string_len(50)
                            .using(Expr::cust("\"c\"::varchar(50)")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // note: widens t.c from varchar(50) to varchar(100): a catalog-only change on PostgreSQL, no rewrite, no value can fail
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .string_len(100)
                            .using(Expr::cust("\"c\"::varchar(100)")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
