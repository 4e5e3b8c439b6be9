//! enum_value_removed
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! WARNING: this migration loses data:
//! - removes value(s) running from the enum column runbooks.status: rows holding them make this migration fail; map them first (UPDATE ... SET status = '<other>')

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: removes value(s) running from the enum column runbooks.status: rows holding them make this migration fail; map them first (UPDATE ... SET status = '<other>')
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(
                        ColumnDef::new("status")
                            .custom("enum('pending','done')")
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: changes the values of the enum column runbooks.status to pending, running, done: rows keep their values; MySQL rewrites the table unless values are only appended
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .modify_column(
                        ColumnDef::new("status")
                            .custom("enum('pending','running','done')")
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
