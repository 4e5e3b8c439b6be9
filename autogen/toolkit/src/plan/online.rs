//! Online mode (PostgreSQL, `autogen -m --online`): the changes that would
//! hold a write-blocking lock for as long as a table scan or an index build
//! move to a migration of their own that runs outside a transaction, in the
//! forms that let writes go on:
//!
//! - an index is built and dropped `CONCURRENTLY` (idempotent on a retry);
//! - a foreign key is added `NOT VALID`, then validated;
//! - `SET NOT NULL` goes through a validated `CHECK (.. IS NOT NULL)`;
//! - a UNIQUE constraint is attached to a concurrently built unique index.
//!
//! Everything else stays in the ordinary transactional migration, which
//! runs first. Both start by setting `lock_timeout` (and `statement_timeout`
//! when configured), so a statement queued behind a busy table gives up
//! quickly instead of stalling the traffic queued behind it; the runtime
//! retries what gave up a bounded number of times.

use std::collections::BTreeSet;

use super::Context;
use crate::change::{Change, ColumnChanges};
use crate::config::Backend;
use crate::schema::{Column, ColumnType};
use crate::step::{Call, Step};

/// Settings of online mode (from `autogen.toml` `[online]` or the command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineOptions {
    /// `lock_timeout` of the generated migrations, as PostgreSQL reads it (`5s`).
    pub lock_timeout: String,
    /// `statement_timeout` of the transactional part; `None`: the server's.
    pub statement_timeout: Option<String>,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        Self {
            lock_timeout: "5s".into(),
            statement_timeout: None,
        }
    }
}

/// Split `changes` (ordered) into those of the transactional migration and
/// those of the online one.
pub(super) fn split(changes: &[Change]) -> (Vec<Change>, Vec<Change>) {
    let created: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { table } => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    let dropped_columns: BTreeSet<(&str, &str)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropColumn { table, column } => Some((table.as_str(), column.name.as_str())),
            Change::RenameColumn { table, from, .. } => Some((table.as_str(), from.as_str())),
            _ => None,
        })
        .collect();
    let dropped_tables: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table } => Some(table.name.as_str()),
            Change::RenameTable { from, .. } => Some(from.as_str()),
            _ => None,
        })
        .collect();
    let mut main = Vec::new();
    let mut online = Vec::new();
    for change in changes {
        let existing = change.table().is_some_and(|t| !created.contains(t));
        match change {
            Change::AddIndex { .. } | Change::AddForeignKey { .. } if existing => {
                online.push(change.clone())
            }
            // Dropped concurrently only when nothing else drops it first
            // (its columns or table), else the down() would rebuild it
            // before they are back.
            Change::DropIndex { table, index }
                if existing
                    && !index.constraint
                    && !dropped_tables.contains(table.as_str())
                    && index
                        .columns
                        .iter()
                        .all(|c| !dropped_columns.contains(&(table.as_str(), c.as_str()))) =>
            {
                online.push(change.clone())
            }
            // A NOT NULL column without a default: added nullable here (the
            // author backfills it), NOT NULL enforced online.
            Change::AddColumn { table, column }
                if existing
                    && !column.nullable
                    && column.default.is_none()
                    && !column.auto_increment =>
            {
                let nullable = Column {
                    nullable: true,
                    ..column.clone()
                };
                main.push(Change::AddColumn {
                    table: table.clone(),
                    column: nullable.clone(),
                });
                online.push(Change::alter_column(
                    table.clone(),
                    nullable,
                    column.clone(),
                ));
            }
            Change::AlterColumn {
                table,
                from,
                to,
                changed,
            } if existing && changed.nullable && !to.nullable => {
                // The rest of the alteration stays transactional; NOT NULL
                // comes after it, online.
                let mid = Column {
                    nullable: from.nullable,
                    ..to.clone()
                };
                let rest = ColumnChanges::between(from, &mid);
                if rest != ColumnChanges::default() {
                    main.push(Change::alter_column(
                        table.clone(),
                        from.clone(),
                        mid.clone(),
                    ));
                }
                online.push(Change::alter_column(table.clone(), mid, to.clone()));
            }
            _ => main.push(change.clone()),
        }
    }
    (main, online)
}

/// Where the author fills the rows of a column the online migration makes
/// NOT NULL, at the end of the transactional one's `up()`.
pub(super) fn backfill_notes(main: &[Change], online: &[Change]) -> Vec<Step> {
    online
        .iter()
        .filter_map(|c| match c {
            Change::AlterColumn { table, to, .. } if !to.nullable => Some((table, &to.name)),
            _ => None,
        })
        .filter(|(table, column)| {
            main.iter().any(|m| {
                matches!(m, Change::AddColumn { table: t, column: c } if t == *table && &c.name == *column)
            })
        })
        .map(|(table, column)| {
            Step::Comment(format!(
                "Fill {table}.{column} in existing rows here (in batches on a big table): the next\nmigration (online) makes it NOT NULL, e.g.:\nmanager.get_connection().execute_unprepared(\"UPDATE ... SET {column} = <value> WHERE {column} IS NULL\").await?;"
            ))
        })
        .collect()
}

/// The steps of one change of the online migration (either direction).
pub(super) fn steps_for(change: &Change, ctx: &Context<'_>) -> Vec<Step> {
    let tn = |key: &str| ctx.table(key);
    match change {
        Change::AddIndex { table, index } if index.constraint => vec![Step::AddUniqueOnline {
            table: tn(table),
            index: index.clone(),
        }],
        Change::AddIndex { table, index } => vec![Step::CreateIndexConcurrently {
            table: tn(table),
            index: index.clone(),
        }],
        Change::DropIndex { table, index } if !index.constraint => {
            vec![Step::DropIndexConcurrently {
                table: tn(table),
                name: index.name.clone(),
            }]
        }
        Change::AddForeignKey { table, foreign_key } => vec![Step::AddForeignKeyOnline {
            table: tn(table),
            foreign_key: foreign_key.clone(),
        }],
        Change::AlterColumn { table, to, .. } if !to.nullable => vec![Step::SetNotNullOnline {
            table: tn(table),
            column: to.name.clone(),
        }],
        Change::AlterColumn { table, to, .. } => vec![Step::ModifyColumn {
            table: tn(table),
            column: to.name.clone(),
            calls: vec![Call::Null],
            enums: ctx.enums.clone(),
        }],
        // Dropping a UNIQUE constraint or a foreign key is a catalog update.
        _ => super::postgres::steps_for(change, ctx),
    }
}

/// The statements that start a migration in online mode (`local`: inside
/// its transaction, where `SET LOCAL` ends with it).
pub(super) fn timeouts(options: &OnlineOptions, local: bool) -> Vec<Step> {
    let scope = if local { "SET LOCAL" } else { "SET" };
    let mut out = vec![Step::Sql {
        backend: Backend::Postgres,
        sql: format!(
            "{scope} lock_timeout = '{}'",
            options.lock_timeout.replace('\'', "''")
        ),
    }];
    // A concurrent build may rightly take hours: a statement timeout is
    // for the transactional part only.
    if let (Some(t), true) = (&options.statement_timeout, local) {
        out.push(Step::Sql {
            backend: Backend::Postgres,
            sql: format!("SET LOCAL statement_timeout = '{}'", t.replace('\'', "''")),
        });
    }
    out
}

/// The statement that ends a non-transactional online migration: the
/// session's `lock_timeout` goes back to what the connection started with.
pub(super) fn reset() -> Step {
    Step::Sql {
        backend: Backend::Postgres,
        sql: "RESET lock_timeout".into(),
    }
}

/// Why a change holds a long lock even online, and the sequence that does
/// not (for the warning comment and the summary); `None`: it does not.
pub fn long_lock(change: &Change) -> Option<String> {
    match change {
        Change::AlterColumn {
            table,
            from,
            to,
            changed,
        } if changed.ty && rewrites(&from.ty, &to.ty) => Some(format!(
            "changing the type of {table}.{} from {} to {} rewrites the table under an exclusive lock; the online way: add a new column, backfill it in batches, switch reads and writes to it, then drop the old one",
            to.name,
            from.ty.sql(),
            to.ty.sql()
        )),
        Change::AddColumn { table, column }
            if column.default.as_deref().is_some_and(is_volatile) =>
        {
            Some(format!(
                "adding {table}.{} with the volatile default {} rewrites the table under an exclusive lock; the online way: add it without a default (or with a constant one), backfill it in batches, then set the default",
                column.name,
                column.default.as_deref().unwrap_or_default()
            ))
        }
        _ => None,
    }
}

/// Whether `from` → `to` makes PostgreSQL rewrite the table (not one of
/// the binary-compatible widenings it does in place).
fn rewrites(from: &ColumnType, to: &ColumnType) -> bool {
    !crate::change::in_place::postgres(from, to)
}

/// Whether a default expression is volatile (evaluated per row: the table is rewritten).
pub fn is_volatile(default: &str) -> bool {
    let d = default.to_ascii_lowercase();
    [
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v",
        "clock_timestamp(",
        "timeofday(",
        "nextval(",
        "txid_current(",
    ]
    .iter()
    .any(|f| d.contains(f))
}
