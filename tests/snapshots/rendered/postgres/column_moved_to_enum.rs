//! column_moved_to_enum
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - changes the type of j.s from text to status: values that do not convert make this fail

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::extension::postgres::Type;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .create_type(
                    Type::create()
                        .as_enum("status")
                        .values(["pending", "running", "done"])
                        .to_owned(),
                )
                .await?;
        }
        // WARNING: changes the type of j.s from text to status: values that do not convert make this fail
        manager
            .alter_table(
                Table::alter()
                    .table("j")
                    .modify_column(
                        ColumnDef::new("s")
                            .enumeration("status", ["pending", "running", "done"])
                            .using(Expr::cust("\"s\"::text::\"status\"")),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the type of j.s from status to text: values that do not convert make this fail
        manager
            .alter_table(
                Table::alter()
                    .table("j")
                    .modify_column(ColumnDef::new("s").text().using(Expr::cust("\"s\"::text")))
                    .to_owned(),
            )
            .await?;
        // WARNING: drops enum type status
        // PostgreSQL only.
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .drop_type(Type::drop().name("status").to_owned())
                .await?;
        }
        Ok(())
    }
}
