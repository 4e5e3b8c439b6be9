//! The apply path: each step as sea-query statements run through a
//! `SchemaManager`, exactly as the rendered file runs them.

use std::collections::BTreeMap;

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr};
use sea_orm_migration::sea_query::extension::postgres::Type;
use sea_orm_migration::sea_query::{
    ColumnDef, Expr, ForeignKey as FkBuilder, ForeignKeyAction, Index as IndexBuilder,
    IndexCreateStatement, Table as TableBuilder, TableCreateStatement,
};

use super::{
    Call, DefaultValue, Step, creatable_index_name, create_column_calls, rebuild_elsewhere,
    sea_table, table_indexes_data,
};
use crate::config::Backend;
use crate::schema::{ColumnType, FkAction, Index, Table, TableName};

impl DefaultValue {
    fn expr(&self) -> Expr {
        match self {
            Self::Bool(b) => Expr::val(*b),
            Self::Int(n) => Expr::val(*n),
            Self::Str(s) => Expr::val(s.clone()),
            Self::CurrentTimestamp => Expr::current_timestamp(),
            Self::Raw(s) => Expr::cust(s.clone()),
        }
    }
}

fn apply_call(def: &mut ColumnDef, call: &Call, enums: &BTreeMap<String, Vec<String>>) {
    match call {
        Call::Type(ty) => {
            match ty {
                ColumnType::SmallInt => def.small_integer(),
                ColumnType::Integer => def.integer(),
                ColumnType::BigInt => def.big_integer(),
                ColumnType::Real => def.float(),
                ColumnType::Double => def.double(),
                ColumnType::Decimal(Some((p, s))) => def.decimal_len(*p, *s),
                ColumnType::Decimal(None) => def.decimal(),
                ColumnType::String(Some(n)) => def.string_len(*n),
                ColumnType::String(None) => def.custom("varchar"),
                ColumnType::Char(Some(n)) => def.char_len(*n),
                ColumnType::Char(None) => def.char(),
                ColumnType::Text => def.text(),
                ColumnType::Boolean => def.boolean(),
                ColumnType::Date => def.date(),
                ColumnType::Time => def.time(),
                ColumnType::Timestamp => def.timestamp(),
                ColumnType::TimestampTz => def.timestamp_with_time_zone(),
                ColumnType::Json => def.json(),
                ColumnType::JsonBinary => def.json_binary(),
                ColumnType::Uuid => def.uuid(),
                ColumnType::Binary => def.binary(),
                ColumnType::Enum(name) => {
                    def.enumeration(name.clone(), enums.get(name).cloned().unwrap_or_default())
                }
                // PostgreSQL spells an array by its element: `varchar(20)[]`.
                ColumnType::Array(_) => def.custom(ty.sql()),
                ColumnType::Custom(name) => def.custom(name.clone()),
            };
        }
        Call::NotNull => {
            def.not_null();
        }
        Call::Null => {
            def.null();
        }
        Call::Default(d) => {
            def.default(d.expr());
        }
        Call::AutoIncrement => {
            def.auto_increment();
        }
        Call::PrimaryKey => {
            def.primary_key();
        }
        Call::UniqueKey => {
            def.unique_key();
        }
        Call::Using(sql) => {
            def.using(Expr::cust(sql.clone()));
        }
    }
}

fn column_def(name: &str, calls: &[Call], enums: &BTreeMap<String, Vec<String>>) -> ColumnDef {
    let mut def = ColumnDef::new(name.to_owned());
    for call in calls {
        apply_call(&mut def, call, enums);
    }
    def
}

fn fk_action(a: FkAction) -> ForeignKeyAction {
    match a {
        FkAction::NoAction => ForeignKeyAction::NoAction,
        FkAction::Restrict => ForeignKeyAction::Restrict,
        FkAction::Cascade => ForeignKeyAction::Cascade,
        FkAction::SetNull => ForeignKeyAction::SetNull,
        FkAction::SetDefault => ForeignKeyAction::SetDefault,
    }
}

impl Step {
    /// Run the step, exactly as the rendered code would.
    pub async fn apply(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let backend = match manager.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            DbBackend::Sqlite => Backend::Sqlite,
            _ => Backend::MySql,
        };
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
                manager.create_table(create_table(table, enums)).await?;
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
                    .alter_table(
                        TableBuilder::alter()
                            .table(sea_table(table))
                            .add_column(column_def(column, calls, enums))
                            .to_owned(),
                    )
                    .await
            }
            Step::DropColumn { table, column } => {
                manager
                    .alter_table(
                        TableBuilder::alter()
                            .table(sea_table(table))
                            .drop_column(column.clone())
                            .to_owned(),
                    )
                    .await
            }
            Step::RenameColumn { table, from, to } => {
                manager
                    .alter_table(
                        TableBuilder::alter()
                            .table(sea_table(table))
                            .rename_column(from.clone(), to.clone())
                            .to_owned(),
                    )
                    .await
            }
            Step::ModifyColumn {
                table,
                column,
                calls,
                enums,
            } => {
                manager
                    .alter_table(
                        TableBuilder::alter()
                            .table(sea_table(table))
                            .modify_column(column_def(column, calls, enums))
                            .to_owned(),
                    )
                    .await
            }
            Step::CreateIndex { table, index } => {
                manager.create_index(create_index(table, index)).await
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
                let mut fk = FkBuilder::create();
                fk.name(foreign_key.name.clone()).from_tbl(sea_table(table));
                for c in &foreign_key.columns {
                    fk.from_col(c.clone());
                }
                fk.to_tbl(sea_table(&foreign_key.ref_name()));
                for c in &foreign_key.ref_columns {
                    fk.to_col(c.clone());
                }
                fk.on_delete(fk_action(foreign_key.on_delete))
                    .on_update(fk_action(foreign_key.on_update));
                manager.create_foreign_key(fk.to_owned()).await
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
            Step::Sql { sql, .. } => manager
                .get_connection()
                .execute_unprepared(sql)
                .await
                .map(|_| ()),
            Step::Rebuild { table, copy, enums } => {
                let pairs: Vec<(&str, &str)> =
                    copy.iter().map(|(n, o)| (n.as_str(), o.as_str())).collect();
                autogen_runtime::sqlite::rebuild_table(
                    manager,
                    &table.name,
                    create_table(table, enums),
                    &pairs,
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
        .map(|i| create_index(&table.qualified(), i))
        .collect()
}

fn create_table(table: &Table, enums: &BTreeMap<String, Vec<String>>) -> TableCreateStatement {
    let mut stmt = TableBuilder::create();
    stmt.table(sea_table(&table.qualified()));
    for col in &table.columns {
        stmt.col(column_def(
            &col.name,
            &create_column_calls(table, col),
            enums,
        ));
    }
    if table.primary_key.len() > 1 {
        let mut pk = IndexBuilder::create();
        if !table.primary_key_name.is_empty() {
            pk.name(table.primary_key_name.clone());
        }
        for c in &table.primary_key {
            pk.col(c.clone());
        }
        stmt.primary_key(&mut pk);
    }
    for fk in &table.foreign_keys {
        let mut b = FkBuilder::create();
        if !fk.name.is_empty() {
            b.name(fk.name.clone());
        }
        for c in &fk.columns {
            b.from_col(c.clone());
        }
        b.to_tbl(sea_table(&fk.ref_name()));
        for c in &fk.ref_columns {
            b.to_col(c.clone());
        }
        b.on_delete(fk_action(fk.on_delete))
            .on_update(fk_action(fk.on_update));
        stmt.foreign_key(&mut b);
    }
    stmt.to_owned()
}

fn create_index(table: &TableName, index: &Index) -> IndexCreateStatement {
    let mut stmt = IndexBuilder::create();
    stmt.name(creatable_index_name(&table.name, index))
        .table(sea_table(table));
    for c in &index.columns {
        stmt.col(c.clone());
    }
    if index.unique {
        stmt.unique();
    }
    stmt.to_owned()
}
