//! Applying and rolling back migrations, one transaction each where the
//! backend allows, and moving the bookkeeping without running anything (stamp).

use std::time::Instant;

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_orm_migration::sea_query::Query;
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};

use crate::bookkeeping::MIGRATION_TABLE;
use crate::config::Backend;
pub use crate::direction::Direction;
use crate::error::{Cause, DbErrorKind};
use crate::flavour::{Flavour, LockKind};
use crate::{RuntimeError, Status};
use crate::{bookkeeping, sqlite};

mod dry_run;
mod stamp;
mod target;
mod whole;

pub use dry_run::{DryRun, dry_run_up};
pub use stamp::stamp;
use target::position;
pub use target::{Target, plan_downgrade, plan_upgrade, resolve};
pub use whole::{WholeRun, apply_steps_whole, why_not_whole};

/// One migration applied or rolled back, and how long it took.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Applied {
    pub name: String,
    pub millis: u128,
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
    let (flavour, per_txn) = writable(db).await?;
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

/// The connection's flavour, refused when it cannot be written to (a
/// standby), and the migration lock each transaction takes where the lock is
/// transaction-scoped ([`LockKind::TransactionAdvisory`]).
async fn writable(
    db: &DatabaseConnection,
) -> Result<(&'static Flavour, Option<TxnLock>), RuntimeError> {
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
    Ok((flavour, per_txn))
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
