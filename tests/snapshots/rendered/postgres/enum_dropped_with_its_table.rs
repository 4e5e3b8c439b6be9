//! enum_dropped_with_its_table
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - drops table j and all its rows
//! - drops enum type status

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::extension::postgres::Type;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops table j and all its rows
        manager
            .drop_table(Table::drop().table("j").to_owned())
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

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
        manager
            .create_table(
                Table::create()
                    .table("j")
                    .col(
                        ColumnDef::new("id")
                            .custom("serial")
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("s")
                            .enumeration("status", ["pending", "running", "done"])
                            .not_null()
                            .default("pending"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
