//! Where the database is, for the runtime commands: its status read without
//! changing anything (or assumed, offline), the revision graph of this
//! build, the position line they print, and plans checked for `+N`/`-N`.

use std::collections::HashMap;

use anyhow::bail;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DbBackend;

use super::Context;
use crate::config::DatabaseUrl;
use crate::offline;
use crate::revision::RevisionGraph;
use crate::runtime::{self, SquashState, Squashed, Status, Target};
use crate::workspace::{MigrationDir, Revision, WorkspaceError};

pub fn known_names<M: MigratorTrait>() -> Vec<String> {
    M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// The status of a database where nothing is applied (also to resolve
/// names without a database).
pub fn empty_status<M: MigratorTrait + Squashed>() -> Status {
    Status {
        known: known_names::<M>(),
        applied: Vec::new(),
        squashed: M::squashed().iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// The status for commands that only look: a SQLite file that does not
/// exist yet is an empty database, and is not created by looking at it.
pub async fn read_only_status<M: MigratorTrait + Squashed>(
    url: &DatabaseUrl,
) -> anyhow::Result<Status> {
    if url.sqlite_path().is_some_and(|p| !p.exists()) {
        // A file that does not exist yet is an empty database, but only
        // where it can be created: `upgrade` would fail on a missing directory.
        url.check_sqlite_dir()?;
        return Ok(empty_status::<M>());
    }
    let db = runtime::connect_within(url, super::CONNECT_TIMEOUT).await?;
    let status = runtime::read_status::<M>(&db).await;
    let _ = db.close().await;
    Ok(status?)
}

/// For `--sql`: the statements that record a database at a squashed head
/// as at the squash base, as `upgrade` would before anything else.
pub fn squash_prelude(status: &Status, backend: DbBackend) -> Vec<String> {
    match status.squash_state() {
        SquashState::AtSquashedHead { base, rows } => offline::squash_bookkeeping(
            backend,
            &rows,
            base,
            status.applied.iter().any(|a| a == base),
        ),
        _ => Vec::new(),
    }
}

/// `m... (head)` or `m... (2 pending)`, for the line after a command.
pub fn position(status: &Status) -> String {
    let current = status.current().unwrap_or("<base>");
    match status.pending().len() {
        0 => format!("{current} (head)"),
        n => format!(
            "{current} ({n} pending, head is {})",
            status.head().unwrap_or("<base>")
        ),
    }
}

pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ----------------------------------------------------------------- graph

/// The migration files' headers; `None` when the migration crate is not
/// where it is expected (e.g. `autogen` run outside the workspace).
pub fn file_revisions(ctx: &Context) -> anyhow::Result<Option<Vec<Revision>>> {
    match MigrationDir::open(&ctx.migration_dir) {
        Ok(dir) => Ok(Some(dir.revisions()?)),
        Err(WorkspaceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The graph of the compiled revisions: parent links from the files'
/// headers where there is one, else the previous revision in the list (the
/// apply order).
pub fn compiled_graph(known: &[String], files: Option<&[Revision]>) -> RevisionGraph {
    let headers: HashMap<&str, &Revision> = files
        .unwrap_or_default()
        .iter()
        .map(|r| (r.name.as_str(), r))
        .collect();
    RevisionGraph::new(known.iter().map(|name| {
        let parents = headers.get(name.as_str()).map(|r| r.parents.clone());
        (name.clone(), parents)
    }))
}

/// The revision(s) the database is at: the tips of what is applied.
pub fn current<'a>(graph: &RevisionGraph, status: &'a Status) -> Vec<&'a str> {
    let applied: Vec<&str> = status
        .known
        .iter()
        .filter(|k| status.is_applied(k))
        .map(String::as_str)
        .collect();
    graph.tips(&applied)
}

// -------------------------------------------------------------- planning

pub fn plan_up(status: &Status, target: &Target) -> anyhow::Result<Vec<String>> {
    let steps = runtime::plan_upgrade(status, Some(target))?;
    if let Target::Relative(n) = target
        && (*n as usize) > steps.len()
    {
        bail!(
            "cannot upgrade +{n}: only {} migration(s) are pending (the database is at {})",
            steps.len(),
            position(status)
        );
    }
    Ok(steps)
}

pub fn plan_down(status: &Status, target: &Target) -> anyhow::Result<Vec<String>> {
    let steps = runtime::plan_downgrade(status, target)?;
    if let Target::Relative(n) = target
        && n.unsigned_abs() as usize > steps.len()
    {
        bail!(
            "cannot downgrade {n}: only {} migration(s) are applied (the database is at {})",
            steps.len(),
            status.current().unwrap_or("<base>")
        );
    }
    Ok(steps)
}
