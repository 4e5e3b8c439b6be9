//! type_varchar_to_text
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
}
