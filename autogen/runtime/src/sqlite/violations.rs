//! Foreign-key violations (`PRAGMA foreign_key_check`): the ones a
//! migration made, as against those that were there before it.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// One row of `PRAGMA foreign_key_check`: a row of `table` whose foreign
/// key points at no row of `parent`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Violation {
    pub table: String,
    pub rowid: Option<i64>,
    pub parent: String,
}

/// Every foreign-key violation in the database.
pub(crate) async fn foreign_key_violations<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<Violation>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    Ok(rows
        .iter()
        .map(|r| Violation {
            table: r.try_get_by_index::<String>(0).unwrap_or_default(),
            rowid: r.try_get_by_index::<Option<i64>>(1).ok().flatten(),
            parent: r.try_get_by_index::<String>(2).unwrap_or_default(),
        })
        .collect())
}

/// The violations a migration made: those of `after` that were not in
/// `before`. Old dangling rows elsewhere are not the migration's doing and
/// must not block every later migration. A rebuilt table may renumber its
/// rows, so a (table, parent) pair with no more violations than before
/// counts as unchanged.
pub(crate) fn new_violations(before: &[Violation], after: Vec<Violation>) -> Vec<Violation> {
    use std::collections::{HashMap, HashSet};
    let old: HashSet<&Violation> = before.iter().collect();
    let mut old_count: HashMap<(&str, &str), usize> = HashMap::new();
    for v in before {
        *old_count.entry((&v.table, &v.parent)).or_default() += 1;
    }
    let mut new_count: HashMap<(String, String), usize> = HashMap::new();
    for v in &after {
        *new_count
            .entry((v.table.clone(), v.parent.clone()))
            .or_default() += 1;
    }
    after
        .into_iter()
        .filter(|v| !old.contains(v))
        .filter(|v| {
            let pair = (v.table.as_str(), v.parent.as_str());
            let was = old_count.get(&pair).copied().unwrap_or(0);
            let now = new_count
                .get(&(v.table.clone(), v.parent.clone()))
                .copied()
                .unwrap_or(0);
            now > was
        })
        .collect()
}

/// `b (rowid 3, 4) -> a; c (rowid 1) -> a`: the offending tables first.
pub(crate) fn describe_violations(violations: &[Violation]) -> String {
    let mut groups: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for v in violations {
        let rowid = v.rowid.map_or_else(|| "?".to_owned(), |r| r.to_string());
        match groups
            .iter_mut()
            .find(|(t, p, _)| *t == v.table && *p == v.parent)
        {
            Some((_, _, rows)) => rows.push(rowid),
            None => groups.push((&v.table, &v.parent, vec![rowid])),
        }
    }
    groups
        .iter()
        .map(|(table, parent, rows)| {
            let shown: Vec<&str> = rows.iter().take(5).map(String::as_str).collect();
            let more = if rows.len() > 5 { ", ..." } else { "" };
            format!("{table} (rowid {}{more}) -> {parent}", shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
