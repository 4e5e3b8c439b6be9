//! foreign_key_column_type_changed
//!
//! Revision: m20990101_000000_case
//! Parent: <base>
//! Created: 2099-01-01 00:00:00 UTC
//!
//! test
//!
//! This migration may fail if data exists:
//! - adds a foreign key dept_emp(dept_no) -> departments: fails if rows reference missing keys
//!
//! This migration rewrites or locks tables:
//! - changes the type of departments.dept_no from char(4) to varchar(8): rewrites the table under an exclusive lock
//! - changes the type of dept_emp.dept_no from char(4) to varchar(8): rewrites the table under an exclusive lock

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pre-check: a foreign key fails on rows pointing at nothing; say which before any change.
        autogen_runtime::precheck::no_orphans(
            manager,
            "dept_emp",
            &["dept_no"],
            "departments",
            &["dept_no"],
            &["emp_no", "dept_no"],
        )
        .await?;
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name("dept_emp_ibfk_2")
                    .table("dept_emp")
                    .to_owned(),
            )
            .await?;
        // WARNING: changes the type of departments.dept_no from char(4) to varchar(8): rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("departments")
                    .modify_column(ColumnDef::new("dept_no").string_len(8).not_null())
                    .to_owned(),
            )
            .await?;
        // WARNING: changes the type of dept_emp.dept_no from char(4) to varchar(8): rewrites the table under an exclusive lock
        manager
            .alter_table(
                Table::alter()
                    .table("dept_emp")
                    .modify_column(ColumnDef::new("dept_no").string_len(8).not_null())
                    .to_owned(),
            )
            .await?;
        // WARNING: adds a foreign key dept_emp(dept_no) -> departments: fails if rows reference missing keys
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("dept_emp_ibfk_2")
                    .from_tbl("dept_emp")
                    .from_col("dept_no")
                    .to_tbl("departments")
                    .to_col("dept_no")
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Restrict)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name("dept_emp_ibfk_2")
                    .table("dept_emp")
                    .to_owned(),
            )
            .await?;
        // WARNING: narrows dept_emp.dept_no from varchar(8) to char(4): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("dept_emp")
                    .modify_column(ColumnDef::new("dept_no").char_len(4).not_null())
                    .to_owned(),
            )
            .await?;
        // WARNING: narrows departments.dept_no from varchar(8) to char(4): longer values make this fail or are cut
        manager
            .alter_table(
                Table::alter()
                    .table("departments")
                    .modify_column(ColumnDef::new("dept_no").char_len(4).not_null())
                    .to_owned(),
            )
            .await?;
        // WARNING: adds a foreign key dept_emp(dept_no) -> departments: fails if rows reference missing keys
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("dept_emp_ibfk_2")
                    .from_tbl("dept_emp")
                    .from_col("dept_no")
                    .to_tbl("departments")
                    .to_col("dept_no")
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Restrict)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
