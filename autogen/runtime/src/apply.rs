//! Applying and rolling back migrations, one transaction each where the
//! backend allows, and moving the bookkeeping without running anything (stamp).

use std::time::Instant;

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_orm_migration::sea_query::Query;
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};

use crate::config::Backend;
pub use crate::direction::Direction;
use crate::error::{Cause, DbErrorKind};
use crate::flavour::{Flavour, LockKind};
use crate::status::MIGRATION_TABLE;
use crate::{RuntimeError, Status};
use crate::{bookkeeping, sqlite};

/// A revision target as users write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Head,
    Base,
    /// `+N` (upgrade) or `-N` (downgrade).
    Relative(i64),
    Revision(String),
}

impl Target {
    pub fn parse(s: &str) -> Self {
        match s {
            "head" | "heads" => Self::Head,
            "base" => Self::Base,
            _ => match s.parse::<i64>() {
                Ok(n) if s.starts_with('+') || s.starts_with('-') => Self::Relative(n),
                _ => Self::Revision(s.to_owned()),
            },
        }
    }
}

/// One migration applied or rolled back, and how long it took.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Applied {
    pub name: String,
    pub millis: u128,
}

/// Find a revision by its full name or a unique prefix (as Alembic does).
pub fn resolve<'a>(status: &'a Status, rev: &str) -> Result<&'a str, RuntimeError> {
    if let Some(exact) = status.known.iter().find(|k| *k == rev) {
        return Ok(exact);
    }
    let matches: Vec<&String> = status.known.iter().filter(|k| k.starts_with(rev)).collect();
    match matches.as_slice() {
        [one] if !rev.is_empty() => Ok(one),
        [_, _, ..] if !rev.is_empty() => Err(RuntimeError::AmbiguousRevision {
            prefix: rev.to_owned(),
            matches: matches
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        _ => Err(RuntimeError::UnknownRevision(rev.to_owned())),
    }
}

fn position(status: &Status, name: &str) -> usize {
    status.known.iter().position(|k| k == name).unwrap_or(0)
}

/// The revisions `upgrade <target>` applies, in order.
pub fn plan_upgrade(status: &Status, target: Option<&Target>) -> Result<Vec<String>, RuntimeError> {
    let pending: Vec<String> = status.pending().into_iter().map(str::to_owned).collect();
    match target.unwrap_or(&Target::Head) {
        Target::Head => Ok(pending),
        Target::Base => Err(RuntimeError::TargetBehind {
            target: "base".into(),
            current: status.current().unwrap_or("base").into(),
        }),
        Target::Relative(n) if *n >= 0 => Ok(pending.into_iter().take(*n as usize).collect()),
        Target::Relative(n) => Err(RuntimeError::TargetBehind {
            target: n.to_string(),
            current: status.current().unwrap_or("base").into(),
        }),
        Target::Revision(rev) => {
            let rev = resolve(status, rev)?;
            let idx = position(status, rev);
            let current = status.current();
            if status.is_applied(rev) && current.is_some_and(|c| position(status, c) > idx) {
                return Err(RuntimeError::TargetBehind {
                    target: rev.into(),
                    current: current.unwrap_or("base").into(),
                });
            }
            Ok(pending
                .into_iter()
                .filter(|p| position(status, p) <= idx)
                .collect())
        }
    }
}

/// The revisions `downgrade <target>` rolls back, newest first.
pub fn plan_downgrade(status: &Status, target: &Target) -> Result<Vec<String>, RuntimeError> {
    let applied: Vec<String> = status
        .known
        .iter()
        .filter(|k| status.is_applied(k))
        .rev()
        .cloned()
        .collect();
    match target {
        Target::Base => Ok(applied),
        Target::Relative(n) if *n <= 0 => Ok(applied
            .into_iter()
            .take(n.unsigned_abs() as usize)
            .collect()),
        Target::Head | Target::Relative(_) => Err(RuntimeError::TargetAhead {
            target: "head".into(),
            current: status.current().unwrap_or("base").into(),
        }),
        Target::Revision(rev) => {
            let rev = resolve(status, rev)?;
            if !status.is_applied(rev) {
                return Err(RuntimeError::TargetAhead {
                    target: rev.into(),
                    current: status.current().unwrap_or("base").into(),
                });
            }
            let idx = position(status, rev);
            Ok(applied
                .into_iter()
                .filter(|a| position(status, a) > idx)
                .collect())
        }
    }
}

/// Apply (or roll back) the named migrations in the given order, each with
/// its bookkeeping row in one transaction where the flavour allows (not on
/// MySQL, whose DDL commits implicitly, nor for a migration that opts out with
/// `use_transaction() == Some(false)`). Stops at the first failure, which
/// leaves the database at the previous revision.
///
/// Where the migration lock is transaction-scoped (behind a transaction
/// pooler, [`LockKind::TransactionAdvisory`]) it is taken here, inside each
/// migration's transaction, and the bookkeeping is read again under it: a
/// migration another process applied meanwhile is skipped. Migrations that
/// cannot run in a transaction are refused there before anything runs.
pub async fn apply_steps<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    direction: Direction,
) -> Result<Vec<Applied>, RuntimeError> {
    let flavour = crate::flavour::for_connection(db).await?;
    if !flavour.caps.writable {
        return Err(RuntimeError::ReadOnly {
            url: "this connection".into(),
            flavour: flavour.describe.to_owned(),
        });
    }
    let per_txn = (flavour.caps.lock == LockKind::TransactionAdvisory).then(|| TxnLock {
        wait: crate::flavour::lock_timeout_of(db).unwrap_or(crate::DEFAULT_LOCK_TIMEOUT),
    });
    if let Some(lock) = &per_txn {
        refuse_sessionless::<M>(flavour, names)?;
        // Two processes creating the bookkeeping tables at once collide in
        // the catalog (`pg_type_typname_nsp_index`): one at a time.
        let txn = db.begin().await?;
        lock.take(&txn).await?;
        M::install(&txn).await?;
        crate::checksum::install(&txn).await?;
        txn.commit().await?;
    } else {
        M::install(db).await?;
        crate::checksum::install(db).await?;
    }
    if direction == Direction::Down
        && !flavour.caps.transactional_ddl
        && let Some((name, ran)) = crate::progress::unfinished(db).await?.into_iter().next()
    {
        // Rolling back earlier migrations under a half-applied one would
        // leave its statements behind with nothing recording them.
        return Err(RuntimeError::Unfinished { name, ran });
    }
    let migrations = M::migrations();
    let mut done = Vec::new();
    let mut previous = match direction {
        Direction::Up => {
            let status = crate::status::read_status_unsquashed::<M>(db).await?;
            status.current().unwrap_or("base").to_owned()
        }
        Direction::Down => names.first().cloned().unwrap_or_default(),
    };
    for (i, name) in names.iter().enumerate() {
        let migration = migrations
            .iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| RuntimeError::UnknownRevision(name.clone()))?;
        crate::capacity::check(db, migration.as_ref(), direction).await?;
        crate::flavour::wait_for_replay(db, flavour, &previous, name).await?;
        let started = Instant::now();
        if !flavour.caps.transactional_ddl
            && !flavour.transactional(migration.as_ref())
            && crate::progress::can_track()
        {
            // Statement by statement, resumable (see `progress`).
            crate::progress::run_tracked(db, migration.as_ref(), direction)
                .await
                .map_err(|f| {
                    if f.ran.is_empty() {
                        RuntimeError::MigrationFailed {
                            name: name.clone(),
                            previous: previous.clone(),
                            reason: f.reason,
                        }
                    } else {
                        RuntimeError::PartlyApplied {
                            name: name.clone(),
                            previous: previous.clone(),
                            reason: f.reason,
                            ran: f.ran,
                        }
                    }
                })?;
            record(db, migration.as_ref(), direction)
                .await
                .map_err(|e| RuntimeError::MigrationFailed {
                    name: name.clone(),
                    previous: previous.clone(),
                    reason: Cause::from(e),
                })?;
        } else {
            let ran = run_retrying(db, flavour, migration.as_ref(), direction, per_txn)
                .await
                .map_err(|reason| RuntimeError::MigrationFailed {
                    name: name.clone(),
                    previous: previous.clone(),
                    reason,
                })?;
            if !ran {
                tracing::info!(
                    "Migration {name} was {} by another process meanwhile: skipped",
                    match direction {
                        Direction::Up => "applied",
                        Direction::Down => "rolled back",
                    }
                );
                previous = match direction {
                    Direction::Up => name.clone(),
                    Direction::Down => names.get(i + 1).cloned().unwrap_or_else(|| "base".into()),
                };
                continue;
            }
        }
        let millis = started.elapsed().as_millis();
        match direction {
            Direction::Up => tracing::info!("Applied migration {name} ({millis} ms)"),
            Direction::Down => tracing::info!("Rolled back migration {name} ({millis} ms)"),
        }
        done.push(Applied {
            name: name.clone(),
            millis,
        });
        previous = match direction {
            Direction::Up => name.clone(),
            Direction::Down => names.get(i + 1).cloned().unwrap_or_else(|| "base".into()),
        };
    }
    Ok(done)
}

/// Why a run of migrations cannot be applied in one transaction here, on
/// one line (`None`: it can, or it is a single migration, which is one
/// transaction anyway where the backend allows). See [`apply_steps_whole`].
pub async fn why_not_whole<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    direction: Direction,
) -> Result<Option<String>, RuntimeError> {
    if names.len() < 2 {
        return Ok(None);
    }
    let flavour = crate::flavour::for_connection(db).await?;
    if !flavour.caps.transactional_ddl {
        return Ok(Some("the backend has no transactional DDL".into()));
    }
    let migrations = M::migrations();
    let run: Vec<&dyn MigrationTrait> = names
        .iter()
        .filter_map(|n| migrations.iter().find(|m| m.name() == n))
        .map(|m| m.as_ref())
        .collect();
    if let Some(m) = run.iter().find(|m| !flavour.transactional(**m)) {
        return Ok(Some(format!(
            "migration {} runs outside a transaction (online, or use_transaction() is false)",
            m.name()
        )));
    }
    if flavour.dialect == Backend::Postgres {
        let mut need = 0;
        for m in &run {
            need += crate::capacity::need(db, *m, direction)
                .await
                .map_or(0, |(locks, _)| locks);
        }
        if let Ok(table) = crate::capacity::LockTable::read(db).await {
            let free = table.capacity().saturating_sub(table.in_use);
            if need > free {
                return Ok(Some(format!(
                    "together they take about {need} locks, more than the {free} free in the server's lock table (max_locks_per_transaction)"
                )));
            }
        }
    }
    Ok(None)
}

/// What [`apply_steps_whole`] did.
#[derive(Clone, Debug, Default)]
pub struct WholeRun {
    pub applied: Vec<Applied>,
    /// `None`: the run was one transaction, all or nothing. Otherwise why
    /// it was applied one migration at a time ([`why_not_whole`]), so that
    /// a failure keeps the migrations before it.
    pub split: Option<String>,
}

/// Apply (or roll back) the named migrations all in one transaction,
/// their bookkeeping and checksum rows inside it, where the backend has
/// transactional DDL (PostgreSQL, SQLite) and each of them can run in a
/// transaction: a failure rolls the whole run back, leaving the database at
/// the revision it started from. Otherwise (MySQL/MariaDB, an online
/// migration, a run too big for the lock table) it is [`apply_steps`], one
/// migration at a time, and [`WholeRun::split`] says why.
pub async fn apply_steps_whole<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    direction: Direction,
) -> Result<WholeRun, RuntimeError> {
    if names.len() < 2 {
        let applied = apply_steps::<M>(db, names, direction).await?;
        return Ok(WholeRun {
            applied,
            split: None,
        });
    }
    if let Some(why) = why_not_whole::<M>(db, names, direction).await? {
        let applied = apply_steps::<M>(db, names, direction).await?;
        return Ok(WholeRun {
            applied,
            split: Some(why),
        });
    }
    let flavour = crate::flavour::for_connection(db).await?;
    if !flavour.caps.writable {
        return Err(RuntimeError::ReadOnly {
            url: "this connection".into(),
            flavour: flavour.describe.to_owned(),
        });
    }
    let per_txn = (flavour.caps.lock == LockKind::TransactionAdvisory).then(|| TxnLock {
        wait: crate::flavour::lock_timeout_of(db).unwrap_or(crate::DEFAULT_LOCK_TIMEOUT),
    });
    if let Some(lock) = &per_txn {
        let txn = db.begin().await?;
        lock.take(&txn).await?;
        M::install(&txn).await?;
        crate::checksum::install(&txn).await?;
        txn.commit().await?;
    } else {
        M::install(db).await?;
        crate::checksum::install(db).await?;
    }
    let start = match direction {
        Direction::Up => {
            let status = crate::status::read_status_unsquashed::<M>(db).await?;
            status.current().unwrap_or("base").to_owned()
        }
        Direction::Down => names.first().cloned().unwrap_or_default(),
    };
    let migrations = M::migrations();
    let run: Vec<&dyn MigrationTrait> = names
        .iter()
        .map(|n| {
            migrations
                .iter()
                .find(|m| m.name() == n)
                .map(|m| m.as_ref())
                .ok_or_else(|| RuntimeError::UnknownRevision(n.clone()))
        })
        .collect::<Result<_, _>>()?;
    let sqlite = flavour.dialect == Backend::Sqlite;
    if sqlite {
        // As `run_one`: foreign keys judged per migration, at its end.
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    let result = whole_transaction(db, &run, direction, per_txn, sqlite).await;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    match result {
        Ok(applied) => {
            for a in &applied {
                match direction {
                    Direction::Up => {
                        tracing::info!("Applied migration {} ({} ms)", a.name, a.millis)
                    }
                    Direction::Down => {
                        tracing::info!("Rolled back migration {} ({} ms)", a.name, a.millis)
                    }
                }
            }
            Ok(WholeRun {
                applied,
                split: None,
            })
        }
        Err((name, done, reason)) => Err(RuntimeError::MigrationFailed {
            name,
            previous: start,
            reason: if done == 0 {
                reason
            } else {
                Cause::Said(format!(
                    "{reason} (the {done} migration(s) before it in this run, in the same transaction, were rolled back with it)"
                ))
            },
        }),
    }
}

/// The body of [`apply_steps_whole`]: one transaction; on failure the
/// failed migration's name, how many ran before it, and the reason.
async fn whole_transaction(
    db: &DatabaseConnection,
    run: &[&dyn MigrationTrait],
    direction: Direction,
    per_txn: Option<TxnLock>,
    sqlite: bool,
) -> Result<Vec<Applied>, (String, usize, Cause)> {
    let first = run.first().map(|m| m.name().to_owned()).unwrap_or_default();
    let at_start = |e: Failed| (first.clone(), 0, e.reason);
    let txn = db.begin().await.map_err(|e| at_start(e.into()))?;
    let mut applied = Vec::new();
    let mut locked = false;
    for migration in run {
        let name = migration.name().to_owned();
        let failed = |e: Failed, done: usize| (name.clone(), done, e.reason);
        if let Some(lock) = per_txn {
            // Taken once (it lasts the transaction); a migration another
            // process did meanwhile is skipped.
            if !locked {
                lock.take(&txn)
                    .await
                    .map_err(|e| (name.clone(), 0, Cause::Said(e.to_string())))?;
                locked = true;
            }
            let name = name.replace('\'', "''");
            let found = txn
                .execute_unprepared(&format!(
                    "SELECT 1 FROM {MIGRATION_TABLE} WHERE version = '{name}'"
                ))
                .await
                .map_err(|e| failed(e.into(), applied.len()))?
                .rows_affected();
            if (direction == Direction::Up) == (found > 0) {
                continue;
            }
        }
        let started = Instant::now();
        let ran = if sqlite {
            step_checking_foreign_keys(&txn, *migration, direction).await
        } else {
            direction
                .run(*migration, &SchemaManager::new(&txn))
                .await
                .map_err(Failed::from)
        };
        let ran = match ran {
            Ok(()) => record(&txn, *migration, direction)
                .await
                .map_err(Failed::from),
            Err(e) => Err(e),
        };
        if let Err(e) = ran {
            let done = applied.len();
            let _ = txn.rollback().await;
            return Err(failed(e, done));
        }
        applied.push(Applied {
            name,
            millis: started.elapsed().as_millis(),
        });
    }
    let done = applied.len();
    txn.commit().await.map_err(|e| {
        (
            run.last().map(|m| m.name().to_owned()).unwrap_or_default(),
            done,
            Failed::from(e).reason,
        )
    })?;
    Ok(applied)
}

/// [`run_one`] with bookkeeping. A transactional migration that gave up
/// waiting for a table lock under a `lock_timeout` of its own (`SET LOCAL
/// lock_timeout`, as online mode writes) was rolled back whole, so it is
/// tried again, a bounded number of times with a growing pause: a busy
/// table usually frees its lock within seconds. One that waited out the
/// session's timeout (`--lock-timeout`, the caller's bound) fails at once.
/// (A non-transactional one retries its own statements: see
/// [`crate::online`].)
async fn run_retrying(
    db: &DatabaseConnection,
    flavour: &Flavour,
    migration: &dyn MigrationTrait,
    direction: Direction,
    per_txn: Option<TxnLock>,
) -> Result<bool, Cause> {
    let transactional = flavour.transactional(migration);
    let session = match per_txn {
        // No session setting behind a transaction pooler: the timeout apply sets.
        Some(lock) if transactional => Some(lock.wait),
        None if transactional && flavour.caps.lock_timeout => session_lock_timeout(db).await,
        _ => None,
    };
    let mut pause = std::time::Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        let started = Instant::now();
        match run_one(db, flavour, migration, direction, true, per_txn).await {
            Err(Failed {
                reason,
                kind: DbErrorKind::LockTimeout,
            }) if session.is_some_and(|s| s.is_zero() || started.elapsed() < s * 9 / 10)
                && attempt < crate::online::LOCK_ATTEMPTS =>
            {
                tracing::warn!(
                    "migration {} gave up waiting for a lock (attempt {attempt} of {}), retrying in {pause:?}: {reason}",
                    migration.name(),
                    crate::online::LOCK_ATTEMPTS
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            other => return other.map_err(|f| f.reason),
        }
    }
}

/// The session's `lock_timeout` (zero: none).
async fn session_lock_timeout(db: &DatabaseConnection) -> Option<std::time::Duration> {
    let row = db
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            DbBackend::Postgres,
            "SELECT (EXTRACT(EPOCH FROM current_setting('lock_timeout')::interval) * 1000)::bigint AS ms",
        ))
        .await
        .ok()??;
    let ms = row.try_get::<i64>("", "ms").ok()?;
    Some(std::time::Duration::from_millis(u64::try_from(ms).ok()?))
}

/// Run one migration's `up()` or `down()` exactly as `upgrade` does (same
/// transaction and foreign-key handling) but without bookkeeping (nothing
/// is recorded in the migration table): for a migration outside any
/// `Migrator`, as the end-to-end tests and the benchmarks run them.
pub async fn run_migration(
    db: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), String> {
    let flavour = crate::flavour::for_connection(db)
        .await
        .map_err(|e| e.to_string())?;
    run_one(db, flavour, migration, direction, false, None)
        .await
        .map(|_| ())
        .map_err(|f| f.reason.to_string())
}

/// A migration that failed: its one-line reason, and what kind of driver
/// error it was (a lock timeout is retried).
struct Failed {
    reason: Cause,
    kind: DbErrorKind,
}

impl From<String> for Failed {
    fn from(reason: String) -> Self {
        Self {
            reason: Cause::Said(reason),
            kind: DbErrorKind::Other,
        }
    }
}

impl From<sea_orm_migration::DbErr> for Failed {
    fn from(e: sea_orm_migration::DbErr) -> Self {
        let reason = Cause::from(e);
        Self {
            kind: reason.kind(),
            reason,
        }
    }
}

/// The migration lock taken inside a transaction
/// ([`LockKind::TransactionAdvisory`]), waiting at most `wait`.
#[derive(Clone, Copy, Debug)]
struct TxnLock {
    wait: std::time::Duration,
}

impl TxnLock {
    /// Take the lock in `txn` (held until it ends); DDL after it waits for
    /// table locks as long as the lock was waited for.
    async fn take(&self, txn: &DatabaseTransaction) -> Result<(), RuntimeError> {
        let millis = self.wait.min(crate::config::MAX_WAIT).as_millis().max(1);
        txn.execute_unprepared(&format!("SET LOCAL lock_timeout = {millis}"))
            .await?;
        let key = crate::lock::pg_lock_key_sql();
        match txn
            .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if crate::error::db_error_kind(&e) == DbErrorKind::LockTimeout => {
                Err(RuntimeError::LockTimeout(self.wait))
            }
            Err(e) => Err(RuntimeError::Lock(crate::error::one_line(&e))),
        }
    }

    /// [`Self::take`], then whether `migration` still has to run
    /// (`direction`): another process may have done it meanwhile.
    async fn take_and_check(
        &self,
        txn: &DatabaseTransaction,
        migration: &dyn MigrationTrait,
        direction: Direction,
    ) -> Result<bool, Failed> {
        self.take(txn).await.map_err(|e| Failed {
            kind: match e {
                RuntimeError::LockTimeout(_) => DbErrorKind::LockTimeout,
                _ => DbErrorKind::Other,
            },
            reason: Cause::Said(e.to_string()),
        })?;
        // In the simple protocol: nothing prepared (a pooler's server
        // connections are shared); the name is quoted as a literal.
        let name = migration.name().replace('\'', "''");
        let found = txn
            .execute_unprepared(&format!(
                "SELECT 1 FROM {MIGRATION_TABLE} WHERE version = '{name}'"
            ))
            .await?
            .rows_affected();
        Ok(match direction {
            Direction::Up => found == 0,
            Direction::Down => found > 0,
        })
    }
}

/// Behind a transaction pooler every migration must run in a transaction
/// (the lock lives in it); one that cannot is refused before any runs.
fn refuse_sessionless<M: MigratorTrait>(
    flavour: &Flavour,
    names: &[String],
) -> Result<(), RuntimeError> {
    for migration in M::migrations() {
        if names.iter().any(|n| n == migration.name()) && !flavour.transactional(migration.as_ref())
        {
            return Err(RuntimeError::NeedsSession {
                name: migration.name().to_owned(),
                url: flavour.describe.to_owned(),
            });
        }
    }
    Ok(())
}

/// Run one migration; `Ok(false)`: skipped, another process did it (only
/// with `per_txn`).
async fn run_one(
    db: &DatabaseConnection,
    flavour: &Flavour,
    migration: &dyn MigrationTrait,
    direction: Direction,
    bookkeeping: bool,
    per_txn: Option<TxnLock>,
) -> Result<bool, Failed> {
    let transactional = flavour.transactional(migration);
    let err = |e: sea_orm_migration::DbErr| Failed::from(e);
    if flavour.dialect == Backend::Sqlite && transactional {
        // Foreign keys are enforced at the end of the migration, not per
        // statement, so that table rebuilds can drop and rename parents.
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .map_err(err)?;
        let result = async {
            let txn = db.begin().await.map_err(err)?;
            step_checking_foreign_keys(&txn, migration, direction).await?;
            if bookkeeping {
                record(&txn, migration, direction).await.map_err(err)?;
            }
            txn.commit().await.map_err(err)
        }
        .await;
        db.execute_unprepared("PRAGMA foreign_keys = ON")
            .await
            .map_err(err)?;
        result.map(|()| true)
    } else if transactional {
        let txn = db.begin().await.map_err(err)?;
        if let Some(lock) = per_txn
            && !lock.take_and_check(&txn, migration, direction).await?
        {
            txn.rollback().await.map_err(err)?;
            return Ok(false);
        }
        let manager = SchemaManager::new(&txn);
        direction.run(migration, &manager).await.map_err(err)?;
        if bookkeeping {
            record(&txn, migration, direction).await.map_err(err)?;
        }
        txn.commit().await.map_err(err)?;
        Ok(true)
    } else {
        let manager = SchemaManager::new(db);
        direction.run(migration, &manager).await.map_err(err)?;
        if bookkeeping {
            record(db, migration, direction).await.map_err(err)?;
        }
        Ok(true)
    }
}

/// One migration's step on SQLite inside `txn`, with foreign keys off:
/// afterwards, the foreign-key violations it made are an error. Only what
/// this migration breaks counts: a dangling row that was already there
/// (inserted with enforcement off) is not its doing and must not block
/// every boot.
async fn step_checking_foreign_keys(
    txn: &DatabaseTransaction,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), Failed> {
    let err = |e: sea_orm_migration::DbErr| Failed::from(e);
    let before = sqlite::foreign_key_violations(txn).await.map_err(err)?;
    let manager = SchemaManager::new(txn);
    direction.run(migration, &manager).await.map_err(err)?;
    let after = sqlite::foreign_key_violations(txn).await.map_err(err)?;
    let violations = sqlite::new_violations(&before, after);
    if !violations.is_empty() {
        return Err(format!(
            "it leaves rows whose foreign keys point at missing rows: {}; fix the data or the migration",
            sqlite::describe_violations(&violations)
        )
        .into());
    }
    Ok(())
}

/// What a dry run found: how long each migration that ran took (in order)
/// and the first one that failed, with its one-line reason.
#[derive(Clone, Debug, Default)]
pub struct DryRun {
    pub millis: Vec<u128>,
    pub failure: Option<(String, String)>,
}

/// `upgrade --dry-run`: run the named migrations as `upgrade` would (the
/// bookkeeping table created, each migration's row written, SQLite's
/// foreign keys judged per migration), all in one transaction that is then
/// rolled back. `after_each` is called after the bookkeeping table is
/// installed (`None`) and after each migration that ran (`Some(name)`), so
/// that the caller can tell their statements apart. Every migration must
/// be transactional (the caller checks).
pub async fn dry_run_up<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    mut after_each: impl FnMut(Option<&str>),
) -> Result<DryRun, RuntimeError> {
    let migrations = M::migrations();
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    let result = async {
        let txn = db.begin().await?;
        let mut report = DryRun::default();
        M::install(&txn).await?;
        crate::checksum::install(&txn).await?;
        after_each(None);
        for name in names {
            let migration = migrations
                .iter()
                .find(|m| m.name() == name)
                .ok_or_else(|| RuntimeError::UnknownRevision(name.clone()))?;
            let started = Instant::now();
            let ran = if sqlite {
                step_checking_foreign_keys(&txn, migration.as_ref(), Direction::Up)
                    .await
                    .map_err(|f| f.reason.to_string())
            } else {
                Direction::Up
                    .run(migration.as_ref(), &SchemaManager::new(&txn))
                    .await
                    .map_err(|e| crate::error::one_line(&e))
            };
            let ran = match ran {
                Ok(()) => record(&txn, migration.as_ref(), Direction::Up)
                    .await
                    .map_err(|e| crate::error::one_line(&e)),
                Err(e) => Err(e),
            };
            after_each(Some(name));
            match ran {
                Ok(()) => report.millis.push(started.elapsed().as_millis()),
                Err(reason) => {
                    report.failure = Some((name.clone(), reason));
                    break;
                }
            }
        }
        txn.rollback().await?;
        Ok(report)
    }
    .await;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    result
}

/// The bookkeeping of one migration: its `seaql_migrations` row and its checksum.
async fn record<C: ConnectionTrait>(
    db: &C,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), sea_orm_migration::DbErr> {
    let name = migration.name();
    match direction {
        Direction::Up => {
            db.execute(&bookkeeping::record(name, bookkeeping::now()))
                .await?;
            crate::checksum::record(db, migration).await
        }
        Direction::Down => {
            db.execute(&bookkeeping::forget([name])).await?;
            crate::checksum::forget(db, name).await
        }
    }
}

/// Mark the database as being at `target` without running any migration:
/// afterwards exactly the known revisions up to `target` are recorded.
pub async fn stamp<M: MigratorTrait>(
    db: &DatabaseConnection,
    status: &Status,
    target: &Target,
) -> Result<Vec<String>, RuntimeError> {
    let upto = match target {
        Target::Head => status.known.len(),
        Target::Base => 0,
        Target::Revision(rev) => position(status, resolve(status, rev)?) + 1,
        Target::Relative(n) => {
            // Checked, not clamped: `+N` past head (or `-N` past base) is a
            // mistake, as it is for upgrade and downgrade, and a huge N
            // must not wrap around to some other revision.
            let current = status.current().map(|c| position(status, c) + 1);
            let from = current.unwrap_or(0);
            let steps = usize::try_from(n.unsigned_abs()).ok();
            let upto = if *n >= 0 {
                steps
                    .and_then(|s| from.checked_add(s))
                    .filter(|u| *u <= status.known.len())
            } else {
                steps.and_then(|s| from.checked_sub(s))
            };
            upto.ok_or_else(|| RuntimeError::StampOutOfRange {
                step: *n,
                current: status.current().unwrap_or("base").to_owned(),
                available: if *n >= 0 {
                    status.known.len().saturating_sub(from)
                } else {
                    from
                },
            })?
        }
    };
    M::install(db).await?;
    crate::checksum::install(db).await?;
    let migrations = M::migrations();
    let txn = db.begin().await?;
    txn.execute(&Query::delete().from_table(MIGRATION_TABLE).to_owned())
        .await?;
    txn.execute(
        &Query::delete()
            .from_table(crate::checksum::CHECKSUM_TABLE)
            .to_owned(),
    )
    .await?;
    let stamped: Vec<String> = status.known[..upto].to_vec();
    for migration in migrations.iter().take(upto) {
        record(&txn, migration.as_ref(), Direction::Up).await?;
    }
    txn.commit().await?;
    Ok(stamped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(known: &[&str]) -> Status {
        Status {
            known: known.iter().map(|k| (*k).to_owned()).collect(),
            applied: Vec::new(),
            squashed: Vec::new(),
        }
    }

    #[test]
    fn a_prefix_resolves_when_unique_and_names_its_matches_when_not() {
        let s = status(&["m20260101_a", "m20260102_b", "m20270101_c"]);
        assert_eq!(resolve(&s, "m2027").ok(), Some("m20270101_c"));
        assert_eq!(resolve(&s, "m20260102_b").ok(), Some("m20260102_b"));
        let e = resolve(&s, "m2026").unwrap_err().to_string();
        assert_eq!(
            e,
            "revision prefix `m2026` is ambiguous: it matches m20260101_a, m20260102_b; give more of the name"
        );
        let e = resolve(&s, "x").unwrap_err().to_string();
        assert!(e.starts_with("unknown revision `x`"), "{e}");
        assert!(resolve(&s, "").is_err());
    }
}
