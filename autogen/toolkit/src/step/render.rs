//! The render path: each step as the sea-orm-migration code a person
//! would write (a statement ending in `.await?;`).

use super::build::{column_code, foreign_key_code, index_code, table_code};
use super::{Precheck, Step, code_table, lit, rebuild_elsewhere, table_indexes_data};
use crate::config::Backend;

fn opt_lit(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".into(),
    }
}

fn lits(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
    )
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
                    .split('\n')
                    .map(|l| format!("// {}\n", comment_safe(l)))
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
                    table_code(table, enums)
                );
                for index in table_indexes_data(table) {
                    out.push_str(&format!(
                        "\nmanager\n.create_index(\n{},\n)\n.await?;",
                        index_code(&table.qualified(), &index)
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
                column_code(column, calls, enums)
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
                column_code(column, calls, enums)
            ),
            Step::CreateIndex { table, index } => {
                format!(
                    "manager\n.create_index(\n{},\n)\n.await?;",
                    index_code(table, index)
                )
            }
            Step::DropIndex { table, name } => format!(
                "manager\n.drop_index(Index::drop().name({}).table({}).to_owned())\n.await?;",
                lit(name),
                code_table(table)
            ),
            Step::AddForeignKey { table, foreign_key } => format!(
                "manager\n.create_foreign_key(\n{},\n)\n.await?;",
                foreign_key_code(table, foreign_key)
            ),
            Step::DropForeignKey { table, name } => format!(
                "manager\n.drop_foreign_key(ForeignKey::drop().name({}).table({}).to_owned())\n.await?;",
                lit(name),
                code_table(table)
            ),
            Step::CreateIndexConcurrently { table, index } => format!(
                "// CONCURRENTLY: writes go on while it builds; a retry keeps a valid index\n// and rebuilds one an interrupted build left invalid.\nautogen_runtime::online::create_index(\nmanager,\n{},\n)\n.await?;",
                index_code(table, index)
            ),
            Step::DropIndexConcurrently { table, name } => format!(
                "autogen_runtime::online::drop_index(manager, {}, {})\n.await?;",
                opt_lit(table.schema.as_deref()),
                lit(name)
            ),
            Step::AddForeignKeyOnline { table, foreign_key } => format!(
                "// Added NOT VALID (existing rows unchecked, a brief lock), then validated\n// under a lock that lets writes through.\nautogen_runtime::online::add_foreign_key(\nmanager,\n{},\n)\n.await?;",
                foreign_key_code(table, foreign_key)
            ),
            Step::SetNotNullOnline { table, column } => format!(
                "// SET NOT NULL without a scan under an exclusive lock: CHECK (.. IS NOT NULL)\n// NOT VALID, VALIDATE, SET NOT NULL, then the check is dropped.\nautogen_runtime::online::set_not_null(manager, {}, {}, {})\n.await?;",
                opt_lit(table.schema.as_deref()),
                lit(&table.name),
                lit(column)
            ),
            Step::AddUniqueOnline { table, index } => format!(
                "// The unique index is built CONCURRENTLY, then becomes the constraint\n// (ADD CONSTRAINT .. UNIQUE USING INDEX).\nautogen_runtime::online::add_unique(\nmanager,\n{},\n)\n.await?;",
                index_code(table, index)
            ),
            Step::Precheck(check) => check.render(),
            Step::Sql { sql, .. } => format!(
                "manager\n.get_connection()\n.execute_unprepared({})\n.await?;",
                lit(sql)
            ),
            Step::Rebuild {
                table,
                copy,
                dropped_columns,
                enums,
            } => {
                let pairs: Vec<String> = copy
                    .iter()
                    .map(|(n, o)| format!("({}, {})", lit(n), lit(o)))
                    .collect();
                let indexes: Vec<String> = table_indexes_data(table)
                    .iter()
                    .map(|i| index_code(&table.qualified(), i))
                    .collect();
                let names =
                    |list: &[String]| list.iter().map(|n| lit(n)).collect::<Vec<_>>().join(", ");
                format!(
                    "// SQLite cannot alter {name} in place: rebuild it (new table, copy rows, swap),\n// with foreign keys checked before commit; a column the live table has and\n// this migration does not name is kept, with its data.\nautogen_runtime::sqlite::rebuild_table_keeping(\nmanager,\n{},\n{},\n&[{}],\n&[{}],\nvec![{}],\n)\n.await?;",
                    lit(&table.name),
                    table_code(table, enums),
                    pairs.join(", "),
                    names(dropped_columns),
                    indexes.join(", "),
                    name = comment_safe(&table.name)
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

/// `text` made safe for one line of a `//` or `//!` comment: names read from a
/// database may hold a newline (the rest of the line would become code), a
/// lone carriage return (rejected by rustc in doc comments) or other control
/// characters; each is written as its escape (`\n`, `\r`, `\u{1b}`).
pub fn comment_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn strs(items: &[String]) -> String {
    format!(
        "&[{}]",
        items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
    )
}

impl Precheck {
    fn render(&self) -> String {
        match self {
            Precheck::NoNulls { table, column, key } => format!(
                "// Pre-check: SET NOT NULL fails on rows with NULL; say which before any change.\nautogen_runtime::precheck::no_nulls(manager, {}, {}, {})\n.await?;",
                code_table(table),
                lit(column),
                strs(key)
            ),
            Precheck::NoDuplicates {
                table,
                columns,
                key,
            } => format!(
                "// Pre-check: a unique index fails on duplicate values; say which before any change.\nautogen_runtime::precheck::no_duplicates(manager, {}, {}, {})\n.await?;",
                code_table(table),
                strs(columns),
                strs(key)
            ),
            Precheck::Fits {
                table,
                column,
                fit,
                key,
            } => {
                use autogen_runtime::precheck::Fit;
                let fit = match fit {
                    Fit::MaxLength(n) => format!("MaxLength({n})"),
                    Fit::Range(lo, hi) => format!("Range({lo}, {hi})"),
                    Fit::Numeric(p, s) => format!("Numeric({p}, {s})"),
                };
                format!(
                    "// Pre-check: the narrower type fails on values that do not fit; say which before any change.\nautogen_runtime::precheck::values_fit(\nmanager,\n{},\n{},\nautogen_runtime::precheck::Fit::{fit},\n{},\n)\n.await?;",
                    code_table(table),
                    lit(column),
                    strs(key)
                )
            }
            Precheck::NoValue {
                table,
                column,
                values,
                key,
            } => format!(
                "// Pre-check: rows still holding a removed enum value would fail; say which before any change.\nautogen_runtime::precheck::no_value(\nmanager,\n{},\n{},\n{},\n{},\n)\n.await?;",
                code_table(table),
                lit(column),
                strs(values),
                strs(key)
            ),
            Precheck::NoOrphans {
                table,
                columns,
                parent,
                parent_columns,
                key,
            } => format!(
                "// Pre-check: a foreign key fails on rows pointing at nothing; say which before any change.\nautogen_runtime::precheck::no_orphans(\nmanager,\n{},\n{},\n{},\n{},\n{},\n)\n.await?;",
                code_table(table),
                strs(columns),
                code_table(parent),
                strs(parent_columns),
                strs(key)
            ),
        }
    }
}
