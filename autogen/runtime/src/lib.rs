//! The runtime half of the autogen toolkit: what `app` links at boot, what
//! generated migrations call (the SQLite table rebuild), and what the CLI's
//! upgrade/downgrade/stamp/current commands share with the app. Nothing here
//! generates code; it connects, locks, reads status and applies migrations.

mod apply;
pub mod config;
mod connect;
mod error;
mod lock;
pub mod sqlite;
mod status;

pub use apply::{
    Applied, Direction, Target, apply_steps, plan_downgrade, plan_upgrade, resolve, run_migration,
    stamp,
};
pub use connect::{connect, connect_with_retry};
pub use error::RuntimeError;
pub use lock::{DEFAULT_LOCK_TIMEOUT, MigrationLock};
pub use status::{MIGRATION_TABLE, Status, read_status};

use std::time::Duration;

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;

use config::DatabaseUrl;

/// What one boot-time (or `autogen upgrade`) run did.
#[derive(Debug, Default)]
pub struct UpgradeReport {
    /// Migrations applied by this run, in order.
    pub applied: Vec<Applied>,
    /// The revision the database is at afterwards (`None`: empty history).
    pub head: Option<String>,
}

/// Bring the database to head: the boot path of `app`.
///
/// A database already at head costs one query and takes no lock. Otherwise
/// the migration lock is taken (waiting at most `lock_timeout`), the status
/// is read again (another replica may have done the work meanwhile) and the
/// pending migrations are applied one by one, each in its own transaction
/// where the backend allows.
pub async fn upgrade_to_head<M: MigratorTrait>(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
) -> Result<UpgradeReport, RuntimeError> {
    let status = read_status::<M>(db).await?;
    status.check_known()?;
    if status.pending().is_empty() {
        return Ok(UpgradeReport {
            applied: Vec::new(),
            head: status.current().map(str::to_owned),
        });
    }
    let lock = MigrationLock::acquire(url, lock_timeout).await?;
    let result = async {
        let status = read_status::<M>(db).await?;
        status.check_known()?;
        let steps = plan_upgrade(&status, None)?;
        let applied = apply_steps::<M>(db, &steps, Direction::Up).await?;
        let head = read_status::<M>(db).await?.current().map(str::to_owned);
        Ok(UpgradeReport { applied, head })
    }
    .await;
    lock.release().await;
    result
}
