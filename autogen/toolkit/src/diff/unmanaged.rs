//! What the entities do not manage, kept out of the changes: unmanaged
//! columns and indexes kept as the database has them, and type changes of
//! columns a view reads held back.

use super::{Diff, DiffOptions, glob_match};
use crate::change::Change;
use crate::schema::{Column, Schema, UnmanagedKind};

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
