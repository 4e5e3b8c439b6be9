//! The data pre-checks that run before any DDL of `up()`: rows that a NOT
//! NULL, a narrower type, a new unique key or foreign key, or a dropped enum
//! value would reject.

use super::*;

/// The data pre-checks of `up()`, run before any of its DDL: for each step
/// that fails on existing rows of a table that exists already (a table the
/// migration creates has no rows to check).
pub(super) fn prechecks(ordered: &[Change], live: &Schema, target: &Schema) -> Vec<Step> {
    let key = |t: &str| {
        live.tables
            .get(t)
            .map(|t| t.primary_key.clone())
            .unwrap_or_default()
    };
    let existing = |t: &str| live.tables.contains_key(t);
    let mut out = Vec::new();
    for change in ordered {
        let mut checks = Vec::new();
        match change {
            Change::AlterColumn {
                table,
                from,
                to,
                changed,
            } if existing(table) => {
                if changed.ty
                    && let Some(fit) = fit(&from.ty, &to.ty)
                {
                    checks.push(Precheck::Fits {
                        table: resolve(table, target, live),
                        column: to.name.clone(),
                        fit,
                        key: key(table),
                    });
                }
                if changed.nullable && !to.nullable {
                    checks.push(Precheck::NoNulls {
                        table: resolve(table, target, live),
                        column: to.name.clone(),
                        key: key(table),
                    });
                }
            }
            Change::AddIndex { table, index } if index.unique && existing(table) => {
                checks.push(Precheck::NoDuplicates {
                    table: resolve(table, target, live),
                    columns: index.columns.clone(),
                    key: key(table),
                })
            }
            Change::AddForeignKey { table, foreign_key } if existing(table) => {
                checks.push(Precheck::NoOrphans {
                    table: resolve(table, target, live),
                    columns: foreign_key.columns.clone(),
                    parent: foreign_key.ref_name(),
                    parent_columns: foreign_key.ref_columns.clone(),
                    key: key(table),
                })
            }
            Change::AlterEnum {
                from, to, usages, ..
            } => {
                let removed: Vec<String> =
                    from.iter().filter(|v| !to.contains(v)).cloned().collect();
                if !removed.is_empty() {
                    for (table, column) in usages.iter().filter(|(t, _)| existing(t)) {
                        checks.push(Precheck::NoValue {
                            table: resolve(table, target, live),
                            column: column.clone(),
                            values: removed.clone(),
                            key: key(table),
                        });
                    }
                }
            }
            _ => continue,
        };
        for check in checks {
            // A column the same migration adds has no rows of its own to check.
            // So does one it renames (the new name does not exist before the rename).
            let added = |c: &str| {
                ordered.iter().any(|o| match o {
                    Change::AddColumn { table: t, column } => {
                        column.name == c && Some(t.as_str()) == change.table()
                    }
                    Change::RenameColumn { table: t, to, .. } => {
                        to == c && Some(t.as_str()) == change.table()
                    }
                    _ => false,
                })
            };
            let fresh = match &check {
                Precheck::NoNulls { column, .. }
                | Precheck::Fits { column, .. }
                | Precheck::NoValue { column, .. } => added(column),
                Precheck::NoDuplicates { columns, .. } | Precheck::NoOrphans { columns, .. } => {
                    columns.iter().all(|c| added(c))
                }
            };
            if !fresh {
                out.push(Step::Precheck(check));
            }
        }
    }
    out
}

/// What a narrowing type change needs of the values already there; `None`:
/// the change widens (or is not one a value check can decide).
fn fit(from: &ColumnType, to: &ColumnType) -> Option<autogen_runtime::precheck::Fit> {
    use ColumnType::*;
    use autogen_runtime::precheck::Fit;
    if from.widens_to(to) {
        return None;
    }
    match (from, to) {
        (String(_) | Text | Char(_), String(Some(n)) | Char(Some(n))) => Some(Fit::MaxLength(*n)),
        (Integer | BigInt, SmallInt) => Some(Fit::Range(i16::MIN.into(), i16::MAX.into())),
        (BigInt, Integer) => Some(Fit::Range(i32::MIN.into(), i32::MAX.into())),
        (SmallInt | Integer | BigInt | Decimal(_), Decimal(Some((p, s)))) => {
            Some(Fit::Numeric(*p, *s))
        }
        _ => None,
    }
}
