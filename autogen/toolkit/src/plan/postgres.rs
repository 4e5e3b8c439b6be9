//! PostgreSQL's side of planning: what it does in its own statements.
//! Enum types (values added in place, removals and reorders as a type
//! swap), comments (`COMMENT ON`), column alterations split per attribute
//! (type with a `USING` cast, default, nullability, identity/serial
//! conversions that keep the sequence), primary keys and UNIQUE constraints
//! by name, and a NOT NULL column without default added in three steps.

use std::collections::BTreeMap;

use super::{Context, additions_only, backfill, neutral};
use crate::change::{Change, ColumnChanges};
use crate::config::Backend;
use crate::schema::{Column, ColumnType, Schema, Sequence, TableName};
use crate::step::{Call, DefaultValue, Step, column_calls};

mod enums;

use enums::alter_enum;

/// The steps of one change on PostgreSQL.
pub(super) fn steps_for(change: &Change, ctx: &Context<'_>) -> Vec<Step> {
    let (from, to) = (ctx.from, ctx.to);
    let backend = Backend::Postgres;
    let enums = ctx.enums.clone();
    let tn = |key: &str| ctx.table(key);
    match change {
        Change::CreateSchema { name } => vec![Step::Sql {
            backend: Backend::Postgres,
            sql: format!("CREATE SCHEMA IF NOT EXISTS {}", q(name)),
        }],
        Change::DropSchema { name } => vec![Step::Sql {
            backend: Backend::Postgres,
            sql: format!("DROP SCHEMA {}", q(name)),
        }],
        Change::CreateEnum { name, values } => vec![Step::CreateEnum {
            name: name.clone(),
            values: values.clone(),
        }],
        Change::DropEnum { name, .. } => vec![Step::DropEnum { name: name.clone() }],
        Change::AlterEnum {
            name,
            from: old,
            to: new,
            ..
        } => alter_enum(name, old, new, to),
        Change::CreateTable { table } => {
            let mut out = neutral(change, ctx).unwrap_or_default();
            if table.comment.is_some() {
                out.push(comment_step(
                    &table.qualified(),
                    None,
                    table.comment.as_deref(),
                ));
            }
            for c in table.columns.iter().filter(|c| c.comment.is_some()) {
                out.push(comment_step(
                    &table.qualified(),
                    Some(&c.name),
                    c.comment.as_deref(),
                ));
            }
            out
        }
        Change::AlterTableComment { table, to, .. } => {
            vec![comment_step(&tn(table), None, to.as_deref())]
        }
        Change::AddColumn { table, column } => {
            let mut out = add_column(&tn(table), column, &enums, ctx.restoring);
            if column.comment.is_some() {
                out.push(comment_step(
                    &tn(table),
                    Some(&column.name),
                    column.comment.as_deref(),
                ));
            }
            out
        }
        Change::AlterColumn {
            table,
            from: old,
            to: new,
            changed,
        } => alter_column(&tn(table), old, new, *changed, &enums),
        Change::AlterPrimaryKey {
            table,
            from: old_cols,
            to: new_cols,
        } => {
            let mut out = Vec::new();
            let name_in = |side: &Schema| {
                side.tables
                    .get(table)
                    .map(|t| t.primary_key_name.clone())
                    .unwrap_or_default()
            };
            // The key keeps the name the database gave it (pagila's
            // `payment_pkey`, not SeaORM's `pk-payment`): names are not
            // compared, and a renamed key is an object the team's own SQL
            // no longer finds. Both directions use it.
            let live = name_in(if ctx.restoring { to } else { from });
            let (old_name, new_name) = if live.is_empty() {
                (name_in(from), name_in(to))
            } else {
                (live.clone(), live)
            };
            if !old_cols.is_empty() {
                let name = if old_name.is_empty() {
                    format!("{table}_pkey")
                } else {
                    old_name
                };
                out.push(Step::Sql {
                    backend,
                    sql: format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        qt(&tn(table)),
                        q(&name)
                    ),
                });
            }
            if !new_cols.is_empty() {
                let constraint = if new_name.is_empty() {
                    String::new()
                } else {
                    format!("CONSTRAINT {} ", q(&new_name))
                };
                out.push(Step::Sql {
                    backend,
                    sql: format!(
                        "ALTER TABLE {} ADD {constraint}PRIMARY KEY ({})",
                        qt(&tn(table)),
                        new_cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            out
        }
        Change::AddIndex { table, index } if index.constraint => {
            vec![Step::Sql {
                backend,
                sql: format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                    qt(&tn(table)),
                    q(&index.name),
                    index
                        .columns
                        .iter()
                        .map(|c| q(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }]
        }
        Change::DropIndex { table, index } if index.constraint => {
            vec![Step::Sql {
                backend,
                sql: format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    qt(&tn(table)),
                    q(&index.name)
                ),
            }]
        }
        _ => neutral(change, ctx).unwrap_or_default(),
    }
}

fn add_column(
    table: &TableName,
    column: &Column,
    enums: &BTreeMap<String, Vec<String>>,
    restoring: bool,
) -> Vec<Step> {
    let needs_backfill = backfill::needed(column);
    if needs_backfill
        && restoring
        && let Some(value) = placeholder(&column.ty, enums)
    {
        // down() of a dropped column: its values are gone; rows get a
        // placeholder so that NOT NULL holds, then the default goes again.
        let with_default = Column {
            default: Some(value.clone()),
            ..column.clone()
        };
        return vec![
            backfill::restore_note(table, column, &value),
            Step::AddColumn {
                table: table.clone(),
                column: column.name.clone(),
                calls: column_calls(&with_default, false),
                enums: enums.clone(),
            },
            Step::Sql {
                backend: Backend::Postgres,
                sql: format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                    qt(table),
                    q(&column.name)
                ),
            },
        ];
    }
    if needs_backfill {
        // Add it nullable, let the author fill existing rows, then enforce NOT NULL.
        let nullable = Column {
            nullable: true,
            ..column.clone()
        };
        return vec![
            Step::AddColumn {
                table: table.clone(),
                column: column.name.clone(),
                calls: column_calls(&nullable, false),
                enums: enums.clone(),
            },
            backfill::fill_note(
                &qt(table).replace('"', "\\\""),
                &q(&column.name).replace('"', "\\\""),
            ),
            Step::ModifyColumn {
                table: table.clone(),
                column: column.name.clone(),
                calls: vec![Call::NotNull],
                enums: enums.clone(),
            },
        ];
    }
    vec![Step::AddColumn {
        table: table.clone(),
        column: column.name.clone(),
        calls: column_calls(column, false),
        enums: enums.clone(),
    }]
}

fn alter_column(
    table: &TableName,
    from: &Column,
    to: &Column,
    changed: ColumnChanges,
    enums: &BTreeMap<String, Vec<String>>,
) -> Vec<Step> {
    let mut out = Vec::new();
    let sql = |s: String| Step::Sql {
        backend: Backend::Postgres,
        sql: s,
    };
    let modify = |calls: Vec<Call>| Step::ModifyColumn {
        table: table.clone(),
        column: to.name.clone(),
        calls,
        enums: enums.clone(),
    };
    let col = q(&to.name);
    let tbl = qt(table);
    let type_changed = changed.ty;
    let from_seq = from.auto_increment.then_some(from.sequence);
    let to_seq = to.auto_increment.then_some(to.sequence);
    if from_seq.is_some() && to_seq.is_none() {
        out.push(sql(sequence_sql(table, &to.name, &to.ty, from_seq, None)));
    }
    if from.default.is_some() && (to.default.is_none() || type_changed) {
        out.push(sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"
        )));
    }
    if type_changed {
        let cast = match &to.ty {
            ColumnType::Enum(name) => format!("{col}::text::{}", q(name)),
            other => format!("{col}::{}", pg_type(other)),
        };
        out.push(modify(vec![Call::Type(to.ty.clone()), Call::Using(cast)]));
    }
    if let Some(d) = &to.default
        && (from.default.as_ref() != Some(d) || type_changed)
    {
        out.push(modify(vec![Call::Default(DefaultValue::parse(d))]));
    }
    if changed.nullable {
        out.push(modify(vec![if to.nullable {
            Call::Null
        } else {
            Call::NotNull
        }]));
    }
    if to_seq.is_some() && from_seq != to_seq {
        out.push(sql(sequence_sql(table, &to.name, &to.ty, from_seq, to_seq)));
    }
    if changed.comment {
        out.push(comment_step(table, Some(&to.name), to.comment.as_deref()));
    }
    out
}

/// A value of `ty` for rows that must hold something (the SQL default
/// expression); `None` for types without an obvious one (custom types).
pub(super) fn placeholder(
    ty: &ColumnType,
    enums: &BTreeMap<String, Vec<String>>,
) -> Option<String> {
    Some(match ty {
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Real
        | ColumnType::Double
        | ColumnType::Decimal(_) => "0".into(),
        ColumnType::String(_) | ColumnType::Char(_) | ColumnType::Text | ColumnType::Binary => {
            "''".into()
        }
        ColumnType::Boolean => "false".into(),
        ColumnType::Date => "'1970-01-01'".into(),
        ColumnType::Time => "'00:00:00'".into(),
        ColumnType::Timestamp | ColumnType::TimestampTz => "'1970-01-01 00:00:00'".into(),
        ColumnType::Json | ColumnType::JsonBinary => "'null'".into(),
        ColumnType::Uuid => "'00000000-0000-0000-0000-000000000000'".into(),
        ColumnType::Array(_) => "'{}'".into(),
        ColumnType::Enum(name) => sql_string(enums.get(name)?.first()?),
        ColumnType::Custom(_) => return None,
    })
}

/// Give `column` the auto-increment flavour `to` (`None`: none), taking it
/// from `from`. The next value handed out is kept: the old sequence's
/// position when there is one, else one past the largest value in the table.
fn sequence_sql(
    table: &TableName,
    column: &str,
    ty: &ColumnType,
    from: Option<Sequence>,
    to: Option<Sequence>,
) -> String {
    let (tbl, col) = (qt(table), q(column));
    match (from, to) {
        (Some(Sequence::Identity), Some(Sequence::IdentityAlways)) => {
            return format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET GENERATED ALWAYS");
        }
        (Some(Sequence::IdentityAlways), Some(Sequence::Identity)) => {
            return format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET GENERATED BY DEFAULT");
        }
        _ => {}
    }
    let mut body = String::new();
    match from {
        Some(Sequence::Serial) => body.push_str(&format!(
            "  ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT;\n  IF seq IS NOT NULL THEN EXECUTE format('DROP SEQUENCE %s', seq); END IF;\n"
        )),
        Some(_) => body.push_str(&format!(
            "  ALTER TABLE {tbl} ALTER COLUMN {col} DROP IDENTITY IF EXISTS;\n"
        )),
        None => {}
    }
    match to {
        Some(Sequence::Serial) => {
            let seq = qt(&TableName {
                schema: table.schema.clone(),
                name: format!("{}_{column}_seq", table.name),
            });
            body.push_str(&format!(
                // IF NOT EXISTS: a sequence the column used without owning it
                // (pagila's store_store_id_seq) outlived the conversion.
                "  CREATE SEQUENCE IF NOT EXISTS {seq} AS {} OWNED BY {tbl}.{col};\n  PERFORM setval({}, next, false);\n  ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT nextval({}::regclass);\n",
                pg_type(ty),
                sql_string(&seq),
                sql_string(&seq)
            ));
        }
        Some(kind) => {
            let how = if kind == Sequence::IdentityAlways {
                "ALWAYS"
            } else {
                "BY DEFAULT"
            };
            body.push_str(&format!(
                "  EXECUTE format('ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {how} AS IDENTITY (START WITH %s)', next);\n",
                tbl.replace('\'', "''"),
                col.replace('\'', "''")
            ));
        }
        None => {}
    }
    format!(
        "DO $autogen$\nDECLARE\n  seq text := pg_get_serial_sequence({}, {});\n  next bigint;\nBEGIN\n  IF seq IS NOT NULL THEN\n    EXECUTE format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s', seq) INTO next;\n  ELSE\n    SELECT COALESCE(MAX({col}), 0) + 1 INTO next FROM {tbl};\n  END IF;\n{body}END\n$autogen$",
        sql_string(&tbl),
        sql_string(column)
    )
}

/// `COMMENT ON TABLE/COLUMN ... IS ...` (`None`: remove it). Only
/// PostgreSQL gets here: SQLite has no comments on either side of a diff.
fn comment_step(table: &TableName, column: Option<&str>, comment: Option<&str>) -> Step {
    let target = match column {
        Some(c) => format!("COLUMN {}.{}", qt(table), q(c)),
        None => format!("TABLE {}", qt(table)),
    };
    let text = comment.map_or_else(|| "NULL".to_owned(), sql_string);
    Step::Sql {
        backend: Backend::Postgres,
        sql: format!("COMMENT ON {target} IS {text}"),
    }
}

/// An SQL string literal (`'` doubled; a backslash is literal in standard strings).
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn pg_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(s) => s.clone(),
        ColumnType::Enum(name) => q(name),
        ColumnType::Json => "json".into(),
        ColumnType::JsonBinary => "jsonb".into(),
        ColumnType::Real => "real".into(),
        other => other.sql(),
    }
}

/// A table in SQL: `"schema"."table"` outside the connection's schema.
fn qt(t: &TableName) -> String {
    match &t.schema {
        Some(schema) => format!("{}.{}", q(schema), q(&t.name)),
        None => q(&t.name),
    }
}

fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

#[cfg(test)]
mod tests;
