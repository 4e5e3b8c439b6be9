//! MySQL/MariaDB's side of planning. A column alteration is one `MODIFY
//! COLUMN` that restates the whole column (type, null, default,
//! auto-increment, comment, `ON UPDATE ..`): whatever it leaves out is lost.
//! Enums are inline `enum(..)` column types, so their values change with the
//! column; there are no schemas or enum types. Comments are part of the
//! column or table definition. Dropping a foreign key leaves the index
//! InnoDB created for it, which is dropped with it.

use super::{Context, backfill, neutral};
use crate::change::Change;
use crate::config::Backend;
use crate::schema::{Column, ColumnType, TableName, enum_values};
use crate::step::{Call, Step, column_calls};

/// The steps of one change on MySQL/MariaDB.
pub(super) fn steps_for(change: &Change, ctx: &Context<'_>) -> Vec<Step> {
    let tn = |key: &str| ctx.table(key);
    match change {
        // No schemas inside a database, no enum types: never planned here.
        Change::CreateSchema { .. }
        | Change::DropSchema { .. }
        | Change::CreateEnum { .. }
        | Change::DropEnum { .. }
        | Change::AlterEnum { .. } => Vec::new(),
        Change::CreateTable { table } => {
            let mut out = neutral(change, ctx).unwrap_or_default();
            let name = table.qualified();
            if let Some(comment) = &table.comment {
                out.push(table_comment(&name, Some(comment)));
            }
            for c in table.columns.iter().filter(|c| c.comment.is_some()) {
                out.push(modify(&name, c, ctx));
            }
            out
        }
        Change::AlterTableComment { table, to, .. } => {
            vec![table_comment(&tn(table), to.as_deref())]
        }
        Change::AddColumn { table, column } => add_column(&tn(table), column, ctx),
        Change::AlterColumn { table, to, .. } => vec![modify(&tn(table), to, ctx)],
        Change::AlterPrimaryKey {
            table,
            from: old,
            to: new,
        } => {
            let t = qt(&tn(table));
            let mut parts = Vec::new();
            if !old.is_empty() {
                parts.push("DROP PRIMARY KEY".to_owned());
            }
            if !new.is_empty() {
                parts.push(format!("ADD PRIMARY KEY ({})", list(new)));
            }
            vec![sql(format!("ALTER TABLE {t} {}", parts.join(", ")))]
        }
        Change::DropForeignKey { table, foreign_key } => {
            let mut out = neutral(change, ctx).unwrap_or_default();
            // InnoDB made an index for the key unless one of the table's
            // indexes starts with its columns; that index outlives the key.
            let covered = ctx.from.tables.get(table).is_some_and(|t| {
                t.indexes
                    .iter()
                    .map(|i| &i.columns)
                    .chain(std::iter::once(&t.primary_key))
                    .any(|cols| cols.starts_with(&foreign_key.columns))
            });
            if !covered && !foreign_key.name.is_empty() {
                out.push(sql(format!(
                    "DROP INDEX {} ON {}",
                    q(&foreign_key.name),
                    qt(&tn(table))
                )));
            }
            out
        }
        Change::DropIndex { table, index } => {
            // InnoDB refuses to drop the only index a foreign key can use.
            // The key is dropped and added again around it, so that InnoDB
            // gives it an index of its own (named after it: not in the
            // model), which it drops by itself if a covering index comes back.
            let mut needing = Vec::new();
            if let (Some(before), Some(after)) =
                (ctx.from.tables.get(table), ctx.to.tables.get(table))
            {
                // The key as the database names it: a key both sides have
                // keeps the live name (dropping it under the entity's name
                // fails: `Can't DROP FOREIGN KEY fk-...`).
                let live = if ctx.restoring { ctx.to } else { ctx.from };
                let live_fks = live.tables.get(table).map(|t| t.foreign_keys.as_slice());
                for fk in &after.foreign_keys {
                    let fk = &match live_fks.and_then(|l| l.iter().find(|l| l.same_as(fk))) {
                        Some(l) => l.clone(),
                        None => fk.clone(),
                    };
                    let needed = index.columns.starts_with(&fk.columns);
                    let other = before
                        .indexes
                        .iter()
                        .filter(|i| i.name != index.name)
                        .map(|i| &i.columns)
                        .chain(std::iter::once(&before.primary_key))
                        .any(|cols| cols.starts_with(&fk.columns));
                    if needed && !other && !fk.name.is_empty() {
                        needing.push(fk.clone());
                    }
                }
            }
            let mut out: Vec<Step> = needing
                .iter()
                .map(|fk| Step::DropForeignKey {
                    table: tn(table),
                    name: fk.name.clone(),
                })
                .collect();
            out.extend(neutral(change, ctx).unwrap_or_default());
            out.extend(needing.into_iter().map(|fk| Step::AddForeignKey {
                table: tn(table),
                foreign_key: fk,
            }));
            out
        }
        _ => neutral(change, ctx).unwrap_or_default(),
    }
}

/// The builder calls that restate `column` whole (no PRIMARY KEY: a key is
/// not part of a `MODIFY`), its comment included.
fn full_calls(column: &Column) -> Vec<Call> {
    let mut calls = column_calls(column, false);
    if column.nullable {
        // Said, not implied: a `timestamp` is NOT NULL by default where
        // `explicit_defaults_for_timestamp` is off.
        calls.insert(1, Call::Null);
    }
    if let Some(comment) = &column.comment {
        calls.push(Call::Comment(comment.clone()));
    }
    calls
}

fn modify(table: &TableName, column: &Column, ctx: &Context<'_>) -> Step {
    Step::ModifyColumn {
        table: table.clone(),
        column: column.name.clone(),
        calls: full_calls(column),
        enums: ctx.enums.clone(),
    }
}

fn add_column(table: &TableName, column: &Column, ctx: &Context<'_>) -> Vec<Step> {
    let add = |c: &Column| Step::AddColumn {
        table: table.clone(),
        column: c.name.clone(),
        calls: full_calls(c),
        enums: ctx.enums.clone(),
    };
    if !backfill::needed(column) {
        return vec![add(column)];
    }
    if ctx.restoring
        && let Some(value) = placeholder(&column.ty)
    {
        // down() of a dropped column: its values are gone; rows get a
        // placeholder so that NOT NULL holds, then the default goes again.
        return vec![
            backfill::restore_note(table, column, &value),
            add(&Column {
                default: Some(value),
                ..column.clone()
            }),
            modify(table, column, ctx),
        ];
    }
    // Add it nullable, let the author fill existing rows, then enforce NOT NULL.
    vec![
        add(&Column {
            nullable: true,
            ..column.clone()
        }),
        backfill::fill_note(&qt(table), &q(&column.name)),
        modify(table, column, ctx),
    ]
}

/// A value of `ty` for rows that must hold something (as an SQL literal).
fn placeholder(ty: &ColumnType) -> Option<String> {
    Some(match ty {
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Real
        | ColumnType::Double
        | ColumnType::Decimal(_)
        | ColumnType::Boolean => "0".into(),
        ColumnType::String(_) | ColumnType::Char(_) | ColumnType::Text => "''".into(),
        ColumnType::Date => "'1970-01-01'".into(),
        ColumnType::Time => "'00:00:00'".into(),
        ColumnType::Timestamp | ColumnType::TimestampTz => "'1970-01-01 00:00:01'".into(),
        ColumnType::Json | ColumnType::JsonBinary => "'null'".into(),
        ColumnType::Custom(t) => {
            let lower = t.to_ascii_lowercase();
            if let Some(values) = enum_values(t) {
                format!("'{}'", values.first()?.replace('\'', "''"))
            } else if ["int", "decimal", "float", "double"]
                .iter()
                .any(|n| lower.contains(n))
            {
                "0".into()
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

fn table_comment(table: &TableName, comment: Option<&str>) -> Step {
    sql(format!(
        "ALTER TABLE {} COMMENT = '{}'",
        qt(table),
        comment
            .unwrap_or_default()
            .replace('\\', "\\\\")
            .replace('\'', "''")
    ))
}

fn sql(sql: String) -> Step {
    Step::Sql {
        backend: Backend::MySql,
        sql,
    }
}

/// A quoted identifier: every name is quoted (reserved words included).
fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn qt(table: &TableName) -> String {
    match &table.schema {
        Some(s) => format!("{}.{}", q(s), q(&table.name)),
        None => q(&table.name),
    }
}

fn list(columns: &[String]) -> String {
    columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use crate::change::Change;
    use crate::config::Backend;
    use crate::schema::build::{col, schema, table};
    use crate::schema::{ColumnType, FkAction, ForeignKey, Index};
    use crate::step::Step;

    #[test]
    fn a_key_kept_around_a_dropped_index_goes_by_the_database_name() {
        let fk = |name: &str| ForeignKey {
            name: name.into(),
            columns: vec!["city_id".into()],
            ref_table: "city".into(),
            ref_schema: None,
            ref_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
        };
        let index = Index {
            name: "idx_fk_city_id".into(),
            columns: vec!["city_id".into()],
            unique: false,
            constraint: false,
        };
        let mut live = table("address", vec![col("city_id", ColumnType::Integer, false)]);
        live.foreign_keys.push(fk("fk_address_city"));
        live.indexes.push(index.clone());
        let mut target = live.clone();
        target.indexes.clear();
        target.foreign_keys = vec![fk("fk-address-city_id")];
        let (live, target) = (schema(vec![live]), schema(vec![target]));
        let change = Change::DropIndex {
            table: "address".into(),
            index,
        };
        let (_, up, down) = crate::plan::up_and_down(&[change], &live, &target, Backend::MySql);
        let dropped = |steps: &[Step]| -> Vec<String> {
            steps
                .iter()
                .filter_map(|s| match s {
                    Step::DropForeignKey { name, .. } => Some(name.clone()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(dropped(&up), ["fk_address_city"]);
        assert!(
            dropped(&down).iter().all(|n| n == "fk_address_city"),
            "{down:?}"
        );
    }
}
