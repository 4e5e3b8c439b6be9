//! Columns of one table: renames (declared on the entity or given by the
//! caller), columns changed in place, added and dropped, and the
//! drop-plus-add pairs of one type that may be renames.

use std::collections::{BTreeMap, BTreeSet};

use super::{DiffOptions, RenameCandidate};
use crate::change::{Change, ColumnChanges};
use crate::schema::{Column, Table};

/// The columns of `to` renamed from a column of `from`, as (new, old) in
/// the order of `to`'s columns: the old column is there and the new one
/// is not.
pub(super) fn renames<'a>(
    from: &Table,
    to: &'a Table,
    opts: &'a DiffOptions,
) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    for col in &to.columns {
        let declared = col.renamed_from.as_deref().or_else(|| {
            opts.column_renames
                .iter()
                .find(|((t, _), new)| t == &to.name && new.as_str() == col.name)
                .map(|((_, old), _)| old.as_str())
        });
        if let Some(old) = declared
            && from.column(old).is_some()
            && from.column(&col.name).is_none()
        {
            out.push((col.name.as_str(), old));
        }
    }
    out
}

/// `column` of the live table under its new name (`renamed`: new → old).
pub(super) fn new_name(renamed: &BTreeMap<&str, &str>, column: &str) -> String {
    renamed
        .iter()
        .find(|(_, old)| **old == column)
        .map(|(new, _)| (*new).to_owned())
        .unwrap_or_else(|| column.to_owned())
}

/// What became of the columns of one table, each list in the order the
/// diff emits it.
#[derive(Debug, Default)]
pub(super) struct Columns {
    /// `AlterColumn`, in the order of the target's columns.
    pub altered: Vec<Change>,
    /// `AddColumn`, in the order of the target's columns.
    pub added: Vec<Change>,
    /// `DropColumn`, in the order of the live columns.
    pub dropped: Vec<Change>,
    /// Each dropped column paired with each added one of the same type.
    pub candidates: Vec<RenameCandidate>,
}

/// Compare the columns of `from` (live) and `to` (target), the renamed
/// ones (`renamed`: new → old) under their new names.
pub(super) fn compare(from: &Table, to: &Table, renamed: &BTreeMap<&str, &str>) -> Columns {
    let table = &to.name;
    let renamed_old: BTreeSet<&str> = renamed.values().copied().collect();
    let mut out = Columns::default();
    let mut added = Vec::new();
    for col in &to.columns {
        let old_name = renamed.get(col.name.as_str()).copied().unwrap_or(&col.name);
        match from.column(old_name) {
            Some(old) => {
                let mut old = old.clone();
                old.name = col.name.clone();
                let changed = ColumnChanges::between(&old, col);
                if changed.any() {
                    out.altered.push(Change::AlterColumn {
                        table: table.clone(),
                        from: strip(&old),
                        to: strip(col),
                        changed,
                    });
                }
            }
            None => added.push(col),
        }
    }
    let removed: Vec<&Column> = from
        .columns
        .iter()
        .filter(|c| to.column(&c.name).is_none() && !renamed_old.contains(c.name.as_str()))
        .collect();
    for new in &added {
        for old in &removed {
            if old.ty == new.ty {
                out.candidates.push(RenameCandidate::Column {
                    table: table.clone(),
                    from: old.name.clone(),
                    to: new.name.clone(),
                });
            }
        }
    }
    out.added = added
        .into_iter()
        .map(|col| Change::AddColumn {
            table: table.clone(),
            column: strip(col),
        })
        .collect();
    out.dropped = removed
        .into_iter()
        .map(|col| Change::DropColumn {
            table: table.clone(),
            column: col.clone(),
        })
        .collect();
    out
}

/// A column as a change carries it: without the rename note, which the
/// `RenameColumn` before it has said.
pub(super) fn strip(c: &Column) -> Column {
    Column {
        renamed_from: None,
        ..c.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (case, live columns, target columns, options, renames wanted as new→old)
    type RenameCase<'a> = (
        &'a str,
        Vec<Column>,
        Vec<Column>,
        DiffOptions,
        Vec<(&'a str, &'a str)>,
    );
    use crate::schema::ColumnType;
    use crate::schema::build::{col, table};

    fn names(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match c {
                Change::AlterColumn { to, .. } => format!("alter {}", to.name),
                Change::AddColumn { column, .. } => format!("add {}", column.name),
                Change::DropColumn { column, .. } => format!("drop {}", column.name),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn columns_are_altered_added_and_dropped_in_order() {
        let int = || ColumnType::Integer;
        let text = || ColumnType::Text;
        // (case, live columns, target columns, renamed new→old, want altered/added/dropped, candidates)
        type Case<'a> = (
            &'a str,
            Vec<Column>,
            Vec<Column>,
            Vec<(&'a str, &'a str)>,
            Vec<&'a str>,
            usize,
        );
        let cases: Vec<Case> = vec![
            (
                "same columns",
                vec![col("a", int(), false)],
                vec![col("a", int(), false)],
                vec![],
                vec![],
                0,
            ),
            (
                "nullability",
                vec![col("a", int(), false)],
                vec![col("a", int(), true)],
                vec![],
                vec!["alter a"],
                0,
            ),
            (
                "added and dropped of one type are a candidate",
                vec![col("old", text(), true)],
                vec![col("new", text(), true)],
                vec![],
                vec!["add new", "drop old"],
                1,
            ),
            (
                "added and dropped of other types are not",
                vec![col("old", int(), true)],
                vec![col("new", text(), true)],
                vec![],
                vec!["add new", "drop old"],
                0,
            ),
            (
                "a renamed column is compared under its new name",
                vec![col("old", int(), true)],
                vec![col("new", int(), false)],
                vec![("new", "old")],
                vec!["alter new"],
                0,
            ),
            (
                "target order for alters and adds, live order for drops",
                vec![
                    col("b", int(), true),
                    col("a", int(), true),
                    col("y", int(), true),
                    col("x", int(), true),
                ],
                vec![
                    col("a", text(), true),
                    col("b", text(), true),
                    col("d", text(), true),
                    col("c", text(), true),
                ],
                vec![],
                vec!["alter a", "alter b", "add d", "add c", "drop y", "drop x"],
                0,
            ),
        ];
        for (case, live, target, renamed, want, candidates) in cases {
            let renamed: BTreeMap<&str, &str> = renamed.into_iter().collect();
            let got = compare(&table("t", live), &table("t", target), &renamed);
            let mut all = names(&got.altered);
            all.extend(names(&got.added));
            all.extend(names(&got.dropped));
            assert_eq!(all, want, "{case}");
            assert_eq!(got.candidates.len(), candidates, "{case}");
        }
    }

    #[test]
    fn renames_are_taken_from_the_entity_or_the_caller_when_they_fit() {
        let c = |name: &str, from: Option<&str>| Column {
            renamed_from: from.map(str::to_owned),
            ..col(name, ColumnType::Integer, true)
        };
        let caller = |old: &str, new: &str| DiffOptions {
            column_renames: [(("t".to_owned(), old.to_owned()), new.to_owned())].into(),
            ..DiffOptions::default()
        };
        let cases: Vec<RenameCase> = vec![
            (
                "declared on the entity",
                vec![c("old", None)],
                vec![c("new", Some("old"))],
                DiffOptions::default(),
                vec![("new", "old")],
            ),
            (
                "given by the caller",
                vec![c("old", None)],
                vec![c("new", None)],
                caller("old", "new"),
                vec![("new", "old")],
            ),
            (
                "the old column is gone already",
                vec![c("x", None)],
                vec![c("new", Some("old"))],
                DiffOptions::default(),
                vec![],
            ),
            (
                "the new column is there already",
                vec![c("old", None), c("new", None)],
                vec![c("new", Some("old"))],
                DiffOptions::default(),
                vec![],
            ),
            (
                "nothing declared",
                vec![c("old", None)],
                vec![c("new", None)],
                DiffOptions::default(),
                vec![],
            ),
        ];
        for (case, live, target, opts, want) in cases {
            let (live, target) = (table("t", live), table("t", target));
            assert_eq!(renames(&live, &target, &opts), want, "{case}");
        }
    }

    #[test]
    fn a_live_column_is_named_as_it_is_renamed() {
        let renamed: BTreeMap<&str, &str> = [("new", "old")].into();
        assert_eq!(new_name(&renamed, "old"), "new");
        assert_eq!(new_name(&renamed, "other"), "other");
    }
}
