//! `(live, target) -> Vec<Change>`: a pure function, no I/O.
//!
//! Renames are never guessed: a rename is taken from the entity's
//! `renamed_from`, or from the caller (flags or the interactive question);
//! drop-plus-add pairs that look like renames are returned as candidates so
//! the CLI can ask.

use std::collections::{BTreeMap, BTreeSet};

use crate::change::{Change, ColumnChanges};
use crate::schema::{Column, ForeignKey, Index, Schema, Table, UnmanagedKind};

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

/// `target` with the unmanaged columns, indexes and foreign keys of `live`
/// as the database has them: what is not the entities' to say is then never
/// a change (nor lost by a SQLite rebuild, which copies the target table).
pub fn keep_unmanaged(
    live: &Schema,
    target: &Schema,
    opts: &DiffOptions,
    notes: &mut Vec<String>,
) -> Schema {
    let any = |patterns: &[String], name: &str| patterns.iter().any(|p| glob_match(p, name));
    let mut target = target.clone();
    for (name, to) in target.tables.iter_mut() {
        let Some(from) = live.tables.get(name) else {
            continue;
        };
        let unmanaged: Vec<&Column> = from
            .columns
            .iter()
            .filter(|c| any(&opts.unmanaged_columns, &format!("{name}.{}", c.name)))
            .collect();
        for col in &unmanaged {
            match to.columns.iter_mut().find(|c| c.name == col.name) {
                Some(declared) => *declared = (*col).clone(),
                None => {
                    // At its place in the database, so that a rebuild keeps the order.
                    let at = from
                        .columns
                        .iter()
                        .position(|c| c.name == col.name)
                        .unwrap_or(to.columns.len())
                        .min(to.columns.len());
                    to.columns.insert(at, (*col).clone());
                }
            }
            notes.push(format!(
                "column {name}.{} ({}): not declared by the entity (ignore / [unmanaged])",
                col.name,
                col.ty.sql()
            ));
        }
        let on_unmanaged =
            |cols: &[String]| cols.iter().any(|c| unmanaged.iter().any(|u| &u.name == c));
        let kept = live.kept_indexes.get(name);
        for index in &from.indexes {
            let by_name = any(&opts.unmanaged_indexes, &index.name);
            if kept.is_some_and(|k| k.contains(&index.name)) {
                // Listed by the introspection already; kept as the database has it.
                to.indexes
                    .retain(|i| !i.same_as(index) && i.name != index.name);
                to.indexes.push(index.clone());
                continue;
            }
            if !(by_name || on_unmanaged(&index.columns)) {
                continue;
            }
            to.indexes
                .retain(|i| !i.same_as(index) && i.name != index.name);
            to.indexes.push(index.clone());
            notes.push(format!(
                "{} {} on {name} ({}): unmanaged",
                if index.unique {
                    "unique index"
                } else {
                    "index"
                },
                index.name,
                index.columns.join(", ")
            ));
        }
        for fk in &from.foreign_keys {
            if on_unmanaged(&fk.columns) && !to.foreign_keys.iter().any(|f| f.same_as(fk)) {
                to.foreign_keys.push(fk.clone());
            }
        }
    }
    target
}

/// PostgreSQL cannot change the type of a column a view reads ("cannot
/// alter type of a column used by a view or rule"), and the views are not
/// the entities' to drop and make again: such type changes are left out
/// (the rest of the column's change stays) and said in `diff.unmanaged`.
/// Which columns a view reads is found by name in its definition.
pub fn hold_back_view_columns(diff: &mut Diff, live: &Schema) {
    let views: Vec<(String, &str)> = live
        .unmanaged
        .iter()
        .filter(|u| {
            matches!(
                u.kind,
                UnmanagedKind::View | UnmanagedKind::MaterializedView
            )
        })
        .filter_map(|u| Some((u.head(), u.definition.as_deref()?)))
        .collect();
    if views.is_empty() {
        return;
    }
    let word = |text: &str, w: &str| {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|x| x == w)
    };
    let mut kept = Vec::with_capacity(diff.changes.len());
    for change in std::mem::take(&mut diff.changes) {
        let Change::AlterColumn {
            table,
            from,
            to,
            changed,
        } = &change
        else {
            kept.push(change);
            continue;
        };
        let bare = table.rsplit('.').next().unwrap_or(table);
        let readers: Vec<&str> = views
            .iter()
            .filter(|(_, def)| word(def, bare) && word(def, &from.name))
            .map(|(head, _)| head.as_str())
            .collect();
        if !changed.ty || readers.is_empty() {
            kept.push(change);
            continue;
        }
        diff.unmanaged.push(format!(
            "type of {table}.{} kept as {} (the entity says {}): {} reads it; change it by hand around the view",
            from.name,
            from.ty.sql(),
            to.ty.sql(),
            readers.join(", ")
        ));
        let to = Column {
            ty: from.ty.clone(),
            base_type: from.base_type.clone(),
            ..to.clone()
        };
        let rest = Change::alter_column(table.clone(), from.clone(), to);
        if let Change::AlterColumn { changed, .. } = &rest
            && changed.any()
        {
            kept.push(rest);
        }
    }
    diff.changes = kept;
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

fn diff_table(from: &Table, to: &Table, opts: &DiffOptions, out: &mut Diff) {
    let table = to.name.clone();

    // Column renames: declared on the entity, or given by the caller.
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new(); // new -> old
    for col in &to.columns {
        let declared = col.renamed_from.as_deref().or_else(|| {
            opts.column_renames
                .iter()
                .find(|((t, _), new)| t == &table && new.as_str() == col.name)
                .map(|((_, old), _)| old.as_str())
        });
        if let Some(old) = declared
            && from.column(old).is_some()
            && from.column(&col.name).is_none()
        {
            renamed.insert(col.name.as_str(), old);
            out.changes.push(Change::RenameColumn {
                table: table.clone(),
                from: old.to_owned(),
                to: col.name.clone(),
            });
        }
    }
    // Indexes and foreign keys of the live table, with renamed columns under their new names.
    let rename_col = |c: &String| {
        renamed
            .iter()
            .find(|(_, old)| **old == c.as_str())
            .map(|(new, _)| (*new).to_owned())
            .unwrap_or_else(|| c.clone())
    };
    let from_indexes: Vec<Index> = from
        .indexes
        .iter()
        .map(|i| Index {
            columns: i.columns.iter().map(rename_col).collect(),
            ..i.clone()
        })
        .collect();
    let from_fks: Vec<ForeignKey> = from
        .foreign_keys
        .iter()
        .map(|f| ForeignKey {
            columns: f.columns.iter().map(rename_col).collect(),
            ..f.clone()
        })
        .collect();

    // Foreign keys and indexes that go away are dropped before columns change.
    for fk in &from_fks {
        if !to.foreign_keys.iter().any(|t| t.same_as(fk)) {
            out.changes.push(Change::DropForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for index in &from_indexes {
        if !to.indexes.iter().any(|t| t.same_as(index)) {
            out.changes.push(Change::DropIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }

    let renamed_old: BTreeSet<&str> = renamed.values().copied().collect();

    let mut added = Vec::new();
    for col in &to.columns {
        let old_name = renamed.get(col.name.as_str()).copied().unwrap_or(&col.name);
        match from.column(old_name) {
            Some(old) => {
                let mut old = old.clone();
                old.name = col.name.clone();
                let changed = ColumnChanges::between(&old, col);
                if changed.any() {
                    out.changes.push(Change::AlterColumn {
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
                out.rename_candidates.push(RenameCandidate::Column {
                    table: table.clone(),
                    from: old.name.clone(),
                    to: new.name.clone(),
                });
            }
        }
    }
    for col in added {
        out.changes.push(Change::AddColumn {
            table: table.clone(),
            column: strip(col),
        });
    }

    if from.primary_key != to.primary_key {
        let renamed_pk: Vec<String> = from.primary_key.iter().map(rename_col).collect();
        if renamed_pk != to.primary_key {
            out.changes.push(Change::AlterPrimaryKey {
                table: table.clone(),
                from: from.primary_key.clone(),
                to: to.primary_key.clone(),
            });
        }
    }

    if from.comment != to.comment {
        out.changes.push(Change::AlterTableComment {
            table: table.clone(),
            from: from.comment.clone(),
            to: to.comment.clone(),
        });
    }

    for col in removed {
        out.changes.push(Change::DropColumn {
            table: table.clone(),
            column: col.clone(),
        });
    }
    for index in &to.indexes {
        if !from_indexes.iter().any(|f| f.same_as(index)) {
            out.changes.push(Change::AddIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }
    for fk in &to.foreign_keys {
        if !from_fks.iter().any(|f| f.same_as(fk)) {
            out.changes.push(Change::AddForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
}

fn strip(c: &Column) -> Column {
    Column {
        renamed_from: None,
        ..c.clone()
    }
}

#[cfg(test)]
mod tests;
