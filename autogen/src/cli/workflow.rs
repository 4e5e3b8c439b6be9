//! `current`, `history`, `heads`, `upgrade`, `downgrade`, `stamp`, `merge`,
//! `reset`: the runtime commands. Status, planning, the lock and applying
//! are `autogen_runtime`'s, the very code `app` runs at boot; this file
//! decides, asks and prints. Every failure is checked before the lock is
//! taken or anything is written, and planned again under the lock (another
//! process may have moved the database meanwhile).

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

use anyhow::{anyhow, bail};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use sea_orm_migration::{MigratorTrait, SchemaManager};
use serde_json::json;

use super::{Context, Outcome, output};
use crate::config::{Backend, DatabaseUrl};
use crate::offline::{self, Recorded, Script};
use crate::runtime::{
    self, Applied, Direction, MigrationLock, RuntimeError, SquashState, Squashed, Status, Target,
};
use crate::workspace::{MigrationDir, Revision, WorkspaceError};

// ---------------------------------------------------------------- status

fn known_names<M: MigratorTrait>() -> Vec<String> {
    M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// The status of a database where nothing is applied.
fn empty_status<M: MigratorTrait + Squashed>() -> Status {
    Status {
        known: known_names::<M>(),
        applied: Vec::new(),
        squashed: M::squashed().iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// The status for commands that only look: a SQLite file that does not
/// exist yet is an empty database, and is not created by looking at it.
async fn read_only_status<M: MigratorTrait + Squashed>(
    url: &DatabaseUrl,
) -> anyhow::Result<Status> {
    if url.sqlite_path().is_some_and(|p| !p.exists()) {
        return Ok(empty_status::<M>());
    }
    let db = runtime::connect_within(url, super::CONNECT_TIMEOUT).await?;
    let status = runtime::read_status::<M>(&db).await;
    let _ = db.close().await;
    Ok(status?)
}

fn db_backend(backend: Backend) -> DbBackend {
    match backend {
        Backend::Postgres => DbBackend::Postgres,
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::MySql => DbBackend::MySql,
    }
}

/// `m... (head)` or `m... (2 pending)`, for the line after a command.
fn position(status: &Status) -> String {
    let current = status.current().unwrap_or("<base>");
    match status.pending().len() {
        0 => format!("{current} (head)"),
        n => format!(
            "{current} ({n} pending, head is {})",
            status.head().unwrap_or("<base>")
        ),
    }
}

// ----------------------------------------------------------------- graph

/// The migration files' headers; `None` when the migration crate is not
/// where it is expected (e.g. `autogen` run outside the workspace).
fn file_revisions(ctx: &Context) -> anyhow::Result<Option<Vec<Revision>>> {
    match MigrationDir::open(&ctx.migration_dir) {
        Ok(dir) => Ok(Some(dir.revisions()?)),
        Err(WorkspaceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Parent links of the compiled revisions: from the files' headers where
/// there is one, else the previous revision in the list (the apply order).
struct Graph {
    order: Vec<String>,
    parents: HashMap<String, Vec<String>>,
    headers: HashMap<String, Revision>,
}

impl Graph {
    fn new(known: &[String], files: Option<&[Revision]>) -> Self {
        let headers: HashMap<String, Revision> = files
            .unwrap_or_default()
            .iter()
            .map(|r| (r.name.clone(), r.clone()))
            .collect();
        let parents = known
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let parents = match headers.get(name) {
                    Some(r) => r.parents.clone(),
                    None => i
                        .checked_sub(1)
                        .map(|j| vec![known[j].clone()])
                        .unwrap_or_default(),
                };
                (name.clone(), parents)
            })
            .collect();
        Self {
            order: known.to_vec(),
            parents,
            headers,
        }
    }

    /// Revisions among `subset` that no other revision of `subset` names as parent.
    fn tips<'a>(&self, subset: &[&'a str]) -> Vec<&'a str> {
        let named: BTreeSet<&str> = subset
            .iter()
            .filter_map(|r| self.parents.get(*r))
            .flatten()
            .map(String::as_str)
            .collect();
        subset
            .iter()
            .copied()
            .filter(|r| !named.contains(r))
            .collect()
    }

    fn heads(&self) -> Vec<&str> {
        let all: Vec<&str> = self.order.iter().map(String::as_str).collect();
        self.tips(&all)
    }

    /// The revision(s) the database is at: the tips of what is applied.
    fn current<'a>(&self, status: &'a Status) -> Vec<&'a str> {
        let applied: Vec<&str> = status
            .known
            .iter()
            .filter(|k| status.is_applied(k))
            .map(String::as_str)
            .collect();
        self.tips(&applied)
    }
}

// --------------------------------------------------------- current, history, heads

pub async fn current<M: MigratorTrait + Squashed>(ctx: &Context) -> anyhow::Result<Outcome> {
    let url = ctx.url()?;
    let status = read_only_status::<M>(&url).await?;
    status.check_known()?;
    let files = file_revisions(ctx)?;
    let graph = Graph::new(&status.known, files.as_deref());
    let current = graph.current(&status);
    let heads = graph.heads();
    let pending = status.pending();
    let squash = match status.squash_state() {
        SquashState::AtSquashedHead { base, rows } => Some((base, rows)),
        _ => None,
    };
    if ctx.json {
        println!(
            "{}",
            json!({
                "database": url.redacted(),
                "backend": url.backend(),
                "current": current,
                "heads": heads,
                "at_head": pending.is_empty(),
                "applied": status.applied,
                "pending": pending,
                "squash_stamp_due": squash.as_ref().map(|(base, rows)| json!({ "base": base, "squashed_rows": rows })),
            })
        );
        return Ok(Outcome::Ok);
    }
    if current.is_empty() {
        println!(
            "<base> (empty database: {} migration(s) pending, head is {})",
            pending.len(),
            heads.join(", ")
        );
    }
    for rev in &current {
        if pending.is_empty() && heads.contains(rev) {
            println!("{rev} (head)");
        } else {
            println!(
                "{rev} ({} pending: run `autogen upgrade` to reach head {})",
                pending.len(),
                heads.join(", ")
            );
        }
    }
    if let Some((base, rows)) = squash {
        println!(
            "{} the database still records the {} squashed revision(s) up to {}: the next `autogen upgrade` records it as at {base} without running anything",
            output::yellow("note:"),
            rows.len(),
            rows.last().copied().unwrap_or_default()
        );
    }
    Ok(Outcome::Ok)
}

pub async fn history<M: MigratorTrait + Squashed>(
    ctx: &Context,
    verbose: bool,
) -> anyhow::Result<Outcome> {
    let url = ctx.url()?;
    let files = file_revisions(ctx)?;
    let known = known_names::<M>();
    let mut notes = Vec::new();
    if files.is_none() {
        notes.push(format!(
            "{} not found: listing the migrations compiled into this build, without messages and dates",
            ctx.migration_dir.display()
        ));
    }
    // History is about the code; the database only adds the marks, so an
    // unreachable one is a note, not a failure.
    let status = match read_only_status::<M>(&url).await {
        Ok(status) => {
            status.check_known()?;
            Some(status)
        }
        Err(e) => {
            notes.push(format!("{e}: applied/pending not shown"));
            None
        }
    };
    let graph = Graph::new(&known, files.as_deref());
    let heads = graph.heads();
    let current: Vec<&str> = status
        .as_ref()
        .map(|s| graph.current(s))
        .unwrap_or_default();
    let not_built: Vec<&Revision> = files
        .iter()
        .flatten()
        .filter(|r| !known.contains(&r.name))
        .collect();
    for r in &not_built {
        notes.push(format!(
            "{} is in {} but not in this build: rebuild autogen (`cargo run -p autogen -- history`)",
            r.name,
            ctx.migration_dir.display()
        ));
    }

    let entries: Vec<serde_json::Value> = known
        .iter()
        .map(|name| {
            let header = graph.headers.get(name);
            json!({
                "revision": name,
                "parents": graph.parents.get(name).cloned().unwrap_or_default(),
                "message": header.map(|h| h.message.as_str()),
                "created": header.map(|h| h.created.as_str()),
                "status": status.as_ref().map(|s| if s.is_applied(name) { "applied" } else { "pending" }),
                "head": heads.contains(&name.as_str()),
                "current": current.contains(&name.as_str()),
            })
        })
        .collect();
    if ctx.json {
        println!(
            "{}",
            json!({ "revisions": entries, "heads": heads, "notes": notes })
        );
        return Ok(Outcome::Ok);
    }
    for note in &notes {
        eprintln!("{} {note}", output::yellow("note:"));
    }
    for e in &entries {
        let name = e["revision"].as_str().unwrap_or_default();
        let parents: Vec<&str> = e["parents"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str()).collect())
            .unwrap_or_default();
        let parents = if parents.is_empty() {
            "<base>".to_owned()
        } else {
            parents.join(", ")
        };
        let mut flags = String::new();
        if e["head"] == true {
            flags.push_str(" (head)");
        }
        if e["current"] == true {
            flags.push_str(" (current)");
        }
        let mark = match e["status"].as_str() {
            Some("applied") => output::green("applied"),
            Some(_) => output::yellow("pending"),
            None => "?      ".to_owned(),
        };
        let message = e["message"].as_str().unwrap_or("");
        if verbose {
            println!("Rev: {name}{flags}");
            println!("Parent: {parents}");
            println!("Status: {mark}");
            if let Some(created) = e["created"].as_str().filter(|c| !c.is_empty()) {
                println!("Created: {created}");
            }
            if files.is_some() {
                println!(
                    "Path: {}",
                    ctx.migration_dir.join(format!("{name}.rs")).display()
                );
            }
            if !message.is_empty() {
                println!("\n    {message}");
            }
            println!();
        } else {
            let message = if message.is_empty() {
                String::new()
            } else {
                format!(", {message}")
            };
            let created = e["created"]
                .as_str()
                .filter(|c| !c.is_empty())
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            println!("{mark:7}  {parents} -> {name}{flags}{message}{created}");
        }
    }
    Ok(Outcome::Ok)
}

pub fn heads<M: MigratorTrait>(ctx: &Context) -> anyhow::Result<Outcome> {
    let (heads, note) = match MigrationDir::open(&ctx.migration_dir) {
        Ok(dir) => (dir.heads()?, None),
        Err(WorkspaceError::NotFound(_)) => (
            known_names::<M>().last().cloned().into_iter().collect(),
            Some(format!(
                "{} not found: the head of the migrations compiled into this build",
                ctx.migration_dir.display()
            )),
        ),
        Err(e) => return Err(e.into()),
    };
    if ctx.json {
        println!("{}", json!({ "heads": heads, "note": note }));
        return Ok(Outcome::Ok);
    }
    if let Some(note) = note {
        eprintln!("{} {note}", output::yellow("note:"));
    }
    for h in &heads {
        println!("{h} (head)");
    }
    if heads.len() > 1 {
        println!(
            "{} {} heads: run `autogen merge -m \"merge heads\"` to join them",
            output::yellow("note:"),
            heads.len()
        );
    }
    Ok(Outcome::Ok)
}

// ------------------------------------------------------------ planning

fn plan_up(status: &Status, target: &Target) -> anyhow::Result<Vec<String>> {
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

fn plan_down(status: &Status, target: &Target) -> anyhow::Result<Vec<String>> {
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

/// A failed migration's error, with what to do when it gave up waiting for a table.
/// Apply `steps` under the lock, with lock timeouts explained.
async fn apply<M: MigratorTrait>(
    conn: &DatabaseConnection,
    steps: &[String],
    direction: Direction,
    ctx: &Context,
) -> anyhow::Result<Vec<runtime::Applied>> {
    runtime::apply_steps::<M>(conn, steps, direction)
        .await
        .map_err(|e| explain(e, ctx))
}

fn explain(e: RuntimeError, ctx: &Context) -> anyhow::Error {
    let text = e.to_string();
    if text.contains("lock timeout") {
        anyhow!(
            "{text} (a table it needs stayed locked by other sessions for more than --lock-timeout = {} s: retry when it is free, or raise --lock-timeout)",
            ctx.lock_timeout.as_secs()
        )
    } else {
        e.into()
    }
}

fn print_applied(applied: &[Applied], verb: &str) {
    for a in applied {
        println!("{verb} {} ({} ms)", a.name, a.millis);
    }
}

/// Under the lock: record a database at a squashed head as at the squash base.
async fn stamp_squash_if_due<M: MigratorTrait + Squashed>(
    conn: &DatabaseConnection,
    status: Status,
    ctx: &Context,
) -> anyhow::Result<(Status, usize)> {
    let stamped = runtime::stamp_squashed(conn, &status).await?;
    if stamped == 0 {
        return Ok((status, 0));
    }
    let status = runtime::read_status::<M>(conn).await?;
    if !ctx.json {
        println!(
            "Stamped {} (squash of {stamped} migrations): the database was at the squashed head, nothing was run",
            status.known.first().map(String::as_str).unwrap_or_default()
        );
    }
    Ok((status, stamped))
}

/// Take the migration lock and a migration session, run `work`, release both.
async fn locked<T, F>(
    ctx: &Context,
    url: &DatabaseUrl,
    db: &DatabaseConnection,
    work: F,
) -> anyhow::Result<T>
where
    F: AsyncFnOnce(&DatabaseConnection) -> anyhow::Result<T>,
{
    let lock = MigrationLock::acquire(url, ctx.lock_timeout).await?;
    let result = async {
        let conn = runtime::connect_for_migrations(db, url, ctx.lock_timeout).await?;
        let result = work(&conn).await;
        conn.close().await;
        result
    }
    .await;
    lock.release().await;
    result
}

// --------------------------------------------------------------- upgrade

pub async fn upgrade<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &str,
    sql: bool,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    if sql && dry_run {
        bail!(
            "--sql and --dry-run exclude each other: --sql prints the SQL without running it, --dry-run runs it and rolls back"
        );
    }
    let target = Target::parse(target);
    if sql {
        return upgrade_sql::<M>(ctx, &target).await;
    }
    let (url, db) = ctx.connect().await?;
    let result = async {
        let status = runtime::read_status::<M>(&db).await?;
        status.check_known()?;
        let steps = plan_up(&status, &target)?;
        if dry_run {
            return dry_run_up::<M>(ctx, &url, &db, &status, &steps).await;
        }
        if steps.is_empty() && !status.squash_due() {
            nothing_to_upgrade(ctx, &status);
            return Ok(Outcome::Ok);
        }
        locked(ctx, &url, &db, async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            let (status, squash_stamped) = stamp_squash_if_due::<M>(conn, status, ctx).await?;
            let steps = runtime::plan_upgrade(&status, Some(&target))?;
            if steps.is_empty() {
                nothing_to_upgrade(ctx, &status);
                return Ok(Outcome::Ok);
            }
            let applied = apply::<M>(conn, &steps, Direction::Up, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "applied": applied, "current": status.current(), "at_head": status.at_head(), "squash_stamped": squash_stamped })
                );
            } else {
                print_applied(&applied, "Applied");
                println!("Database at {}", position(&status));
            }
            Ok(Outcome::Ok)
        })
        .await
    }
    .await;
    db.close().await?;
    result
}

fn nothing_to_upgrade(ctx: &Context, status: &Status) {
    if ctx.json {
        println!(
            "{}",
            json!({ "applied": [], "current": status.current(), "at_head": status.at_head() })
        );
    } else {
        println!(
            "Nothing to upgrade: the database is at {}",
            position(status)
        );
    }
}

/// `upgrade --dry-run`: the pending migrations run in one transaction that
/// is rolled back, with their statements and timings reported.
async fn dry_run_up<M: MigratorTrait + Squashed>(
    ctx: &Context,
    url: &DatabaseUrl,
    db: &DatabaseConnection,
    status: &Status,
    steps: &[String],
) -> anyhow::Result<Outcome> {
    if steps.is_empty() {
        nothing_to_upgrade(ctx, status);
        return Ok(Outcome::Ok);
    }
    let backend = db.get_database_backend();
    if backend == DbBackend::MySql {
        bail!(
            "--dry-run needs transactional DDL, and MySQL/MariaDB commits every DDL statement: review the SQL with `autogen upgrade --sql` instead"
        );
    }
    let migrations = M::migrations();
    let selected: Vec<_> = steps
        .iter()
        .map(|name| {
            migrations
                .iter()
                .find(|m| m.name() == name)
                .ok_or_else(|| RuntimeError::UnknownRevision(name.clone()))
        })
        .collect::<Result<_, _>>()?;
    if let Some(m) = selected
        .iter()
        .find(|m| !offline::transactional(m.as_ref(), backend))
    {
        bail!(
            "{} runs outside a transaction (use_transaction() is Some(false)), so a dry run could not roll it back: review it with `autogen upgrade --sql`",
            m.name()
        );
    }
    let recorded = offline::record::<M>(backend, steps, Direction::Up).await?;
    let (timings, failure) = locked(ctx, url, db, async |conn: &DatabaseConnection| {
        let sqlite = backend == DbBackend::Sqlite;
        if sqlite {
            // As the runtime applies SQLite migrations (see autogen_runtime::sqlite).
            conn.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
        }
        let txn = conn.begin().await?;
        let mut timings = Vec::new();
        let mut failure = None;
        for m in &selected {
            let started = Instant::now();
            let manager = SchemaManager::new(&txn);
            match m.up(&manager).await {
                Ok(()) => timings.push(started.elapsed().as_millis()),
                Err(e) => {
                    failure = Some((m.name().to_owned(), one_line(&e.to_string())));
                    break;
                }
            }
        }
        if failure.is_none() && sqlite {
            let rows = txn
                .query_all_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA foreign_key_check",
                ))
                .await?;
            if !rows.is_empty() {
                failure = Some((
                    steps.last().cloned().unwrap_or_default(),
                    format!(
                        "{} foreign key violation(s) after the migrations",
                        rows.len()
                    ),
                ));
            }
        }
        txn.rollback().await?;
        if sqlite {
            conn.execute_unprepared("PRAGMA foreign_keys = ON").await?;
        }
        Ok((timings, failure))
    })
    .await?;

    if ctx.json {
        let report: Vec<_> = recorded
            .iter()
            .zip(timings.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(m, ms)| json!({ "revision": m.name, "millis": ms, "statements": m.statements }))
            .collect();
        println!(
            "{}",
            json!({ "dry_run": report, "failed": failure.as_ref().map(|(n, r)| json!({ "revision": n, "reason": r })), "rolled_back": true })
        );
    } else {
        for (i, m) in recorded.iter().enumerate() {
            match timings.get(i) {
                Some(ms) => println!("{} ({ms} ms)", output::bold(&m.name)),
                None => match &failure {
                    Some((name, reason)) if *name == m.name => {
                        println!(
                            "{} {}",
                            output::bold(&m.name),
                            output::red(&format!("FAILED: {reason}"))
                        )
                    }
                    _ => println!("{} (not run)", output::bold(&m.name)),
                },
            }
            for s in &m.statements {
                match s {
                    Recorded::Execute(sql) => {
                        println!("    {};", sql.trim_end().trim_end_matches(';'))
                    }
                    Recorded::Query(sql) => println!("    -- reads: {}", one_line(sql)),
                }
            }
        }
        let total: u128 = timings.iter().sum();
        println!(
            "Dry run: {} of {} migration(s) ran in {total} ms inside one transaction, which was rolled back: the database is unchanged",
            timings.len(),
            recorded.len()
        );
    }
    match failure {
        Some((name, reason)) => {
            bail!("dry run: migration {name} fails: {reason} (rolled back, nothing was changed)")
        }
        None => Ok(Outcome::Ok),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ------------------------------------------------------------ offline SQL

/// The database's status for `--sql`: read when the database can be
/// reached, else assumed (offline mode), with a note that says which.
async fn status_for_sql<M: MigratorTrait + Squashed>(
    url: &DatabaseUrl,
    assume_head: bool,
) -> (Status, Option<String>) {
    let assumed = || {
        let mut status = empty_status::<M>();
        if assume_head {
            status.applied = status.known.clone();
        }
        status
    };
    let assumption = if assume_head { "at head" } else { "empty" };
    if let Some(path) = url.sqlite_path().filter(|p| !p.exists()) {
        return (
            assumed(),
            Some(format!(
                "{} does not exist: assuming the database is {assumption}",
                path.display()
            )),
        );
    }
    match read_only_status::<M>(url).await {
        Ok(status) => (status, None),
        Err(e) => (
            assumed(),
            Some(format!(
                "offline ({}): assuming the database is {assumption}",
                one_line(&e.to_string())
            )),
        ),
    }
}

fn squash_prelude(status: &Status, backend: DbBackend) -> Vec<String> {
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

async fn upgrade_sql<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &Target,
) -> anyhow::Result<Outcome> {
    let url = ctx.url()?;
    let backend = db_backend(url.backend());
    let (status, note) = status_for_sql::<M>(&url, false).await;
    status.check_known()?;
    let steps = plan_up(&status, target)?;
    let install = offline::install_sql::<M>(backend).await?;
    let migrations = offline::record::<M>(backend, &steps, Direction::Up).await?;
    let mut notes = vec![
        format!(
            "autogen upgrade --sql ({}): {} migration(s), from {} to {}",
            url.backend(),
            steps.len(),
            status.current().unwrap_or("<base>"),
            steps.last().map(String::as_str).or(status.current()).unwrap_or("<base>")
        ),
        match backend {
            DbBackend::Postgres => "Offline SQL: nothing was run. Apply it with e.g. `psql -v ON_ERROR_STOP=1 -f FILE`.",
            DbBackend::Sqlite => "Offline SQL: nothing was run. Apply it with e.g. `sqlite3 -bail DB < FILE`.",
            _ => "Offline SQL: nothing was run.",
        }
        .to_owned(),
    ];
    if steps.is_empty() {
        notes.push("The database is at the target already: no migration to apply.".to_owned());
    }
    notes.extend(note);
    print!(
        "{}",
        offline::render(&Script {
            backend,
            direction: Direction::Up,
            notes: &notes,
            install: &install,
            prelude: &squash_prelude(&status, backend),
            migrations: &migrations,
        })
    );
    Ok(Outcome::Ok)
}

async fn downgrade_sql<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &Target,
) -> anyhow::Result<Outcome> {
    let url = ctx.url()?;
    let backend = db_backend(url.backend());
    let (status, note) = status_for_sql::<M>(&url, true).await;
    status.check_known()?;
    let steps = plan_down(&status, target)?;
    let migrations = offline::record::<M>(backend, &steps, Direction::Down).await?;
    let after = status
        .known
        .iter()
        .rev()
        .find(|k| status.is_applied(k) && !steps.contains(k))
        .map(String::as_str)
        .unwrap_or("<base>");
    let mut notes = vec![
        format!(
            "autogen downgrade --sql ({}): {} migration(s) rolled back, from {} to {after}",
            url.backend(),
            steps.len(),
            status.current().unwrap_or("<base>"),
        ),
        "Offline SQL: nothing was run. Rolling back drops what the migrations created, with its data.".to_owned(),
    ];
    notes.extend(note);
    print!(
        "{}",
        offline::render(&Script {
            backend,
            direction: Direction::Down,
            notes: &notes,
            install: &[],
            prelude: &squash_prelude(&status, backend),
            migrations: &migrations,
        })
    );
    Ok(Outcome::Ok)
}

// ------------------------------------------------------------- downgrade

/// Rolling back runs the derived `down()`s, which drop what the migrations
/// created: ask on a terminal, demand `--yes` elsewhere (never wait for input).
fn confirm(steps: &[String], yes: bool, json: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let what = format!("{} migration(s) ({})", steps.len(), steps.join(", "));
    if json || !std::io::stdin().is_terminal() {
        bail!(
            "refusing to roll back {what} without confirmation: it may drop tables or columns and their data; pass --yes to confirm"
        );
    }
    print!("Roll back {what}? This may drop tables/columns and their data [y/N] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        bail!("cancelled: nothing was rolled back")
    }
}

pub async fn downgrade<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &str,
    sql: bool,
    yes: bool,
) -> anyhow::Result<Outcome> {
    let target = Target::parse(target);
    if sql {
        return downgrade_sql::<M>(ctx, &target).await;
    }
    let (url, db) = ctx.connect().await?;
    let result = async {
        let status = runtime::read_status::<M>(&db).await?;
        status.check_known()?;
        let steps = plan_down(&status, &target)?;
        if steps.is_empty() {
            nothing_to_downgrade(ctx, &status);
            return Ok(Outcome::Ok);
        }
        confirm(&steps, yes, ctx.json)?;
        locked(ctx, &url, &db, async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            // Validate against the database as it is now, before any write.
            runtime::plan_downgrade(&status, &target)?;
            let (status, _) = stamp_squash_if_due::<M>(conn, status, ctx).await?;
            let steps = runtime::plan_downgrade(&status, &target)?;
            if steps.is_empty() {
                nothing_to_downgrade(ctx, &status);
                return Ok(Outcome::Ok);
            }
            let rolled_back = apply::<M>(conn, &steps, Direction::Down, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "rolled_back": rolled_back, "current": status.current(), "at_head": status.at_head() })
                );
            } else {
                print_applied(&rolled_back, "Rolled back");
                println!("Database at {}", position(&status));
            }
            Ok(Outcome::Ok)
        })
        .await
    }
    .await;
    db.close().await?;
    result
}

fn nothing_to_downgrade(ctx: &Context, status: &Status) {
    if ctx.json {
        println!(
            "{}",
            json!({ "rolled_back": [], "current": status.current() })
        );
    } else {
        println!(
            "Nothing to roll back: the database is at {}",
            position(status)
        );
    }
}

// ----------------------------------------------------------- stamp, reset

pub async fn stamp<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &str,
) -> anyhow::Result<Outcome> {
    let target = Target::parse(target);
    let (url, db) = ctx.connect().await?;
    let result = async {
        // No check_known here: stamping is how a database with unknown
        // revisions recorded is adopted.
        let status = runtime::read_status::<M>(&db).await?;
        if let Target::Revision(rev) = &target {
            runtime::resolve(&status, rev)?;
        }
        locked(ctx, &url, &db, async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            let stamped = runtime::stamp::<M>(conn, &status, &target).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!("{}", json!({ "stamped": stamped, "current": status.current(), "at_head": status.at_head() }));
            } else {
                println!(
                    "Stamped the database at {} without running any migration ({} revision(s) recorded)",
                    position(&status),
                    stamped.len()
                );
            }
            Ok(Outcome::Ok)
        })
        .await
    }
    .await;
    db.close().await?;
    result
}

pub async fn reset<M: MigratorTrait + Squashed>(
    ctx: &Context,
    yes: bool,
) -> anyhow::Result<Outcome> {
    if !yes {
        bail!(
            "reset rolls back every migration (dropping what they created, with its data) and applies them again: pass --yes to confirm"
        );
    }
    let (url, db) = ctx.connect().await?;
    let result = async {
        let status = runtime::read_status::<M>(&db).await?;
        status.check_known()?;
        locked(ctx, &url, &db, async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            let (status, _) = stamp_squash_if_due::<M>(conn, status, ctx).await?;
            let down = runtime::plan_downgrade(&status, &Target::Base)?;
            let rolled_back = apply::<M>(conn, &down, Direction::Down, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            let up = runtime::plan_upgrade(&status, None)?;
            let applied = apply::<M>(conn, &up, Direction::Up, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "rolled_back": rolled_back, "applied": applied, "current": status.current(), "at_head": status.at_head() })
                );
            } else {
                print_applied(&rolled_back, "Rolled back");
                print_applied(&applied, "Applied");
                println!("Database reset, at {}", position(&status));
            }
            Ok(Outcome::Ok)
        })
        .await
    }
    .await;
    db.close().await?;
    result
}

// ------------------------------------------------------------------ merge

pub fn merge(ctx: &Context, message: &str) -> anyhow::Result<Outcome> {
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    let heads = dir.heads()?;
    match heads.len() {
        0 => bail!("nothing to merge: there are no migrations"),
        1 => bail!(
            "nothing to merge: the migrations have one head ({})",
            heads[0]
        ),
        _ => {}
    }
    let now = chrono::Utc::now();
    let name = dir.new_name(message, now)?;
    let origin = format!(
        "Merges the heads {}: no schema change of its own, it joins the branches so that the revision graph has one head again.",
        heads.join(" and ")
    );
    let source = super::generate::render_without_steps(&name, &heads, message, now, &origin)?
        .replace(
            "// Hand-written changes go here.",
            "// Nothing to do: this migration only merges heads.",
        )
        .replace(
            "// Undo the changes of up() here.",
            "// Nothing to undo: this migration only merges heads.",
        );
    let written = dir.add(&name, &source)?;
    if ctx.json {
        println!(
            "{}",
            json!({ "revision": name, "file": written[0].path, "parents": heads })
        );
    } else {
        println!(
            "Generated {} (merge of {})",
            written[0].path.display(),
            heads.join(", ")
        );
        output::diffs(&written);
    }
    Ok(Outcome::Ok)
}
