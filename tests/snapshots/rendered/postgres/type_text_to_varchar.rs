//! type_text_to_varchar
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - narrows t.c from text to varchar(200): longer values make this fail or are cut

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
            autogen_runtime::precheck::Fit::MaxLength(200),
            &["id"],
        )
        .await?;
        // WARNING: narrows t.c from text to varchar(200): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(
                        ColumnDef::new("c")
                            .string_len(200)
                            .using(Expr::cust("\"c\"::varchar(200)")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // note: widens t.c from varchar(200) to text: a catalog-only change on PostgreSQL, no rewrite, no value can fail
        manager
            .alter_table(
                Table::alter()
                    .table("t")
                    .modify_column(ColumnDef::new("c").text().using(Expr::cust("\"c\"::text")))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
