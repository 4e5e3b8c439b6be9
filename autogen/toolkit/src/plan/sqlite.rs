//! SQLite's side of planning: which changes it cannot make with `ALTER
//! TABLE`, and the table rebuild that makes them instead (Alembic's batch
//! mode). All changes of one table that need a rebuild, and every other
//! change of that table in the same migration, become one `Step::Rebuild`
//! to the table's target definition, so a table is copied at most once.

use std::collections::{BTreeMap, BTreeSet};

use crate::change::Change;
use crate::schema::{Schema, Table};
use crate::step::{DefaultValue, Step};

/// The steps of one change SQLite makes in place (what it cannot make in
/// place is in a rebuild, see [`rebuild`]). SQLite has no schemas, enum
/// types or comments, so those changes never reach it.
pub(super) fn steps_for(change: &Change, ctx: &super::Context<'_>) -> Vec<Step> {
    super::neutral(change, ctx).unwrap_or_default()
}

/// Tables that `changes` rebuild (by their name after any table rename).
pub(super) fn rebuilt_tables(changes: &[Change], from: &Schema) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|c| needs_rebuild(c, from))
        .filter_map(|c| c.table().map(str::to_owned))
        .collect()
}

/// What SQLite's `ALTER TABLE` cannot do (see sqlite.org/lang_altertable.html).
fn needs_rebuild(change: &Change, from: &Schema) -> bool {
    match change {
        // No ALTER COLUMN, no ADD/DROP CONSTRAINT at all.
        Change::AlterColumn { .. }
        | Change::AlterPrimaryKey { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. } => true,
        // A UNIQUE constraint's `sqlite_autoindex_*` cannot be dropped.
        Change::DropIndex { index, .. } => index.constraint,
        // ADD COLUMN refuses NOT NULL without a default, and defaults that
        // are not constants (CURRENT_TIMESTAMP, expressions).
        Change::AddColumn { column, .. } => {
            (!column.nullable && column.default.is_none())
                || column.auto_increment
                || column.default.as_deref().is_some_and(|d| {
                    matches!(
                        DefaultValue::parse(d),
                        DefaultValue::CurrentTimestamp | DefaultValue::Raw(_)
                    )
                })
        }
        // DROP COLUMN refuses key, unique and foreign-key columns.
        Change::DropColumn { table, column } => from.tables.get(table).is_some_and(|t| {
            t.primary_key.contains(&column.name)
                || t.indexes
                    .iter()
                    .any(|i| i.constraint && i.columns.contains(&column.name))
                || t.foreign_keys
                    .iter()
                    .any(|f| f.columns.contains(&column.name))
        }),
        _ => false,
    }
}

/// The rebuild of `table` (its current name) to its definition in `to`,
/// preceded by one comment per change it carries out.
///
/// In a derived `down()` (`restoring`) that brings back a NOT NULL column
/// without default which `up()` dropped, the rows have no value for it:
/// the table is rebuilt first with a placeholder default on that column
/// (`0`, `''`, `false`, the epoch, an enum's first value, as on
/// PostgreSQL), which fills the rows, then once more without it, so that
/// the schema is exactly the one before `up()`. The file says so.
pub(super) fn rebuild(
    table: &str,
    changes: &[Change],
    from: &Schema,
    to: &Schema,
    enums: &BTreeMap<String, Vec<String>>,
    restoring: bool,
) -> Vec<Step> {
    let mut out = Vec::new();
    // A table renamed in the same migration: in up() the rename runs first
    // (the target is under the new name, the rows under the old one); in
    // down() the rebuild runs first, under the name up() gave it.
    let renamed_from = changes.iter().find_map(|c| match c {
        Change::RenameTable { from: f, to: t } if t == table => Some(f.as_str()),
        _ => None,
    });
    let renamed_to = changes.iter().find_map(|c| match c {
        Change::RenameTable { from: f, to: t } if f == table => Some(t.as_str()),
        _ => None,
    });
    let mut target = match to.tables.get(table) {
        Some(t) => t.clone(),
        None => match renamed_to.and_then(|n| to.tables.get(n)) {
            Some(t) => Table {
                name: table.to_owned(),
                ..t.clone()
            },
            None => return out,
        },
    };
    let old = renamed_from
        .and_then(|n| from.tables.get(n))
        .or_else(|| from.tables.get(table));
    if !restoring && let Some(old) = old {
        keep_live_index_names(&mut target, old);
    }
    let renames: BTreeMap<&str, &str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameColumn { table: t, from, to } if t == table => {
                Some((to.as_str(), from.as_str()))
            }
            _ => None,
        })
        .collect();
    for c in changes.iter().filter(|c| c.table() == Some(table)) {
        if matches!(
            c,
            Change::CreateTable { .. } | Change::DropTable { .. } | Change::RenameTable { .. }
        ) {
            continue;
        }
        let note = match c.warning() {
            Some(w) => format!("WARNING: {w}"),
            None => format!("Detected {}", c.describe()),
        };
        out.push(Step::Comment(note));
    }
    // Every target column that existed before is copied (from its old name
    // when renamed); new columns take their default.
    let copy = target
        .columns
        .iter()
        .filter_map(|c| {
            let source = renames.get(c.name.as_str()).copied().unwrap_or(&c.name);
            old.and_then(|o| o.column(source))
                .map(|_| (c.name.clone(), source.to_owned()))
        })
        .collect();
    // The columns the table had when this was generated and the target
    // drops: the rebuild keeps any other the live table has (drift, merged
    // branches), with its data.
    let copy: Vec<(String, String)> = copy;
    let dropped_columns = old
        .map(|o| {
            o.columns
                .iter()
                .filter(|c| !copy.iter().any(|(_, from)| *from == c.name))
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();
    // Restored NOT NULL columns without default: a placeholder fills them.
    let mut filled = target.clone();
    let mut placeholders = Vec::new();
    if restoring {
        for column in filled.columns.iter_mut() {
            let uncopied = !copy.iter().any(|(new, _)| *new == column.name);
            if uncopied
                && !column.nullable
                && column.default.is_none()
                && !column.auto_increment
                && let Some(value) = super::postgres::placeholder(&column.ty, enums)
            {
                out.push(Step::Comment(format!(
                    "Restores {table}.{}, which up() dropped with its values: existing rows get {value}, not what they held (SQLite: the table is rebuilt with that default, then again without it).",
                    column.name
                )));
                column.default = Some(value);
                placeholders.push(column.name.clone());
            }
        }
    }
    if placeholders.is_empty() {
        out.push(Step::Rebuild {
            table: target,
            copy,
            dropped_columns,
            enums: enums.clone(),
        });
        return out;
    }
    out.push(Step::Rebuild {
        table: filled,
        copy,
        dropped_columns,
        enums: enums.clone(),
    });
    let all = target
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.name.clone()))
        .collect();
    out.push(Step::Rebuild {
        table: target,
        copy: all,
        dropped_columns: Vec::new(),
        enums: enums.clone(),
    });
    out
}

/// The indexes of `target` that `live` has under another name take the
/// live name (sakila's `idx_rental_uq`, which sea-orm-cli declares as a
/// `unique_key` that SeaORM calls `idx-rental-idx_rental_uq`): names are
/// not compared, and a rebuild must not rename what it only copies.
fn keep_live_index_names(target: &mut Table, live: &Table) {
    for i in 0..target.indexes.len() {
        let index = &target.indexes[i];
        if live.indexes.iter().any(|l| l.name == index.name) {
            continue;
        }
        let free = live
            .indexes
            .iter()
            .find(|l| l.same_as(index) && !target.indexes.iter().any(|t| t.name == l.name));
        if let Some(name) = free.map(|l| l.name.clone()) {
            target.indexes[i].name = name;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Backend;
    use crate::plan::up_and_down;
    use crate::schema::build::{col, schema, table};
    use crate::schema::{Column, ColumnType, ForeignKey, Index};

    fn unique(name: &str, column: &str, constraint: bool) -> Index {
        Index {
            name: name.into(),
            columns: vec![column.into()],
            unique: true,
            constraint,
        }
    }

    #[test]
    fn what_alter_table_cannot_do_is_a_rebuild() {
        let t = table(
            "t",
            vec![
                col("a", ColumnType::Text, true),
                col("p_id", ColumnType::Integer, true),
            ],
        );
        let mut with_unique = t.clone();
        with_unique
            .indexes
            .push(unique("sqlite_autoindex_t_1", "a", true));
        with_unique.foreign_keys.push(ForeignKey {
            name: String::new(),
            columns: vec!["p_id".into()],
            ref_table: "p".into(),
            ref_schema: None,
            ref_columns: vec!["id".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
        });
        let from = schema(vec![with_unique]);
        let add = |c: Column| Change::AddColumn {
            table: "t".into(),
            column: c,
        };
        let drop = |name: &str| Change::DropColumn {
            table: "t".into(),
            column: col(name, ColumnType::Integer, true),
        };
        for (change, rebuild) in [
            (add(col("n", ColumnType::Text, true)), false),
            (
                add(Column {
                    default: Some("3".into()),
                    ..col("n", ColumnType::Integer, false)
                }),
                false,
            ),
            (add(col("n", ColumnType::Text, false)), true),
            (
                add(Column {
                    default: Some("CURRENT_TIMESTAMP".into()),
                    ..col("n", ColumnType::TimestampTz, true)
                }),
                true,
            ),
            (drop("b"), false),
            (drop("a"), true),
            (drop("p_id"), true),
            (drop("id"), true),
            (
                Change::alter_column(
                    "t",
                    col("a", ColumnType::String(Some(10)), true),
                    col("a", ColumnType::String(Some(20)), true),
                ),
                true,
            ),
            (
                Change::DropIndex {
                    table: "t".into(),
                    index: unique("sqlite_autoindex_t_1", "a", true),
                },
                true,
            ),
            (
                Change::DropIndex {
                    table: "t".into(),
                    index: unique("idx-t-a", "a", false),
                },
                false,
            ),
            (
                Change::AddIndex {
                    table: "t".into(),
                    index: unique("sqlite_autoindex_t_1", "a", true),
                },
                false,
            ),
            (
                Change::RenameColumn {
                    table: "t".into(),
                    from: "a".into(),
                    to: "b".into(),
                },
                false,
            ),
        ] {
            assert_eq!(needs_rebuild(&change, &from), rebuild, "{change:?}");
        }
    }

    #[test]
    fn one_rebuild_per_table_carries_all_its_changes() {
        let from = schema(vec![table(
            "t",
            vec![
                col("a", ColumnType::Text, true),
                col("b", ColumnType::Text, true),
            ],
        )]);
        // `a` renamed to `x` and made NOT NULL, `c` added.
        let to = schema(vec![table(
            "t",
            vec![
                col("x", ColumnType::Text, false),
                col("b", ColumnType::Text, true),
                col("c", ColumnType::Integer, true),
            ],
        )]);
        let changes = vec![
            Change::RenameColumn {
                table: "t".into(),
                from: "a".into(),
                to: "x".into(),
            },
            Change::alter_column(
                "t",
                col("x", ColumnType::Text, true),
                col("x", ColumnType::Text, false),
            ),
            Change::AddColumn {
                table: "t".into(),
                column: col("c", ColumnType::Integer, true),
            },
        ];
        let (_, up, down) = up_and_down(&changes, &from, &to, Backend::Sqlite);
        let rebuilds = |steps: &[Step]| -> Vec<Vec<(String, String)>> {
            steps
                .iter()
                .filter_map(|s| match s {
                    Step::Rebuild { copy, .. } => Some(copy.clone()),
                    _ => None,
                })
                .collect()
        };
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            rebuilds(&up),
            [vec![pair("id", "id"), pair("x", "a"), pair("b", "b")]]
        );
        assert_eq!(
            up.iter().filter(|s| !matches!(s, Step::Comment(_))).count(),
            1,
            "{up:#?}"
        );
        assert_eq!(
            rebuilds(&down),
            [vec![pair("id", "id"), pair("a", "x"), pair("b", "b")]]
        );
    }

    /// sakila-lite: a rebuild (for a type change) copies the unique index
    /// the entity declares as `unique_key` under the database's name.
    #[test]
    fn a_rebuild_keeps_the_live_names_of_the_indexes_it_copies() {
        let index = |name: &str| Index {
            name: name.into(),
            columns: vec!["a".into(), "b".into()],
            unique: true,
            constraint: false,
        };
        let mut live = table(
            "rental",
            vec![
                col("a", ColumnType::Timestamp, false),
                col("b", ColumnType::Integer, false),
            ],
        );
        live.indexes.push(index("idx_rental_uq"));
        let mut target = table(
            "rental",
            vec![
                col("a", ColumnType::TimestampTz, false),
                col("b", ColumnType::Integer, false),
            ],
        );
        target.indexes.push(index("idx-rental-idx_rental_uq"));
        let changes = vec![Change::alter_column(
            "rental",
            col("a", ColumnType::Timestamp, false),
            col("a", ColumnType::TimestampTz, false),
        )];
        let (live, target) = (schema(vec![live]), schema(vec![target]));
        let (_, up, down) = up_and_down(&changes, &live, &target, Backend::Sqlite);
        let names = |steps: &[Step]| -> Vec<String> {
            steps
                .iter()
                .filter_map(|s| match s {
                    Step::Rebuild { table, .. } => Some(table.indexes.clone()),
                    _ => None,
                })
                .flatten()
                .map(|i| i.name)
                .collect()
        };
        assert_eq!(names(&up), ["idx_rental_uq"]);
        assert_eq!(names(&down), ["idx_rental_uq"]);
    }

    #[test]
    fn a_renamed_table_is_rebuilt_under_the_name_it_has_then() {
        let from = schema(vec![table("old", vec![col("a", ColumnType::Text, true)])]);
        let to = schema(vec![table("new", vec![col("a", ColumnType::Text, false)])]);
        let changes = vec![
            Change::RenameTable {
                from: "old".into(),
                to: "new".into(),
            },
            Change::alter_column(
                "new",
                col("a", ColumnType::Text, true),
                col("a", ColumnType::Text, false),
            ),
        ];
        let (_, up, down) = up_and_down(&changes, &from, &to, Backend::Sqlite);
        let shape = |steps: &[Step]| -> Vec<String> {
            steps
                .iter()
                .filter_map(|s| match s {
                    Step::RenameTable { from, to } => Some(format!("rename {from}->{to}")),
                    Step::Rebuild { table, .. } => Some(format!(
                        "rebuild {} a {}",
                        table.name,
                        if table.columns[1].nullable {
                            "null"
                        } else {
                            "not null"
                        }
                    )),
                    _ => None,
                })
                .collect()
        };
        // up: rename first, then rebuild the renamed table to its target.
        assert_eq!(shape(&up), ["rename old->new", "rebuild new a not null"]);
        // down: rebuild under the new name to the old definition, then rename back.
        assert_eq!(shape(&down), ["rebuild new a null", "rename new->old"]);
    }
}
