//! `(live, target) -> Vec<Change>`: a pure function, no I/O.
//!
//! Renames are never guessed: a rename is taken from the entity's
//! `renamed_from`, or from the caller (flags or the interactive question);
//! drop-plus-add pairs that look like renames are returned as candidates so
//! the CLI can ask.

use std::collections::{BTreeMap, BTreeSet};

use crate::change::Change;
use crate::schema::{ForeignKey, Index, Schema, Table};

mod columns;
mod comments;
mod foreign_keys;
mod indexes;
mod keys;
mod unmanaged;

pub use unmanaged::{hold_back_view_columns, keep_unmanaged};

/// Tables never compared: sea-orm-migration's bookkeeping.
pub const ALWAYS_EXCLUDED: &[&str] = &["seaql_migrations", "autogen_progress", "autogen_checksums"];

#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// Declared table renames, old name → new name.
    pub table_renames: BTreeMap<String, String>,
    /// Declared column renames, (table, old) → new (table is the new table name).
    pub column_renames: BTreeMap<(String, String), String>,
    /// Drop tables the entities do not know instead of only reporting them.
    pub drop_unknown: bool,
    /// Table names or globs (`audit_*`, `ops.*`) left out of the comparison.
    pub exclude: Vec<String>,
    /// When not empty, only tables matching one of these globs are compared.
    pub include: Vec<String>,
    /// PostgreSQL schemas (globs) whose tables are left out. Tables of the
    /// connection's own schema have no schema prefix and are never left out by these.
    pub exclude_schemas: Vec<String>,
    /// When not empty, only tables of these schemas (and of the connection's own) are compared.
    pub include_schemas: Vec<String>,
    /// Columns the entities do not manage (`table.column` globs): fields
    /// marked `#[sea_orm(ignore)]`, `[unmanaged] columns` in autogen.toml.
    /// The database's definition is kept (never dropped nor altered), and
    /// so are the indexes and foreign keys on them.
    pub unmanaged_columns: Vec<String>,
    /// Indexes and unique constraints the entities do not manage (name globs).
    pub unmanaged_indexes: Vec<String>,
}

/// The result of a comparison.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    /// Tables in the database that no entity describes (kept unless `drop_unknown`).
    pub unknown_tables: Vec<String>,
    /// Dropped + added pairs of the same type that may be renames.
    pub rename_candidates: Vec<RenameCandidate>,
    /// Columns and indexes of the database left alone because they are
    /// unmanaged (see [`DiffOptions::unmanaged_columns`]), described.
    pub unmanaged: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameCandidate {
    Table {
        from: String,
        to: String,
    },
    Column {
        table: String,
        from: String,
        to: String,
    },
}

impl DiffOptions {
    fn excluded(&self, table: &str) -> bool {
        let any = |patterns: &[String], name: &str| patterns.iter().any(|p| glob_match(p, name));
        if let Some((schema, _)) = table.split_once('.')
            && (any(&self.exclude_schemas, schema)
                || (!self.include_schemas.is_empty() && !any(&self.include_schemas, schema)))
        {
            return true;
        }
        ALWAYS_EXCLUDED.contains(&table)
            || any(&self.exclude, table)
            || (!self.include.is_empty() && !any(&self.include, table))
    }
}

/// `name` matches `pattern`, where `*` is any run of characters and `?` one.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Iterative wildcard matching with one backtrack point (the last `*`).
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

pub fn diff(live: &Schema, target: &Schema, opts: &DiffOptions) -> Diff {
    let mut out = Diff::default();
    let kept;
    let target = if opts.unmanaged_columns.is_empty()
        && opts.unmanaged_indexes.is_empty()
        && live.kept_indexes.is_empty()
    {
        target
    } else {
        kept = keep_unmanaged(live, target, opts, &mut out.unmanaged);
        &kept
    };
    let live_tables: BTreeMap<&str, &Table> = live
        .tables
        .iter()
        .filter(|(n, _)| !opts.excluded(n))
        .map(|(n, t)| (n.as_str(), t))
        .collect();
    let target_tables: BTreeMap<&str, &Table> = target
        .tables
        .iter()
        .filter(|(n, _)| !opts.excluded(n))
        .map(|(n, t)| (n.as_str(), t))
        .collect();

    // Schemas the entities name that the database lacks come before anything.
    for name in target.schemas.difference(&live.schemas) {
        out.changes
            .push(Change::CreateSchema { name: name.clone() });
    }

    // Enums: new ones first, value changes, removed ones after their tables.
    for (name, values) in &target.enums {
        match live.enums.get(name) {
            None => out.changes.push(Change::CreateEnum {
                name: name.clone(),
                values: values.clone(),
            }),
            Some(old) if old != values => out.changes.push(Change::AlterEnum {
                name: name.clone(),
                from: old.clone(),
                to: values.clone(),
                usages: enum_usages(live, name),
            }),
            Some(_) => {}
        }
    }

    // Tables: renames declared, then matched by name.
    let renamed_from: BTreeMap<&str, &str> = opts
        .table_renames
        .iter()
        .filter(|(old, new)| {
            live_tables.contains_key(old.as_str())
                && target_tables.contains_key(new.as_str())
                && !live_tables.contains_key(new.as_str())
        })
        .map(|(old, new)| (new.as_str(), old.as_str()))
        .collect();
    let consumed: BTreeSet<&str> = renamed_from.values().copied().collect();

    let mut created = Vec::new();
    for (name, table) in &target_tables {
        let live_table = match renamed_from.get(name) {
            Some(old) => {
                out.changes.push(Change::RenameTable {
                    from: (*old).to_owned(),
                    to: (*name).to_owned(),
                });
                live_tables.get(old).copied()
            }
            None => live_tables.get(name).copied(),
        };
        match live_table {
            Some(from) => diff_table(from, table, opts, &mut out),
            None => created.push(*table),
        }
    }
    let dropped: Vec<&Table> = live_tables
        .iter()
        .filter(|(n, _)| !target_tables.contains_key(*n) && !consumed.contains(*n))
        .map(|(_, t)| *t)
        .collect();

    for to in &created {
        for from in &dropped {
            if same_shape(from, to) {
                out.rename_candidates.push(RenameCandidate::Table {
                    from: from.name.clone(),
                    to: to.name.clone(),
                });
            }
        }
    }
    for table in created {
        out.changes.push(Change::CreateTable {
            table: table.clone(),
        });
    }
    for table in dropped {
        if opts.drop_unknown {
            out.changes.push(Change::DropTable {
                table: table.clone(),
            });
        } else {
            out.unknown_tables.push(table.name.clone());
        }
    }

    for (name, values) in &live.enums {
        if !target.enums.contains_key(name)
            && (opts.drop_unknown || !enum_used_by_unknown(live, name, &out.unknown_tables))
        {
            out.changes.push(Change::DropEnum {
                name: name.clone(),
                values: values.clone(),
            });
        }
    }
    out
}

fn enum_used_by_unknown(live: &Schema, name: &str, unknown: &[String]) -> bool {
    enum_usages(live, name)
        .iter()
        .any(|(t, _)| unknown.contains(t))
}

fn enum_usages(schema: &Schema, name: &str) -> Vec<(String, String)> {
    schema
        .tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(move |c| matches!(&c.ty, crate::schema::ColumnType::Enum(e) if e == name))
                .map(move |c| (t.name.clone(), c.name.clone()))
        })
        .collect()
}

fn same_shape(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| x.name == y.name && x.ty == y.ty)
}

/// One table's comparers, in the order their changes are emitted: column
/// renames, then what goes away before columns change (foreign keys,
/// indexes), column changes and additions, the primary key, the comment,
/// dropped columns, and what needs the columns (indexes, foreign keys).
fn diff_table(from: &Table, to: &Table, opts: &DiffOptions, out: &mut Diff) {
    let renames = columns::renames(from, to, opts);
    for (new, old) in &renames {
        out.changes.push(Change::RenameColumn {
            table: to.name.clone(),
            from: (*old).to_owned(),
            to: (*new).to_owned(),
        });
    }
    let renamed: BTreeMap<&str, &str> = renames.into_iter().collect();
    // Indexes and foreign keys of the live table, with renamed columns under their new names.
    let rename = |cols: &[String]| {
        cols.iter()
            .map(|c| columns::new_name(&renamed, c))
            .collect()
    };
    let from_indexes: Vec<Index> = (from.indexes.iter())
        .map(|i| Index {
            columns: rename(&i.columns),
            ..i.clone()
        })
        .collect();
    let from_fks: Vec<ForeignKey> = (from.foreign_keys.iter())
        .map(|f| ForeignKey {
            columns: rename(&f.columns),
            ..f.clone()
        })
        .collect();
    let fks = foreign_keys::compare(&to.name, &from_fks, &to.foreign_keys);
    let indexes = indexes::compare(&to.name, &from_indexes, &to.indexes);
    let columns = columns::compare(from, to, &renamed);

    out.changes.extend(fks.dropped);
    out.changes.extend(indexes.dropped);
    out.changes.extend(columns.altered);
    out.rename_candidates.extend(columns.candidates);
    out.changes.extend(columns.added);
    out.changes.extend(keys::primary_key(from, to, &renamed));
    out.changes.extend(comments::table_comment(from, to));
    out.changes.extend(columns.dropped);
    out.changes.extend(indexes.added);
    out.changes.extend(fks.added);
}

/// What a comparer of one object kind found: what goes and what comes.
#[derive(Debug, Default)]
struct Paired {
    dropped: Vec<Change>,
    added: Vec<Change>,
}

/// The items of `a` with no equal (`same`) in `b`, in the order of `a`.
fn unmatched<'a, T>(
    a: &'a [T],
    b: &'a [T],
    same: fn(&T, &T) -> bool,
) -> impl Iterator<Item = &'a T> {
    a.iter().filter(move |x| !b.iter().any(|y| same(y, x)))
}

#[cfg(test)]
mod tests;
