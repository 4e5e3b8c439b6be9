//! Migration steps: what a generated `up()`/`down()` does, statement by
//! statement. Every step can be *rendered* as sea-orm-migration code and
//! *applied* directly through a `SchemaManager`, from one definition, so
//! the library can prove a migration correct (apply, introspect, compare)
//! without compiling the generated file.

use std::collections::BTreeMap;

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr};
use sea_orm_migration::sea_query::extension::postgres::Type;
use sea_orm_migration::sea_query::{
    ColumnDef, Expr, ForeignKey as FkBuilder, ForeignKeyAction, Index as IndexBuilder,
    IndexCreateStatement, Table as TableBuilder, TableCreateStatement,
};

use crate::config::Backend;
use crate::schema::{Column, ColumnType, FkAction, ForeignKey, Index, Table};

/// One call on a `ColumnDef` builder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    Type(ColumnType),
    NotNull,
    Null,
    Default(DefaultValue),
    AutoIncrement,
    PrimaryKey,
    UniqueKey,
    Using(String),
}

/// A column default in the form the generated code writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    Bool(bool),
    Int(i64),
    Str(String),
    CurrentTimestamp,
    /// An SQL expression kept as the database spells it.
    Raw(String),
}

impl DefaultValue {
    /// Read a default as introspected (`'UTC'::character varying`, `TRUE`, `300`, `now()`).
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if lower == "true" {
            return Self::Bool(true);
        }
        if lower == "false" {
            return Self::Bool(false);
        }
        if lower == "current_timestamp" {
            return Self::CurrentTimestamp;
        }
        if let Ok(n) = t.parse::<i64>() {
            return Self::Int(n);
        }
        if let Some(rest) = t.strip_prefix('\'') {
            // 'text' or 'text'::type, with '' escaping a quote.
            let mut value = String::new();
            let mut chars = rest.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        value.push('\'');
                        continue;
                    }
                    let tail: String = chars.collect();
                    if tail.is_empty()
                        || (tail.starts_with("::")
                            && !tail.contains(['\'', '|', '(', ')', '+', '*', '/']))
                    {
                        return Self::Str(value);
                    }
                    return Self::Raw(t.to_owned());
                }
                value.push(c);
            }
        }
        Self::Raw(t.to_owned())
    }

    fn expr(&self) -> Expr {
        match self {
            Self::Bool(b) => Expr::val(*b),
            Self::Int(n) => Expr::val(*n),
            Self::Str(s) => Expr::val(s.clone()),
            Self::CurrentTimestamp => Expr::current_timestamp(),
            Self::Raw(s) => Expr::cust(s.clone()),
        }
    }

    fn render(&self) -> String {
        match self {
            Self::Bool(b) => b.to_string(),
            Self::Int(n) => n.to_string(),
            Self::Str(s) => lit(s),
            Self::CurrentTimestamp => "Expr::current_timestamp()".into(),
            Self::Raw(s) => format!("Expr::cust({})", lit(s)),
        }
    }
}

/// A Rust string literal.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn lits(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
    )
}

/// The builder calls that define `col` (`in_create`: as part of CREATE TABLE,
/// where a single-column primary key is declared on the column).
pub fn column_calls(col: &Column, primary_key: bool) -> Vec<Call> {
    let mut calls = vec![Call::Type(col.ty.clone())];
    if !col.nullable {
        calls.push(Call::NotNull);
    }
    if col.auto_increment {
        calls.push(Call::AutoIncrement);
    }
    if primary_key {
        calls.push(Call::PrimaryKey);
    }
    if let Some(d) = &col.default {
        calls.push(Call::Default(DefaultValue::parse(d)));
    }
    calls
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

fn render_call(call: &Call, enums: &BTreeMap<String, Vec<String>>) -> String {
    match call {
        Call::Type(ty) => match ty {
            ColumnType::SmallInt => ".small_integer()".into(),
            ColumnType::Integer => ".integer()".into(),
            ColumnType::BigInt => ".big_integer()".into(),
            ColumnType::Real => ".float()".into(),
            ColumnType::Double => ".double()".into(),
            ColumnType::Decimal(Some((p, s))) => format!(".decimal_len({p}, {s})"),
            ColumnType::Decimal(None) => ".decimal()".into(),
            ColumnType::String(Some(n)) => format!(".string_len({n})"),
            ColumnType::String(None) => ".custom(\"varchar\")".into(),
            ColumnType::Char(Some(n)) => format!(".char_len({n})"),
            ColumnType::Char(None) => ".char()".into(),
            ColumnType::Text => ".text()".into(),
            ColumnType::Boolean => ".boolean()".into(),
            ColumnType::Date => ".date()".into(),
            ColumnType::Time => ".time()".into(),
            ColumnType::Timestamp => ".timestamp()".into(),
            ColumnType::TimestampTz => ".timestamp_with_time_zone()".into(),
            ColumnType::Json => ".json()".into(),
            ColumnType::JsonBinary => ".json_binary()".into(),
            ColumnType::Uuid => ".uuid()".into(),
            ColumnType::Binary => ".binary()".into(),
            ColumnType::Enum(name) => format!(
                ".enumeration({}, {})",
                lit(name),
                lits(&enums.get(name).cloned().unwrap_or_default())
            ),
            ColumnType::Array(_) => format!(".custom({})", lit(&ty.sql())),
            ColumnType::Custom(name) => format!(".custom({})", lit(name)),
        },
        Call::NotNull => ".not_null()".into(),
        Call::Null => ".null()".into(),
        Call::Default(d) => format!(".default({})", d.render()),
        Call::AutoIncrement => ".auto_increment()".into(),
        Call::PrimaryKey => ".primary_key()".into(),
        Call::UniqueKey => ".unique_key()".into(),
        Call::Using(sql) => format!(".using(Expr::cust({}))", lit(sql)),
    }
}

fn column_def(name: &str, calls: &[Call], enums: &BTreeMap<String, Vec<String>>) -> ColumnDef {
    let mut def = ColumnDef::new(name.to_owned());
    for call in calls {
        apply_call(&mut def, call, enums);
    }
    def
}

fn render_column_def(name: &str, calls: &[Call], enums: &BTreeMap<String, Vec<String>>) -> String {
    let calls: String = calls.iter().map(|c| render_call(c, enums)).collect();
    format!("ColumnDef::new({}){calls}", lit(name))
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

/// One statement (or recipe) of a migration.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A comment line in the generated code (warnings, backfill hints).
    Comment(String),
    CreateEnum {
        name: String,
        values: Vec<String>,
    },
    DropEnum {
        name: String,
    },
    /// `ALTER TYPE .. ADD VALUE IF NOT EXISTS .. BEFORE/AFTER ..`.
    AddEnumValue {
        name: String,
        value: String,
        before: Option<String>,
        after: Option<String>,
    },
    CreateTable {
        table: Table,
        enums: BTreeMap<String, Vec<String>>,
    },
    DropTable {
        name: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        calls: Vec<Call>,
        column: String,
        enums: BTreeMap<String, Vec<String>>,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    ModifyColumn {
        table: String,
        column: String,
        calls: Vec<Call>,
        enums: BTreeMap<String, Vec<String>>,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        name: String,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: String,
        name: String,
    },
    /// Raw SQL for what sea-query has no builder for, on one backend only.
    Sql {
        backend: Backend,
        sql: String,
    },
    /// SQLite table rebuild: new definition, `(new, old)` column copies.
    Rebuild {
        table: Table,
        copy: Vec<(String, String)>,
        enums: BTreeMap<String, Vec<String>>,
    },
}

impl Step {
    /// Whether this step only runs on one backend (rendered behind a check).
    pub fn backend_only(&self) -> Option<Backend> {
        match self {
            Step::CreateEnum { .. } | Step::DropEnum { .. } | Step::AddEnumValue { .. } => {
                Some(Backend::Postgres)
            }
            Step::Sql { backend, .. } => Some(*backend),
            Step::Rebuild { .. } => Some(Backend::Sqlite),
            _ => None,
        }
    }

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
                    .drop_table(TableBuilder::drop().table(name.clone()).to_owned())
                    .await
            }
            Step::RenameTable { from, to } => {
                manager
                    .rename_table(
                        TableBuilder::rename()
                            .table(from.clone(), to.clone())
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
                            .table(table.clone())
                            .add_column(column_def(column, calls, enums))
                            .to_owned(),
                    )
                    .await
            }
            Step::DropColumn { table, column } => {
                manager
                    .alter_table(
                        TableBuilder::alter()
                            .table(table.clone())
                            .drop_column(column.clone())
                            .to_owned(),
                    )
                    .await
            }
            Step::RenameColumn { table, from, to } => {
                manager
                    .alter_table(
                        TableBuilder::alter()
                            .table(table.clone())
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
                            .table(table.clone())
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
                            .table(table.clone())
                            .to_owned(),
                    )
                    .await
            }
            Step::AddForeignKey { table, foreign_key } => {
                let mut fk = FkBuilder::create();
                fk.name(foreign_key.name.clone()).from_tbl(table.clone());
                for c in &foreign_key.columns {
                    fk.from_col(c.clone());
                }
                fk.to_tbl(foreign_key.ref_table.clone());
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
                            .table(table.clone())
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

    /// The step as sea-orm-migration code (a statement ending in `.await?;`).
    pub fn render(&self) -> String {
        let guard = |b: Backend, body: String| {
            let (cond, what) = match b {
                Backend::Postgres => ("DbBackend::Postgres", "PostgreSQL only"),
                Backend::Sqlite => ("DbBackend::Sqlite", "SQLite only"),
                Backend::MySql => ("DbBackend::MySql", "MySQL only"),
            };
            format!("// {what}.\nif manager.get_database_backend() == {cond} {{\n{body}\n}}")
        };
        let body = match self {
            Step::Comment(text) => {
                return text
                    .lines()
                    .map(|l| format!("// {l}\n"))
                    .collect::<String>()
                    .trim_end()
                    .to_owned();
            }
            Step::CreateEnum { name, values } => format!(
                "manager\n.create_type(Type::create().as_enum({}).values({}).to_owned())\n.await?;",
                lit(name),
                lits(values)
            ),
            Step::DropEnum { name } => format!(
                "manager.drop_type(Type::drop().name({}).to_owned()).await?;",
                lit(name)
            ),
            Step::AddEnumValue {
                name,
                value,
                before,
                after,
            } => {
                let pos = match (before, after) {
                    (Some(b), _) => format!(".before({})", lit(b)),
                    (None, Some(a)) => format!(".after({})", lit(a)),
                    _ => String::new(),
                };
                format!(
                    "manager\n.alter_type(Type::alter().name({}).add_value({}).if_not_exists(){pos})\n.await?;",
                    lit(name),
                    lit(value)
                )
            }
            Step::CreateTable { table, enums } => {
                let mut out = format!(
                    "manager\n.create_table(\n{}\n)\n.await?;",
                    render_create_table(table, enums)
                );
                for index in table_indexes_data(table) {
                    out.push_str(&format!(
                        "\nmanager\n.create_index({})\n.await?;",
                        render_create_index(&table.name, &index)
                    ));
                }
                out
            }
            Step::DropTable { name } => format!(
                "manager\n.drop_table(Table::drop().table({}).to_owned())\n.await?;",
                lit(name)
            ),
            Step::RenameTable { from, to } => format!(
                "manager\n.rename_table(Table::rename().table({}, {}).to_owned())\n.await?;",
                lit(from),
                lit(to)
            ),
            Step::AddColumn {
                table,
                calls,
                column,
                enums,
            } => format!(
                "manager\n.alter_table(\nTable::alter()\n.table({})\n.add_column({})\n.to_owned(),\n)\n.await?;",
                lit(table),
                render_column_def(column, calls, enums)
            ),
            Step::DropColumn { table, column } => format!(
                "manager\n.alter_table(Table::alter().table({}).drop_column({}).to_owned())\n.await?;",
                lit(table),
                lit(column)
            ),
            Step::RenameColumn { table, from, to } => format!(
                "manager\n.alter_table(\nTable::alter()\n.table({})\n.rename_column({}, {})\n.to_owned(),\n)\n.await?;",
                lit(table),
                lit(from),
                lit(to)
            ),
            Step::ModifyColumn {
                table,
                column,
                calls,
                enums,
            } => format!(
                "manager\n.alter_table(\nTable::alter()\n.table({})\n.modify_column({})\n.to_owned(),\n)\n.await?;",
                lit(table),
                render_column_def(column, calls, enums)
            ),
            Step::CreateIndex { table, index } => {
                format!(
                    "manager\n.create_index({})\n.await?;",
                    render_create_index(table, index)
                )
            }
            Step::DropIndex { table, name } => format!(
                "manager\n.drop_index(Index::drop().name({}).table({}).to_owned())\n.await?;",
                lit(name),
                lit(table)
            ),
            Step::AddForeignKey { table, foreign_key } => {
                let mut s = format!(
                    "ForeignKey::create()\n.name({})\n.from_tbl({})",
                    lit(&foreign_key.name),
                    lit(table)
                );
                for c in &foreign_key.columns {
                    s.push_str(&format!("\n.from_col({})", lit(c)));
                }
                s.push_str(&format!("\n.to_tbl({})", lit(&foreign_key.ref_table)));
                for c in &foreign_key.ref_columns {
                    s.push_str(&format!("\n.to_col({})", lit(c)));
                }
                s.push_str(&format!(
                    "\n.on_delete(ForeignKeyAction::{})\n.on_update(ForeignKeyAction::{})\n.to_owned()",
                    foreign_key.on_delete.variant(),
                    foreign_key.on_update.variant()
                ));
                format!("manager\n.create_foreign_key(\n{s},\n)\n.await?;")
            }
            Step::DropForeignKey { table, name } => format!(
                "manager\n.drop_foreign_key(ForeignKey::drop().name({}).table({}).to_owned())\n.await?;",
                lit(name),
                lit(table)
            ),
            Step::Sql { sql, .. } => format!(
                "manager\n.get_connection()\n.execute_unprepared({})\n.await?;",
                lit(sql)
            ),
            Step::Rebuild { table, copy, enums } => {
                let pairs: Vec<String> = copy
                    .iter()
                    .map(|(n, o)| format!("({}, {})", lit(n), lit(o)))
                    .collect();
                let indexes: Vec<String> = table_indexes_data(table)
                    .iter()
                    .map(|i| render_create_index(&table.name, i))
                    .collect();
                format!(
                    "// SQLite cannot alter {name} in place: rebuild it (new table, copy rows, swap),\n// with foreign keys checked before commit.\nautogen_runtime::sqlite::rebuild_table(\nmanager,\n{},\n{},\n&[{}],\nvec![{}],\n)\n.await?;",
                    lit(&table.name),
                    render_create_table(table, enums),
                    pairs.join(", "),
                    indexes.join(", "),
                    name = table.name
                )
            }
        };
        match self {
            // Skipping a rebuild elsewhere would leave that database behind
            // the entities without a word: fail instead, saying what to do.
            Step::Rebuild { table, .. } => format!(
                "{}\nelse {{\nreturn Err(DbErr::Migration({}.into()));\n}}",
                guard(Backend::Sqlite, body),
                lit(&rebuild_elsewhere(&table.name))
            ),
            _ => match self.backend_only() {
                Some(b) => guard(b, body),
                None => body,
            },
        }
    }
}

/// Why a SQLite table rebuild fails on another backend.
fn rebuild_elsewhere(table: &str) -> String {
    format!(
        "this migration rebuilds table {table} with SQLite's recipe and cannot run on another backend: generate the migration against that database instead"
    )
}

/// Indexes created next to a table: plain ones and multi-column uniques
/// (single-column unique constraints are declared on the column).
fn table_indexes_data(table: &Table) -> Vec<Index> {
    table
        .indexes
        .iter()
        .filter(|i| !(i.unique && i.constraint && i.columns.len() == 1))
        .cloned()
        .collect()
}

fn table_indexes(table: &Table) -> Vec<IndexCreateStatement> {
    table_indexes_data(table)
        .iter()
        .map(|i| create_index(&table.name, i))
        .collect()
}

fn unique_columns(table: &Table) -> Vec<&str> {
    table
        .indexes
        .iter()
        .filter(|i| i.unique && i.constraint && i.columns.len() == 1)
        .map(|i| i.columns[0].as_str())
        .collect()
}

fn create_column_calls(table: &Table, col: &Column) -> Vec<Call> {
    let single_pk = table.primary_key.len() == 1 && table.primary_key[0] == col.name;
    let mut calls = column_calls(col, single_pk);
    if unique_columns(table).contains(&col.name.as_str()) {
        calls.push(Call::UniqueKey);
    }
    calls
}

fn create_table(table: &Table, enums: &BTreeMap<String, Vec<String>>) -> TableCreateStatement {
    let mut stmt = TableBuilder::create();
    stmt.table(table.name.clone());
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
        b.to_tbl(fk.ref_table.clone());
        for c in &fk.ref_columns {
            b.to_col(c.clone());
        }
        b.on_delete(fk_action(fk.on_delete))
            .on_update(fk_action(fk.on_update));
        stmt.foreign_key(&mut b);
    }
    stmt.to_owned()
}

fn render_create_table(table: &Table, enums: &BTreeMap<String, Vec<String>>) -> String {
    let mut s = format!("Table::create()\n.table({})", lit(&table.name));
    for col in &table.columns {
        s.push_str(&format!(
            "\n.col({})",
            render_column_def(&col.name, &create_column_calls(table, col), enums)
        ));
    }
    if table.primary_key.len() > 1 {
        let mut pk = "Index::create()".to_owned();
        if !table.primary_key_name.is_empty() {
            pk.push_str(&format!(".name({})", lit(&table.primary_key_name)));
        }
        for c in &table.primary_key {
            pk.push_str(&format!(".col({})", lit(c)));
        }
        s.push_str(&format!("\n.primary_key({pk})"));
    }
    for fk in &table.foreign_keys {
        let mut b = "ForeignKey::create()".to_owned();
        if !fk.name.is_empty() {
            b.push_str(&format!("\n.name({})", lit(&fk.name)));
        }
        for c in &fk.columns {
            b.push_str(&format!("\n.from_col({})", lit(c)));
        }
        b.push_str(&format!("\n.to_tbl({})", lit(&fk.ref_table)));
        for c in &fk.ref_columns {
            b.push_str(&format!("\n.to_col({})", lit(c)));
        }
        b.push_str(&format!(
            "\n.on_delete(ForeignKeyAction::{})\n.on_update(ForeignKeyAction::{})",
            fk.on_delete.variant(),
            fk.on_update.variant()
        ));
        s.push_str(&format!("\n.foreign_key(\n{b},\n)"));
    }
    s.push_str("\n.to_owned()");
    s
}

/// The name to create `index` under. SQLite names a UNIQUE constraint's
/// index `sqlite_autoindex_<table>_<n>` and reserves that prefix, so such
/// an index, created on its own (a constraint cannot be added to an
/// existing SQLite table), gets a name of SeaORM's form instead.
pub fn creatable_index_name(table: &str, index: &Index) -> String {
    if index.name.starts_with("sqlite_autoindex_") {
        format!("idx-{table}-{}", index.columns.join("_"))
    } else {
        index.name.clone()
    }
}

fn create_index(table: &str, index: &Index) -> IndexCreateStatement {
    let mut stmt = IndexBuilder::create();
    stmt.name(creatable_index_name(table, index))
        .table(table.to_owned());
    for c in &index.columns {
        stmt.col(c.clone());
    }
    if index.unique {
        stmt.unique();
    }
    stmt.to_owned()
}

fn render_create_index(table: &str, index: &Index) -> String {
    let mut s = format!(
        "\nIndex::create()\n.name({})\n.table({})",
        lit(&creatable_index_name(table, index)),
        lit(table)
    );
    for c in &index.columns {
        s.push_str(&format!("\n.col({})", lit(c)));
    }
    if index.unique {
        s.push_str("\n.unique()");
    }
    s.push_str("\n.to_owned(),\n");
    s
}

/// Generated steps as a migration, so the library can run them through the
/// runtime exactly as the compiled file would run (same transaction rules).
pub struct StepsMigration {
    pub name: String,
    pub up: Vec<Step>,
    pub down: Vec<Step>,
}

impl sea_orm_migration::MigrationName for StepsMigration {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for StepsMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for step in &self.up {
            step.apply(manager).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for step in &self.down {
            step.apply(manager).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_back_in_their_simplest_form() {
        for (text, want) in [
            ("true", DefaultValue::Bool(true)),
            ("TRUE", DefaultValue::Bool(true)),
            ("300", DefaultValue::Int(300)),
            ("'UTC'::character varying", DefaultValue::Str("UTC".into())),
            ("'UTC'", DefaultValue::Str("UTC".into())),
            ("'it''s'::text", DefaultValue::Str("it's".into())),
            ("'pending'::run_status", DefaultValue::Str("pending".into())),
            ("CURRENT_TIMESTAMP", DefaultValue::CurrentTimestamp),
            ("now()", DefaultValue::Raw("now()".into())),
            (
                "('a'::text || 'b'::text)",
                DefaultValue::Raw("('a'::text || 'b'::text)".into()),
            ),
        ] {
            assert_eq!(DefaultValue::parse(text), want, "{text}");
        }
    }

    #[test]
    fn reserved_sqlite_index_names_are_replaced() {
        let index = |name: &str| Index {
            name: name.into(),
            columns: vec!["a".into(), "b".into()],
            unique: true,
            constraint: true,
        };
        assert_eq!(
            creatable_index_name("t", &index("sqlite_autoindex_t_1")),
            "idx-t-a_b"
        );
        assert_eq!(creatable_index_name("t", &index("uq_t_ab")), "uq_t_ab");
    }
}
