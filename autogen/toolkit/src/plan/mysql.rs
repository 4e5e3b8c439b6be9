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
use crate::schema::{Column, ColumnType, ForeignKey, Schema, TableName, enum_values};
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

/// `changes` with the foreign keys over a column whose type changes
/// dropped before and added back after: InnoDB refuses to change a column a
/// key uses, on either side (`1833: Cannot change column 'dept_no': used in
/// a foreign key constraint 'dept_emp_ibfk_2'`, the employees sample). The
/// keys come back as the database has them (its names); a key the diff
/// drops or adds itself is left to the diff.
pub(super) fn around_foreign_keys(mut changes: Vec<Change>, live: &Schema) -> Vec<Change> {
    let retyped: Vec<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterColumn {
                table, to, changed, ..
            } if changed.ty => Some((table.clone(), to.name.clone())),
            _ => None,
        })
        .collect();
    if retyped.is_empty() {
        return changes;
    }
    let touches = |table: &str, fk: &ForeignKey| {
        retyped.iter().any(|(t, c)| {
            (t == table && fk.columns.contains(c))
                || (*t == fk.ref_table && fk.ref_columns.contains(c))
        })
    };
    let planned = |table: &str, fk: &ForeignKey| {
        changes.iter().any(|c| match c {
            Change::DropForeignKey {
                table: t,
                foreign_key,
            }
            | Change::AddForeignKey {
                table: t,
                foreign_key,
            } => t == table && foreign_key.same_as(fk),
            Change::DropTable { table: t } => t.name == table,
            _ => false,
        })
    };
    let mut around = Vec::new();
    for (key, table) in &live.tables {
        for fk in &table.foreign_keys {
            if !fk.name.is_empty() && touches(key, fk) && !planned(key, fk) {
                around.push((key.clone(), fk.clone()));
            }
        }
    }
    for (table, foreign_key) in around {
        changes.push(Change::DropForeignKey {
            table: table.clone(),
            foreign_key: foreign_key.clone(),
        });
        changes.push(Change::AddForeignKey { table, foreign_key });
    }
    changes
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

    /// The employees sample: `dept_no` goes from char(4) to varchar(255) in
    /// the parent and a child; the child's key is dropped before the first
    /// MODIFY and added back (by its database name) after the last, in both
    /// directions.
    #[test]
    fn a_column_under_a_foreign_key_changes_type_between_the_key_dropped_and_added() {
        let fk = ForeignKey {
            name: "dept_emp_ibfk_2".into(),
            columns: vec!["dept_no".into()],
            ref_table: "departments".into(),
            ref_schema: None,
            ref_columns: vec!["dept_no".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
        };
        let tables = |ty: ColumnType, fk_name: &str| {
            let parent = table("departments", vec![col("dept_no", ty.clone(), false)]);
            let mut child = table(
                "dept_emp",
                vec![
                    col("emp_no", ColumnType::Integer, false),
                    col("dept_no", ty, false),
                ],
            );
            child.foreign_keys.push(ForeignKey {
                name: fk_name.into(),
                ..fk.clone()
            });
            schema(vec![parent, child])
        };
        let live = tables(ColumnType::Char(Some(4)), "dept_emp_ibfk_2");
        let target = tables(ColumnType::String(Some(255)), "fk-dept_emp-dept_no");
        let alter = |t: &str| {
            Change::alter_column(
                t,
                col("dept_no", ColumnType::Char(Some(4)), false),
                col("dept_no", ColumnType::String(Some(255)), false),
            )
        };
        let changes = [alter("departments"), alter("dept_emp")];
        let (_, up, down) = crate::plan::up_and_down(&changes, &live, &target, Backend::MySql);
        for steps in [&up, &down] {
            let kinds: Vec<String> = steps
                .iter()
                .filter_map(|s| match s {
                    Step::DropForeignKey { name, .. } => Some(format!("drop {name}")),
                    Step::AddForeignKey { foreign_key, .. } => {
                        Some(format!("add {}", foreign_key.name))
                    }
                    Step::ModifyColumn { table, .. } => Some(format!("modify {}", table.name)),
                    _ => None,
                })
                .collect();
            let mut middle = kinds[1..kinds.len() - 1].to_vec();
            middle.sort();
            assert!(
                kinds.first().map(String::as_str) == Some("drop dept_emp_ibfk_2")
                    && kinds.last().map(String::as_str) == Some("add dept_emp_ibfk_2")
                    && middle == ["modify departments", "modify dept_emp"],
                "{steps:#?}"
            );
        }
    }

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
