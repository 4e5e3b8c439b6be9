//! The apply path: each step as sea-query statements run through a
//! `SchemaManager`, exactly as the rendered file runs them.

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
use sea_orm_migration::sea_query::extension::postgres::Type;
use sea_orm_migration::sea_query::{
    ForeignKey as FkBuilder, Index as IndexBuilder, IndexCreateStatement, Table as TableBuilder,
    TableAlterStatement,
};

use super::build::{column_def, foreign_key_statement, index_statement, table_statement};
use super::{Step, rebuild_elsewhere, sea_table, table_indexes_data};
use crate::config::Backend;
use crate::schema::{Table, TableName};

impl Step {
    /// Run the step, exactly as the rendered code would.
    pub async fn apply(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let backend = Backend::from(manager.get_database_backend());
        if let Step::Rebuild { table, .. } = self
            && backend != Backend::Sqlite
        {
            return Err(DbErr::Migration(rebuild_elsewhere(&table.name)));
        }
        if self.backend_only().is_some_and(|b| b != backend) {
            return Ok(());
        }
        match self {
            Step::Comment(_) => Ok(()),
            Step::CreateEnum { name, values } => {
                manager
                    .create_type(
                        Type::create()
                            .as_enum(name.clone())
                            .values(values.clone())
                            .to_owned(),
                    )
                    .await
            }
            Step::DropEnum { name } => {
                manager
                    .drop_type(Type::drop().name(name.clone()).to_owned())
                    .await
            }
            Step::AddEnumValue {
                name,
                value,
                before,
                after,
            } => {
                let mut stmt = Type::alter()
                    .name(name.clone())
                    .add_value(value.clone())
                    .if_not_exists();
                if let Some(b) = before {
                    stmt = stmt.before(b.clone());
                } else if let Some(a) = after {
                    stmt = stmt.after(a.clone());
                }
                manager.alter_type(stmt).await
            }
            Step::CreateTable { table, enums } => {
                manager.create_table(table_statement(table, enums)).await?;
                for index in table_indexes(table) {
                    manager.create_index(index).await?;
                }
                Ok(())
            }
            Step::DropTable { name } => {
                manager
                    .drop_table(TableBuilder::drop().table(sea_table(name)).to_owned())
                    .await
            }
            Step::RenameTable { from, to } => {
                manager
                    .rename_table(
                        TableBuilder::rename()
                            .table(sea_table(from), to.clone())
                            .to_owned(),
                    )
                    .await
            }
            Step::AddColumn {
                table,
                calls,
                column,
                enums,
            } => {
                manager
                    .alter_table(alter(table, |a| {
                        a.add_column(column_def(column, calls, enums))
                    }))
                    .await
            }
            Step::DropColumn { table, column } => {
                manager
                    .alter_table(alter(table, |a| a.drop_column(column.clone())))
                    .await
            }
            Step::RenameColumn { table, from, to } => {
                manager
                    .alter_table(alter(table, |a| a.rename_column(from.clone(), to.clone())))
                    .await
            }
            Step::ModifyColumn {
                table,
                column,
                calls,
                enums,
            } => {
                manager
                    .alter_table(alter(table, |a| {
                        a.modify_column(column_def(column, calls, enums))
                    }))
                    .await
            }
            Step::CreateIndex { table, index } => {
                manager.create_index(index_statement(table, index)).await
            }
            Step::DropIndex { table, name } => {
                manager
                    .drop_index(
                        IndexBuilder::drop()
                            .name(name.clone())
                            .table(sea_table(table))
                            .to_owned(),
                    )
                    .await
            }
            Step::AddForeignKey { table, foreign_key } => {
                manager
                    .create_foreign_key(foreign_key_statement(table, foreign_key))
                    .await
            }
            Step::DropForeignKey { table, name } => {
                manager
                    .drop_foreign_key(
                        FkBuilder::drop()
                            .name(name.clone())
                            .table(sea_table(table))
                            .to_owned(),
                    )
                    .await
            }
            Step::CreateIndexConcurrently { table, index } => {
                autogen_runtime::online::create_index(manager, index_statement(table, index)).await
            }
            Step::DropIndexConcurrently { table, name } => {
                autogen_runtime::online::drop_index(manager, table.schema.as_deref(), name).await
            }
            Step::AddForeignKeyOnline { table, foreign_key } => {
                autogen_runtime::online::add_foreign_key(
                    manager,
                    foreign_key_statement(table, foreign_key),
                )
                .await
            }
            Step::SetNotNullOnline { table, column } => {
                autogen_runtime::online::set_not_null(
                    manager,
                    table.schema.as_deref(),
                    &table.name,
                    column,
                )
                .await
            }
            Step::AddUniqueOnline { table, index } => {
                autogen_runtime::online::add_unique(manager, index_statement(table, index)).await
            }
            Step::Precheck(check) => check.apply(manager).await,
            Step::Sql { sql, .. } => manager
                .get_connection()
                .execute_unprepared(sql)
                .await
                .map(|_| ()),
            Step::Rebuild {
                table,
                copy,
                dropped_columns,
                enums,
            } => {
                let pairs: Vec<(&str, &str)> =
                    copy.iter().map(|(n, o)| (n.as_str(), o.as_str())).collect();
                let dropped: Vec<&str> = dropped_columns.iter().map(String::as_str).collect();
                autogen_runtime::sqlite::rebuild_table_keeping(
                    manager,
                    &table.name,
                    table_statement(table, enums),
                    &pairs,
                    &dropped,
                    table_indexes(table),
                )
                .await
            }
        }
    }
}

fn table_indexes(table: &Table) -> Vec<IndexCreateStatement> {
    table_indexes_data(table)
        .iter()
        .map(|i| index_statement(&table.qualified(), i))
        .collect()
}

/// `ALTER TABLE <table> ...` with the one change `change` makes.
fn alter(
    table: &TableName,
    change: impl FnOnce(&mut TableAlterStatement) -> &mut TableAlterStatement,
) -> TableAlterStatement {
    let mut stmt = TableBuilder::alter();
    stmt.table(sea_table(table));
    change(&mut stmt);
    stmt
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

impl super::Precheck {
    async fn apply(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        use autogen_runtime::precheck;
        match self {
            super::Precheck::NoNulls { table, column, key } => {
                precheck::no_nulls(manager, super::sea_table(table), column, &strs(key)).await
            }
            super::Precheck::NoDuplicates {
                table,
                columns,
                key,
            } => {
                precheck::no_duplicates(
                    manager,
                    super::sea_table(table),
                    &strs(columns),
                    &strs(key),
                )
                .await
            }
            super::Precheck::Fits {
                table,
                column,
                fit,
                key,
            } => {
                precheck::values_fit(manager, super::sea_table(table), column, *fit, &strs(key))
                    .await
            }
            super::Precheck::NoValue {
                table,
                column,
                values,
                key,
            } => {
                precheck::no_value(
                    manager,
                    super::sea_table(table),
                    column,
                    &strs(values),
                    &strs(key),
                )
                .await
            }
            super::Precheck::NoOrphans {
                table,
                columns,
                parent,
                parent_columns,
                key,
            } => {
                precheck::no_orphans(
                    manager,
                    super::sea_table(table),
                    &strs(columns),
                    super::sea_table(parent),
                    &strs(parent_columns),
                    &strs(key),
                )
                .await
            }
        }
    }
}
