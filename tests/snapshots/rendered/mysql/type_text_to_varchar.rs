//! type_text_to_varchar
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - narrows runbooks.notes from text to varchar(200): longer values make this fail or are cut

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: the narrower type fails on values that do not fit; say which before any change.
        autogen_runtime::precheck::values_fit(
            manager,
            "runbooks",
            "notes",
            autogen_runtime::precheck::Fit::MaxLength(200),
            &["id"],
        )
        .await?;
        // WARNING: narrows runbooks.notes from text to varchar(200): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("notes").string_len(200).null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of runbooks.notes from varchar(200) to text: rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(ColumnDef::new("notes").text().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
