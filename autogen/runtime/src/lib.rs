#![doc = include_str!("../README.md")]
//!
//! # Inside
//!
//! The runtime half of the autogen toolkit: what `app` links at boot, what
//! generated migrations call (the SQLite table rebuild), and what the CLI's
//! upgrade/downgrade/stamp/current commands share with the app. Nothing here
//! generates code; it connects, locks, reads status and applies migrations.

mod apply;
pub mod bookkeeping;
pub mod capacity;
pub mod checksum;
pub mod config;
mod connect;
mod direction;
mod error;
pub mod flavour;
pub mod lease;
mod lock;
pub mod online;
pub mod precheck;
pub mod progress;
pub mod recording;
pub mod report;
mod serving;
pub mod sqlite;
mod squash;
mod status;
mod wait;

pub use apply::{
    Applied, Direction, DryRun, Target, WholeRun, apply_steps, apply_steps_whole, dry_run_up,
    plan_downgrade, plan_upgrade, resolve, run_migration, stamp, why_not_whole,
};
pub use connect::{
    MigrationConnection, connect, connect_for_migrations, connect_serving, connect_with_retry,
    connect_within,
};
pub use error::{Cause, DbErrorKind, RuntimeError, db_code, db_error_kind};
pub use flavour::{Capabilities, Flavour, LockKind};
pub use lock::MigrationLock;
pub use serving::ServingConnection;
pub use squash::{Squashed, stamp_squashed};
pub use status::{MIGRATION_TABLE, SquashState, Status, read_status};
pub use wait::DEFAULT_LOCK_TIMEOUT;

use std::time::Duration;

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;

use config::DatabaseUrl;

/// Refuse (or warn about) applied migrations that were edited.
pub fn check_edits(
    verification: &checksum::Verification,
    on_edited: checksum::OnEdited,
) -> Result<(), RuntimeError> {
    let Some(e) = verification.edited_error() else {
        return Ok(());
    };
    match on_edited {
        checksum::OnEdited::Refuse => Err(e),
        checksum::OnEdited::Warn => {
            tracing::warn!("⚠️ {e} (AUTOGEN_ON_EDITED=warn: migrating anyway)");
            Ok(())
        }
    }
}

/// What one boot-time (or `autogen upgrade`) run did.
#[derive(Debug, Default)]
pub struct UpgradeReport {
    /// Migrations applied by this run, in order.
    pub applied: Vec<Applied>,
    /// The revision the database is at afterwards (`None`: empty history).
    pub head: Option<String>,
    /// Squashed revisions whose rows were replaced by the squash base (0: none).
    pub squash_stamped: usize,
    /// [`upgrade_to_head_whole`]: why the run was applied one migration
    /// at a time rather than in one transaction (`None`: it was not).
    pub split: Option<String>,
}

/// Bring the database to head: the boot path of `app`.
///
/// A database already at head costs one query and takes no lock. Otherwise
/// the migration lock is taken (waiting at most `lock_timeout`), the status
/// is read again (another replica may have done the work meanwhile), a
/// database at a squashed head is stamped to the squash base, and the
/// pending migrations are applied one by one, each in its own transaction
/// where the backend allows. On PostgreSQL they run on a session of their
/// own whose `lock_timeout` is `lock_timeout` too, so that a statement
/// queued behind a busy table fails (and its migration rolls back) instead
/// of stalling the traffic that queues behind it.
///
/// Before anything runs, the applied migrations are compared with their
/// recorded checksums (read by the same one query): an edited one is
/// refused, or only warned about when `AUTOGEN_ON_EDITED=warn` (see
/// [`upgrade_to_head_with`]). Applied migrations without a checksum (the
/// database predates them) get one recorded, under the lock.
pub async fn upgrade_to_head<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
) -> Result<UpgradeReport, RuntimeError> {
    let on_edited = checksum::OnEdited::from_env_or(checksum::OnEdited::Refuse)?;
    upgrade_to_head_with::<M>(db, url, lock_timeout, on_edited).await
}

/// [`upgrade_to_head`] with what to do about edited migrations given.
pub async fn upgrade_to_head_with<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
    on_edited: checksum::OnEdited,
) -> Result<UpgradeReport, RuntimeError> {
    upgrade::<M>(db, url, lock_timeout, on_edited, false).await
}

/// [`upgrade_to_head_with`], all or nothing where the backend allows: the
/// pending migrations run in one transaction ([`apply_steps_whole`]), so a
/// failure leaves the database at the revision it started from. What a
/// fleet target does; [`UpgradeReport::split`] says when it could not be.
pub async fn upgrade_to_head_whole<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
    on_edited: checksum::OnEdited,
) -> Result<UpgradeReport, RuntimeError> {
    upgrade::<M>(db, url, lock_timeout, on_edited, true).await
}

async fn upgrade<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
    on_edited: checksum::OnEdited,
    whole: bool,
) -> Result<UpgradeReport, RuntimeError> {
    let rows = checksum::read_applied(db).await?;
    let status = checksum::status_of::<M>(&rows);
    status.check_known()?;
    let verification = checksum::verify::<M>(db.get_database_backend(), &rows).await;
    check_edits(&verification, on_edited)?;
    if status.pending().is_empty() && !status.squash_due() && verification.unrecorded.is_empty() {
        return Ok(UpgradeReport {
            head: status.current().map(str::to_owned),
            ..UpgradeReport::default()
        });
    }
    let lock = MigrationLock::acquire(url, lock_timeout).await?;
    let result = async {
        let conn = connect_for_migrations(db, url, lock_timeout).await?;
        let result = async {
            let rows = checksum::read_applied(&*conn).await?;
            let mut status = checksum::status_of::<M>(&rows);
            status.check_known()?;
            let verification = checksum::verify::<M>(conn.get_database_backend(), &rows).await;
            check_edits(&verification, on_edited)?;
            checksum::record_missing::<M, _>(&*conn, &verification.unrecorded).await?;
            let squash_stamped = stamp_squashed(&conn, &status).await?;
            if squash_stamped > 0 {
                status = read_status::<M>(&conn).await?;
            }
            let steps = plan_upgrade(&status, None)?;
            let (applied, split) = if whole {
                let run = apply_steps_whole::<M>(&conn, &steps, Direction::Up).await?;
                (run.applied, run.split)
            } else {
                (apply_steps::<M>(&conn, &steps, Direction::Up).await?, None)
            };
            if squash_stamped > 0 {
                // The squash base was recorded without running: record its checksum too.
                let rows = checksum::read_applied(&*conn).await?;
                let unrecorded: Vec<String> = rows
                    .into_iter()
                    .filter(|r| r.checksum.is_none())
                    .map(|r| r.version)
                    .collect();
                checksum::record_missing::<M, _>(&*conn, &unrecorded).await?;
            }
            let head = read_status::<M>(&conn).await?.current().map(str::to_owned);
            Ok(UpgradeReport {
                applied,
                head,
                squash_stamped,
                split,
            })
        }
        .await;
        conn.close().await;
        result
    }
    .await;
    lock.release().await;
    result
}

/// On a server that takes no writes (a standby): wait, at most `bound`,
/// until the history replicated from the primary reaches this build's head,
/// reading the status once a second. Returns the head; after the bound, the
/// error says where the database is.
pub async fn wait_for_head<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
    bound: Duration,
) -> Result<Option<String>, RuntimeError> {
    let deadline = wait::deadline_after(bound);
    loop {
        let rows = checksum::read_applied(db).await?;
        let status = checksum::status_of::<M>(&rows);
        status.check_known()?;
        let pending = status.pending().len();
        if pending == 0 {
            return Ok(status.current().map(str::to_owned));
        }
        if std::time::Instant::now() >= deadline {
            return Err(RuntimeError::StandbyBehind {
                current: status.current().unwrap_or("base").to_owned(),
                head: status.known.last().cloned().unwrap_or_default(),
                pending,
                waited: bound,
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
