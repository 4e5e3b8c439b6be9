//! Ordering changes and turning them into steps a backend can run:
//! enum types before the tables that use them, tables in foreign-key order,
//! drops mirrored. This file orders and dispatches; each backend plans in
//! its own file what it does its own way (`postgres`: enums, comments,
//! column alterations in several statements; `sqlite`: table rebuilds).

use std::collections::{BTreeMap, BTreeSet};

use crate::change::additions_only;
use crate::change::{Change, Risk};
use crate::config::Backend;
use crate::schema::{ColumnType, Schema, Table, TableName, UnmanagedKind, resolve};
use crate::step::{Precheck, Step, column_calls};

mod backfill;
mod mysql;
mod online;
mod parts;
mod postgres;
mod prechecks;
mod sqlite;

pub use online::{OnlineOptions, is_volatile, long_lock};
pub use parts::{PartKind, PlannedPart, parts};
use prechecks::prechecks;

/// Order `changes` so that every step finds what it needs.
pub fn order(mut changes: Vec<Change>) -> Vec<Change> {
    let created: Vec<Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { table } => Some(table.clone()),
            _ => None,
        })
        .collect();
    let dropped: Vec<Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table } => Some(table.clone()),
            _ => None,
        })
        .collect();
    let create_order = topo(&created);
    let drop_order: Vec<String> = topo(&dropped).into_iter().rev().collect();
    let pos =
        |list: &[String], name: &str| list.iter().position(|n| n == name).unwrap_or(usize::MAX);
    changes.sort_by_key(|c| {
        let rank = rank(c);
        let within = match c {
            Change::CreateTable { table } => pos(&create_order, &table.name),
            Change::DropTable { table } => pos(&drop_order, &table.name),
            _ => 0,
        };
        (rank, within)
    });
    changes
}

fn rank(c: &Change) -> u8 {
    match c {
        Change::CreateSchema { .. } | Change::CreateEnum { .. } => 0,
        Change::AlterEnum { from, to, .. } if additions_only(from, to) => 1,
        Change::RenameTable { .. } => 2,
        Change::DropForeignKey { .. } => 3,
        Change::DropIndex { .. } => 4,
        Change::CreateTable { .. } => 5,
        Change::RenameColumn { .. } => 6,
        Change::AddColumn { .. } => 7,
        Change::AlterColumn { .. } => 8,
        Change::AlterPrimaryKey { .. } => 9,
        Change::AlterTableComment { .. } => 9,
        Change::DropColumn { .. } => 10,
        Change::AddIndex { .. } => 11,
        Change::AddForeignKey { .. } => 12,
        Change::DropTable { .. } => 13,
        Change::AlterEnum { .. } => 14,
        Change::DropEnum { .. } => 15,
        Change::DropSchema { .. } => 16,
    }
}

/// Tables ordered so that referenced tables come first (cycles: declaration order).
fn topo(tables: &[Table]) -> Vec<String> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut done: Vec<String> = Vec::new();
    let mut left: Vec<&Table> = tables.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name
                    || !names.contains(fk.ref_table.as_str())
                    || done.contains(&fk.ref_table)
            });
            if ready {
                done.push(t.name.clone());
            }
            !ready
        });
        if left.len() == before {
            done.extend(left.drain(..).map(|t| t.name.clone()));
        }
    }
    done
}

/// The tables `changes` rewrite whole on `backend` (SQLite's table rebuilds;
/// none elsewhere): the data-loss gate asks whether they hold rows.
pub fn rebuilt_tables(changes: &[Change], from: &Schema, backend: Backend) -> BTreeSet<String> {
    if backend == Backend::Sqlite {
        sqlite::rebuilt_tables(changes, from)
    } else {
        BTreeSet::new()
    }
}

/// Steps that take a database from `from` to `to` by `changes` (already
/// ordered), for `up()` (`restoring`: false) or for the derived `down()`,
/// which restores what `up()` removed and must not stop for the author.
fn steps_in(
    changes: &[Change],
    from: &Schema,
    to: &Schema,
    backend: Backend,
    restoring: bool,
    online: bool,
) -> Vec<Step> {
    let mut enums = from.enums.clone();
    enums.extend(to.enums.clone());
    let rebuilt: BTreeSet<String> = if backend == Backend::Sqlite {
        sqlite::rebuilt_tables(changes, from)
    } else {
        BTreeSet::new()
    };
    let mut out = Vec::new();
    let mut rebuild_done = BTreeSet::new();
    for change in changes {
        if let Some(t) = change.table()
            && rebuilt.contains(t)
            && !matches!(
                change,
                Change::CreateTable { .. } | Change::DropTable { .. } | Change::RenameTable { .. }
            )
        {
            if rebuild_done.insert(t.to_owned()) {
                out.extend(sqlite::rebuild(t, changes, from, to, &enums, restoring));
            }
            continue;
        }
        if let Some(w) = change.warning_on(backend) {
            let label = match change.risk_on(backend) {
                Risk::Safe => "note",
                _ => "WARNING",
            };
            out.push(Step::Comment(format!("{label}: {w}")));
        }
        let ctx = Context {
            from,
            to,
            enums: &enums,
            restoring,
        };
        out.extend(match backend {
            Backend::Sqlite => sqlite::steps_for(change, &ctx),
            Backend::MySql => mysql::steps_for(change, &ctx),
            _ if online => online::steps_for(change, &ctx),
            Backend::Postgres => postgres::steps_for(change, &ctx),
        });
    }
    out
}

/// What a planner needs besides the change: both sides, and every enum type
/// either side knows (a column builder needs an enum's values).
pub(crate) struct Context<'a> {
    pub from: &'a Schema,
    pub to: &'a Schema,
    pub enums: &'a BTreeMap<String, Vec<String>>,
    /// Planning the derived `down()`: it restores what `up()` removed.
    pub restoring: bool,
}

impl Context<'_> {
    /// How SQL names the table keyed `key`, looked up on the target side first.
    fn table(&self, key: &str) -> TableName {
        resolve(key, self.to, self.from)
    }
}

/// The steps every backend plans alike; `None` for a change whose plan is
/// the backend's own (enums, comments, column alterations, primary keys).
fn neutral(change: &Change, ctx: &Context<'_>) -> Option<Vec<Step>> {
    let tn = |key: &str| ctx.table(key);
    Some(match change {
        Change::CreateTable { table } => vec![Step::CreateTable {
            table: table.clone(),
            enums: ctx.enums.clone(),
        }],
        Change::DropTable { table } => vec![Step::DropTable {
            name: table.qualified(),
        }],
        Change::RenameTable { from: old, to: new } => vec![Step::RenameTable {
            from: resolve(old, ctx.from, ctx.to),
            to: tn(new).name,
        }],
        Change::AddColumn { table, column } => vec![Step::AddColumn {
            table: tn(table),
            column: column.name.clone(),
            calls: column_calls(column, false),
            enums: ctx.enums.clone(),
        }],
        Change::DropColumn { table, column } => vec![Step::DropColumn {
            table: tn(table),
            column: column.name.clone(),
        }],
        Change::RenameColumn { table, from, to } => vec![Step::RenameColumn {
            table: tn(table),
            from: from.clone(),
            to: to.clone(),
        }],
        Change::AddIndex { table, index } => vec![Step::CreateIndex {
            table: tn(table),
            index: index.clone(),
        }],
        Change::DropIndex { table, index } => vec![Step::DropIndex {
            table: tn(table),
            name: index.name.clone(),
        }],
        Change::AddForeignKey { table, foreign_key } => vec![Step::AddForeignKey {
            table: tn(table),
            foreign_key: foreign_key.clone(),
        }],
        Change::DropForeignKey { table, foreign_key } => vec![Step::DropForeignKey {
            table: tn(table),
            name: foreign_key.name.clone(),
        }],
        Change::CreateSchema { .. }
        | Change::DropSchema { .. }
        | Change::CreateEnum { .. }
        | Change::DropEnum { .. }
        | Change::AlterEnum { .. }
        | Change::AlterTableComment { .. }
        | Change::AlterColumn { .. }
        | Change::AlterPrimaryKey { .. } => return None,
    })
}

/// Indexes and constraints share one namespace per schema with tables (PostgreSQL
/// relations, SQLite's `sqlite_master`): an index created under a name that
/// another object already has (an index on a table kept as unknown, say)
/// fails. Such an index is given the first free `name_N`; names are not
/// compared, so the fixpoint holds, and the down migration drops that name.
fn free_names(mut changes: Vec<Change>, live: &Schema) -> Vec<Change> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for t in live.tables.values() {
        taken.insert(t.name.clone());
        if !t.primary_key_name.is_empty() {
            taken.insert(t.primary_key_name.clone());
        }
        taken.extend(t.indexes.iter().map(|i| i.name.clone()));
    }
    taken.extend(
        live.unmanaged
            .iter()
            .filter(|u| u.kind == UnmanagedKind::Index)
            .map(|u| u.name.clone()),
    );
    for c in &changes {
        if let Change::DropIndex { index, .. } = c {
            taken.remove(&index.name);
        }
    }
    let claim = |name: &mut String, taken: &mut BTreeSet<String>| {
        if name.is_empty() {
            return;
        }
        if taken.contains(name.as_str()) {
            let free = (1..)
                .map(|n| {
                    let suffix = format!("_{n}");
                    // PostgreSQL cuts identifiers at 63 bytes.
                    let mut base = name.clone();
                    while base.len() + suffix.len() > 63 {
                        base.pop();
                    }
                    base + &suffix
                })
                .find(|candidate| !taken.contains(candidate))
                .unwrap_or_default();
            tracing::info!("index name {name} is taken in the database: creating it as {free}");
            *name = free;
        }
        taken.insert(name.clone());
    };
    for c in &mut changes {
        match c {
            Change::AddIndex { index, .. } => claim(&mut index.name, &mut taken),
            Change::CreateTable { table } => {
                for index in &mut table.indexes {
                    claim(&mut index.name, &mut taken);
                }
            }
            _ => {}
        }
    }
    changes
}

/// Up and down steps for `changes`, which take `live` to `target`: the
/// tests' shortcut past [`crate::compare_schemas`] (the one path of the CLI).
pub fn up_and_down(
    changes: &[Change],
    live: &Schema,
    target: &Schema,
    backend: Backend,
) -> (Vec<Change>, Vec<Step>, Vec<Step>) {
    let ordered = prepared(changes, live, backend);
    let (up, down) = both_ways(&ordered, live, target, backend, false);
    (ordered, up, down)
}

/// `changes` as they are planned: names free in `live`, what the backend
/// needs around them added (MySQL: the foreign keys over a column whose
/// type changes), in order.
fn prepared(changes: &[Change], live: &Schema, backend: Backend) -> Vec<Change> {
    let changes = free_names(changes.to_vec(), live);
    order(match backend {
        Backend::MySql => mysql::around_foreign_keys(changes, live),
        _ => changes,
    })
}

fn both_ways(
    ordered: &[Change],
    live: &Schema,
    target: &Schema,
    backend: Backend,
    online: bool,
) -> (Vec<Step>, Vec<Step>) {
    let mut up = steps_in(ordered, live, target, backend, false, online);
    up.splice(0..0, prechecks(ordered, live, target));
    let reversed: Vec<Change> = ordered.iter().rev().map(Change::reverse).collect();
    let down = steps_in(&reversed, target, live, backend, true, online);
    (up, down)
}
