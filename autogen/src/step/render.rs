//! The render path: each step as the sea-orm-migration code a person
//! would write (a statement ending in `.await?;`).

use std::collections::BTreeMap;

use super::{
    Call, DefaultValue, Step, code_table, creatable_index_name, create_column_calls, lit,
    rebuild_elsewhere, table_indexes_data,
};
use crate::config::Backend;
use crate::schema::{ColumnType, Index, Table, TableName};

impl DefaultValue {
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

fn lits(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
    )
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

fn render_column_def(name: &str, calls: &[Call], enums: &BTreeMap<String, Vec<String>>) -> String {
    let calls: String = calls.iter().map(|c| render_call(c, enums)).collect();
    format!("ColumnDef::new({}){calls}", lit(name))
}

/// A name the generated file imports beyond sea-orm-migration's prelude;
/// the order of the variants is the order of the `use` lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Import {
    DbBackend,
    ConnectionTrait,
    PostgresType,
}

impl Import {
    pub fn path(self) -> &'static str {
        match self {
            Import::DbBackend => "sea_orm_migration::sea_orm::DbBackend",
            Import::ConnectionTrait => "sea_orm_migration::sea_orm::ConnectionTrait",
            Import::PostgresType => "sea_orm_migration::sea_query::extension::postgres::Type",
        }
    }
}

impl Step {
    /// The names `render` writes that the prelude does not bring.
    pub fn imports(&self) -> Vec<Import> {
        let mut names = Vec::new();
        if self.backend_only().is_some() {
            // The backend guard: `manager.get_database_backend() == DbBackend::..`.
            names.push(Import::DbBackend);
        }
        match self {
            Step::Sql { .. } => names.push(Import::ConnectionTrait),
            Step::CreateEnum { .. } | Step::DropEnum { .. } | Step::AddEnumValue { .. } => {
                names.push(Import::PostgresType)
            }
            _ => {}
        }
        names
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
                        render_create_index(&table.qualified(), &index)
                    ));
                }
                out
            }
            Step::DropTable { name } => format!(
                "manager\n.drop_table(Table::drop().table({}).to_owned())\n.await?;",
                code_table(name)
            ),
            Step::RenameTable { from, to } => format!(
                "manager\n.rename_table(Table::rename().table({}, {}).to_owned())\n.await?;",
                code_table(from),
                lit(to)
            ),
            Step::AddColumn {
                table,
                calls,
                column,
                enums,
            } => format!(
                "manager\n.alter_table(\nTable::alter()\n.table({})\n.add_column({})\n.to_owned(),\n)\n.await?;",
                code_table(table),
                render_column_def(column, calls, enums)
            ),
            Step::DropColumn { table, column } => format!(
                "manager\n.alter_table(Table::alter().table({}).drop_column({}).to_owned())\n.await?;",
                code_table(table),
                lit(column)
            ),
            Step::RenameColumn { table, from, to } => format!(
                "manager\n.alter_table(\nTable::alter()\n.table({})\n.rename_column({}, {})\n.to_owned(),\n)\n.await?;",
                code_table(table),
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
                code_table(table),
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
                code_table(table)
            ),
            Step::AddForeignKey { table, foreign_key } => {
                let mut s = format!(
                    "ForeignKey::create()\n.name({})\n.from_tbl({})",
                    lit(&foreign_key.name),
                    code_table(table)
                );
                for c in &foreign_key.columns {
                    s.push_str(&format!("\n.from_col({})", lit(c)));
                }
                s.push_str(&format!(
                    "\n.to_tbl({})",
                    code_table(&foreign_key.ref_name())
                ));
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
                code_table(table)
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
                    .map(|i| render_create_index(&table.qualified(), i))
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

fn render_create_table(table: &Table, enums: &BTreeMap<String, Vec<String>>) -> String {
    let mut s = format!(
        "Table::create()\n.table({})",
        code_table(&table.qualified())
    );
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
        b.push_str(&format!("\n.to_tbl({})", code_table(&fk.ref_name())));
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

fn render_create_index(table: &TableName, index: &Index) -> String {
    let mut s = format!(
        "\nIndex::create()\n.name({})\n.table({})",
        lit(&creatable_index_name(&table.name, index)),
        code_table(table)
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
