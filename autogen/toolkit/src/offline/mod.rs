//! Offline SQL for `upgrade --sql` / `downgrade --sql`, and the statement
//! list of `upgrade --dry-run`.
//!
//! Each migration's `up()`/`down()` runs against a connection that records
//! every statement instead of sending it (the toolkit's [`Recorder`] behind
//! SeaORM's mock driver, since `SchemaManager` only accepts a real
//! `DatabaseConnection`). It is the very code `upgrade` runs, so the SQL is
//! what `upgrade` would send, for the backend asked for. `SchemaManager`'s
//! existence questions (`has_table`, `has_column`, `has_index`) are answered
//! from the schema the script assumes ([`Assumed`]: the live catalog when
//! the database is reachable, else an empty one, followed through the
//! script's own DDL), and the script says so at each answer. Any other query
//! (a `SELECT` of the migration's own) sees no rows, and the script says
//! where that happened.

mod script;
#[cfg(test)]
mod tests;

use autogen_runtime::Direction;
use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};
use thiserror::Error;

pub use crate::assumed::Assumed;
pub use crate::recorder::Recorded;
use crate::recorder::{Log, Recorder, take};
pub use script::{Script, bookkeeping, checksum_rows, install_sql, render, squash_bookkeeping};

/// The schema a script assumes, shared by its migrations in order.
pub type Shared = crate::recorder::Shared;

/// `assumed`, ready to be shared by the recordings of one script.
pub fn share(assumed: Assumed) -> Shared {
    std::sync::Arc::new(std::sync::Mutex::new(assumed))
}

#[derive(Debug, Error)]
pub enum OfflineError {
    #[error("migration {0} is not in this build: rebuild autogen (`cargo run -p autogen -- ...`)")]
    Unknown(String),
    #[error("migration {name} cannot be rendered as SQL: {reason}")]
    Failed { name: String, reason: String },
    /// The migration itself failed on the recording.
    #[error("migration {name} cannot be rendered as SQL: {source}")]
    Errored { name: String, source: DbErr },
}

/// The statements of one migration in one direction.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MigrationSql {
    pub name: String,
    /// Run in a transaction of its own (as `upgrade` does), or not.
    pub transactional: bool,
    pub statements: Vec<Recorded>,
    /// Why the migration is left out of the script (it failed on what it
    /// read back, which a recording answers with no rows: rows inserted
    /// through entities); none: it is in the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out: Option<String>,
    /// The checksum `upgrade` records for it (an upgrade script writes it
    /// into `autogen_checksums`); none: not an upgrade, or left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl MigrationSql {
    /// The one line a command prints for a migration left out of its script.
    pub fn left_out_line(&self) -> Option<String> {
        self.left_out.as_ref().map(|why| {
            format!(
                "migration {} is left out of the script: {why}; the script does not record it as applied, so `autogen upgrade` applies it afterwards",
                self.name
            )
        })
    }
}

/// A connection that records instead of executing, and its log.
fn recording(backend: DbBackend, assumed: &Shared) -> (DatabaseConnection, Log) {
    let recorder = Recorder::new(backend).assuming(std::sync::Arc::clone(assumed));
    let log = recorder.log();
    (recorder.into_connection(), log)
}

/// Whether `upgrade` runs `migration` in a transaction of its own on `backend`
/// (the same rule as the runtime: not on MySQL, not when the migration opts out).
pub fn transactional(migration: &dyn MigrationTrait, backend: DbBackend) -> bool {
    autogen_runtime::bookkeeping::transactional(migration, backend)
}

/// Record the statements of the named migrations (in the given order), as
/// `upgrade` (`Direction::Up`) or `downgrade` (`Direction::Down`) would run
/// them on a database whose schema is `assumed`.
pub async fn record<M: MigratorTrait>(
    backend: DbBackend,
    names: &[String],
    direction: Direction,
    assumed: &Shared,
) -> Result<Vec<MigrationSql>, OfflineError> {
    let mut recorded = record_checked::<M>(backend, names, direction, true, assumed).await?;
    if direction == Direction::Up {
        // The sum `upgrade` records, computed as it does (its own recording
        // of up(), not this script's, whose answers come from `assumed`).
        let migrations = M::migrations();
        for m in recorded.iter_mut().filter(|m| m.left_out.is_none()) {
            if let Some(migration) = migrations.iter().find(|x| x.name() == m.name) {
                m.checksum =
                    Some(autogen_runtime::checksum::checksum(migration.as_ref(), backend).await);
            }
        }
    }
    Ok(recorded)
}

/// The schema of a database at head as this build's migrations create it,
/// followed through their recorded DDL (for a downgrade script written
/// without a database); as far as the recording goes when one cannot be
/// recorded.
pub async fn assumed_at_head<M: MigratorTrait>(backend: DbBackend) -> Assumed {
    let shared = share(Assumed::empty(
        "a database at head, as this build's migrations create it",
    ));
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    for name in names {
        if record_checked::<M>(backend, &[name], Direction::Up, false, &shared)
            .await
            .is_err()
        {
            break;
        }
    }
    shared.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// What the statements of the named migrations create that the schema model
/// does not describe (views, functions, triggers, rules, policies,
/// extensions, sequences, rows written by the migration), as
/// `(migration, statement)`: what a base generated from the entities would
/// not create. For `squash`.
pub async fn unmodelled<M: MigratorTrait>(
    backend: DbBackend,
    names: &[String],
) -> Result<Vec<(String, String)>, OfflineError> {
    let assumed = share(Assumed::empty("an empty database"));
    let recorded = record_checked::<M>(backend, names, Direction::Up, false, &assumed).await?;
    let mut out = Vec::new();
    for m in recorded {
        for line in &m.statements {
            if let Recorded::Execute(sql) = line
                && is_unmodelled(sql)
            {
                out.push((m.name.clone(), sql.clone()));
            }
        }
    }
    Ok(out)
}

/// A statement the entities cannot describe. The rows a SQLite rebuild
/// copies into its new table are the rebuild's own, not data.
fn is_unmodelled(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    if upper.contains("\"_AUTOGEN_NEW_") {
        return false;
    }
    [
        "CREATE VIEW",
        "CREATE MATERIALIZED VIEW",
        "CREATE OR REPLACE",
        "CREATE FUNCTION",
        "CREATE PROCEDURE",
        "CREATE TRIGGER",
        "CREATE RULE",
        "CREATE POLICY",
        "CREATE EXTENSION",
        "CREATE SEQUENCE",
        "CREATE TEMP",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "COPY",
        "DO ",
        "GRANT",
        "REVOKE",
        "CALL",
    ]
    .iter()
    .any(|prefix| upper.starts_with(prefix))
}

async fn record_checked<M: MigratorTrait>(
    backend: DbBackend,
    names: &[String],
    direction: Direction,
    refuse_rebuilds: bool,
    assumed: &Shared,
) -> Result<Vec<MigrationSql>, OfflineError> {
    let migrations = M::migrations();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let migration = migrations
            .iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| OfflineError::Unknown(name.clone()))?;
        // The assumed schema before it: a migration left out leaves it so.
        let before = assumed.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (conn, log) = recording(backend, assumed);
        let result = direction
            .run(migration.as_ref(), &SchemaManager::new(&conn))
            .await;
        let statements = take(&log);
        if let Err(e) = result {
            // A migration that read something back (an entity insert reads
            // the new row) and failed on the offline answer, no rows, is left
            // out with its reason; any other failure is the migration's own.
            let read_back = statements.iter().any(|l| matches!(l, Recorded::Query(_)))
                || matches!(e, DbErr::RecordNotFound(_) | DbErr::RecordNotInserted);
            if !read_back {
                return Err(OfflineError::Errored {
                    name: name.clone(),
                    source: e,
                });
            }
            let why = match &e {
                DbErr::RecordNotFound(_) | DbErr::RecordNotInserted => format!(
                    "it writes rows through entities (`ActiveModel::insert` and the like read the new row back: {e}), which an offline script cannot answer"
                ),
                _ => format!(
                    "it fails on what it reads back ({e}), which an offline script answers with no rows"
                ),
            };
            *assumed.lock().unwrap_or_else(|p| p.into_inner()) = before;
            out.push(MigrationSql {
                name: name.clone(),
                transactional: transactional(migration.as_ref(), backend),
                statements: Vec::new(),
                left_out: Some(why),
                checksum: None,
            });
            continue;
        }
        if refuse_rebuilds
            && backend == DbBackend::Sqlite
            && let Some(table) = statements.iter().find_map(rebuilt_table)
        {
            return Err(OfflineError::Failed {
                name: name.clone(),
                reason: format!(
                    "it rebuilds table {table}, and a rebuild reads the live table as it runs (its triggers, CHECK constraints, partial and expression indexes, AUTOINCREMENT counter, columns it was not generated with), which an offline script cannot: apply it with `autogen upgrade`, or preview it with `autogen upgrade --dry-run`"
                ),
            });
        }
        out.push(MigrationSql {
            name: name.clone(),
            transactional: transactional(migration.as_ref(), backend),
            statements,
            left_out: None,
            checksum: None,
        });
    }
    Ok(out)
}

/// The table a SQLite rebuild statement creates its new copy of, if it is one.
fn rebuilt_table(line: &Recorded) -> Option<String> {
    let Recorded::Execute(sql) = line else {
        return None;
    };
    let rest = sql.strip_prefix("CREATE TABLE \"_autogen_new_")?;
    Some(rest.split('"').next().unwrap_or_default().to_owned())
}

/// Record what one migration runs in `direction`, SQLite rebuilds included
/// (as they would start): for `autogen lint`, which reads the statements
/// and never runs them.
pub async fn record_one(
    backend: DbBackend,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<MigrationSql, OfflineError> {
    let assumed = share(Assumed::empty(
        "an empty database (lint reads statements only)",
    ));
    let (conn, log) = recording(backend, &assumed);
    let result = direction.run(migration, &SchemaManager::new(&conn)).await;
    result.map_err(|e| OfflineError::Errored {
        name: migration.name().to_owned(),
        source: e,
    })?;
    Ok(MigrationSql {
        name: migration.name().to_owned(),
        transactional: transactional(migration, backend),
        statements: take(&log),
        left_out: None,
        checksum: None,
    })
}
