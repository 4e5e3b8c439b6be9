//! A cluster-wide migration lock for MariaDB Galera: a row with a lease.
//!
//! `GET_LOCK` is node-local on Galera (a lock taken on one node is not seen
//! by the others), so replicas booting against different nodes would all
//! migrate. Instead the lock is a row of our own table, `autogen_lock`
//! (name, holder, acquired_at, expires_at), written in small autocommit
//! transactions that Galera certifies cluster-wide: of two nodes taking the
//! lock at once, one commits and the other fails with a deadlock error
//! (1213, certification failure) and tries again. The holder renews the
//! lease while it migrates (a heartbeat task) and deletes the row at the
//! end; a holder that crashed (or whose node died) stops renewing, and its
//! lease is taken over once it has expired.
//!
//! Time is the database node's clock (`UTC_TIMESTAMP(6)`): the nodes of a
//! cluster are expected to keep their clocks within a small fraction of the
//! lease of each other (NTP).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::RuntimeError;
use crate::error::one_line;

/// Our lock table.
pub const LEASE_TABLE: &str = "autogen_lock";
/// The row of the migration lock.
const LOCK_NAME: &str = "migrations";
/// How long a lease lasts unless `AUTOGEN_LOCK_LEASE_SECS` says otherwise;
/// it is renewed every quarter of it, so three renewals may fail (a node
/// busy with a long TOI statement) before another process may take over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(20);
/// The environment variable that sets the lease, in seconds.
pub const LEASE_ENV: &str = "AUTOGEN_LOCK_LEASE_SECS";

/// MySQL error numbers meaning "another transaction won, try again":
/// 1213 deadlock (Galera's certification failure), 1205 lock wait timeout.
const RETRY_ERRORS: [u16; 2] = [1213, 1205];

/// The lease length: `AUTOGEN_LOCK_LEASE_SECS` (whole seconds, at least 2)
/// or [`DEFAULT_LEASE`].
pub fn lease_from_env() -> Result<Duration, RuntimeError> {
    match std::env::var(LEASE_ENV) {
        Err(_) => Ok(DEFAULT_LEASE),
        Ok(v) if v.trim().is_empty() => Ok(DEFAULT_LEASE),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(secs) if (2..=86_400).contains(&secs) => Ok(Duration::from_secs(secs)),
            _ => Err(RuntimeError::Lock(format!(
                "{LEASE_ENV} is `{v}`: give the lease of the Galera migration lock in whole seconds, from 2 to 86400"
            ))),
        },
    }
}

fn is_retryable(e: &DbErr) -> bool {
    crate::error::db_code(e).is_some_and(|c| RETRY_ERRORS.iter().any(|n| c == n.to_string()))
}

/// A held lease; [`LeaseLock::release`] gives it back.
pub struct LeaseLock {
    conn: DatabaseConnection,
    holder: String,
    stop: Option<oneshot::Sender<()>>,
    heartbeat: Option<JoinHandle<()>>,
    lost: Arc<AtomicBool>,
}

impl std::fmt::Debug for LeaseLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseLock")
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

/// Who we are in the lock row: host, process, and a per-acquire nonce.
fn holder_id() -> String {
    use std::sync::atomic::AtomicU32;
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let mut id = format!(
        "{host} pid {} #{}{nanos:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    id.truncate(200);
    id
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

async fn ensure_table(conn: &DatabaseConnection) -> Result<(), DbErr> {
    // DDL runs under TOI on Galera: the same statement on every node, in
    // the cluster's total order. A primary key is required for certification.
    conn.execute_unprepared(&format!(
        "CREATE TABLE IF NOT EXISTS `{LEASE_TABLE}` (name varchar(64) NOT NULL, \
         holder varchar(255) NOT NULL, acquired_at datetime(6) NOT NULL, \
         expires_at datetime(6) NOT NULL, PRIMARY KEY (name)) ENGINE=InnoDB"
    ))
    .await
    .map(|_| ())
}

/// The current holder of the lock and the seconds its lease has left
/// (negative: expired), as this node sees it.
async fn current_holder(conn: &DatabaseConnection) -> Result<Option<(String, f64)>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            format!(
                "SELECT holder, CAST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), expires_at) AS SIGNED) AS left_us \
                 FROM `{LEASE_TABLE}` WHERE name = ?"
            ),
            [LOCK_NAME.into()],
        ))
        .await?;
    row.map(|r| {
        Ok((
            r.try_get::<String>("", "holder")?,
            r.try_get::<i64>("", "left_us")? as f64 / 1e6,
        ))
    })
    .transpose()
}

/// One attempt: insert the row, or take it over when its lease expired.
/// `Ok(true)`: committed (and so certified cluster-wide), the lock is ours.
async fn try_take(conn: &DatabaseConnection, holder: &str, lease: Duration) -> Result<bool, DbErr> {
    let inserted = conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            format!(
                "INSERT IGNORE INTO `{LEASE_TABLE}` (name, holder, acquired_at, expires_at) \
                 VALUES (?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)"
            ),
            [LOCK_NAME.into(), holder.into(), micros(lease).into()],
        ))
        .await?;
    if inserted.rows_affected() == 1 {
        return Ok(true);
    }
    let Some((previous, left)) = current_holder(conn).await? else {
        // Deleted in between: the next attempt inserts.
        return Ok(false);
    };
    if left >= 0.0 {
        return Ok(false);
    }
    // The holder's lease ran out: it crashed, or lost its node. `expires_at`
    // changes with every write, so an updated row always counts as affected.
    let taken = conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            format!(
                "UPDATE `{LEASE_TABLE}` SET holder = ?, acquired_at = UTC_TIMESTAMP(6), \
                 expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND \
                 WHERE name = ? AND holder = ? AND expires_at < UTC_TIMESTAMP(6)"
            ),
            [
                holder.into(),
                micros(lease).into(),
                LOCK_NAME.into(),
                previous.as_str().into(),
            ],
        ))
        .await?;
    if taken.rows_affected() == 1 {
        tracing::warn!(
            "took over the migration lock from `{previous}`, whose lease expired {:.1}s ago (it crashed or lost its database node)",
            -left
        );
        return Ok(true);
    }
    Ok(false)
}

/// Take the lease on `conn` (a dedicated connection, kept for the renewals),
/// waiting at most `timeout`, and start renewing it every quarter of `lease`.
pub async fn acquire(
    conn: DatabaseConnection,
    timeout: Duration,
    lease: Duration,
) -> Result<LeaseLock, RuntimeError> {
    let lock_err = |e: DbErr| RuntimeError::Lock(format!("{LEASE_TABLE}: {}", one_line(&e)));
    // Concurrent CREATE TABLE IF NOT EXISTS on several nodes is ordered by
    // TOI; a conflict there is retried like one on the row.
    let started = Instant::now();
    let deadline = crate::wait::deadline_after(timeout);
    let mut pause = Duration::from_millis(50);
    loop {
        match ensure_table(&conn).await {
            Ok(()) => break,
            Err(e) if is_retryable(&e) && Instant::now() < deadline => {}
            Err(e) => {
                let _ = conn.close().await;
                return Err(lock_err(e));
            }
        }
        tokio::time::sleep(pause).await;
    }
    let holder = holder_id();
    let mut waited_for: Option<String> = None;
    loop {
        match try_take(&conn, &holder, lease).await {
            Ok(true) => break,
            Ok(false) => {
                if waited_for.is_none()
                    && let Ok(Some((other, left))) = current_holder(&conn).await
                {
                    tracing::info!(
                        "waiting for the migration lock held by `{other}` (lease {left:.1}s left)"
                    );
                    waited_for = Some(other);
                }
            }
            Err(e) if is_retryable(&e) => {
                tracing::debug!(
                    "lost a race for the migration lock, retrying: {}",
                    one_line(&e)
                );
            }
            Err(e) => {
                let _ = conn.close().await;
                return Err(lock_err(e));
            }
        }
        if Instant::now() >= deadline {
            let _ = conn.close().await;
            return Err(RuntimeError::LockTimeout(timeout));
        }
        // A little jitter, so that nodes retrying a certification conflict
        // do not collide again in step.
        let jitter = Duration::from_micros(u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_micros())
                .unwrap_or_default()
                % 50_000,
        ));
        tokio::time::sleep(pause + jitter).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
    tracing::debug!(
        "took the Galera migration lock as `{holder}` in {:?}",
        started.elapsed()
    );
    let lost = Arc::new(AtomicBool::new(false));
    let (stop, stopped) = oneshot::channel();
    let heartbeat = tokio::spawn(renew(
        conn.clone(),
        holder.clone(),
        lease,
        lost.clone(),
        stopped,
    ));
    Ok(LeaseLock {
        conn,
        holder,
        stop: Some(stop),
        heartbeat: Some(heartbeat),
        lost,
    })
}

/// The heartbeat: extend the lease every quarter of it until told to stop.
async fn renew(
    conn: DatabaseConnection,
    holder: String,
    lease: Duration,
    lost: Arc<AtomicBool>,
    mut stopped: oneshot::Receiver<()>,
) {
    let every = lease / 4;
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            () = tokio::time::sleep(every) => {}
        }
        let renewed = conn
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::MySql,
                format!(
                    "UPDATE `{LEASE_TABLE}` SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND \
                     WHERE name = ? AND holder = ?"
                ),
                [micros(lease).into(), LOCK_NAME.into(), holder.as_str().into()],
            ))
            .await;
        match renewed {
            Ok(r) if r.rows_affected() == 1 => {}
            Ok(_) => {
                if !lost.swap(true, Ordering::Relaxed) {
                    tracing::error!(
                        "the migration lock's lease was lost: another process took it over after it expired; raise {LEASE_ENV} above the longest pause of this node"
                    );
                }
            }
            Err(e) => tracing::warn!(
                "renewing the migration lock's lease failed (retrying in {every:?}): {}",
                one_line(&e)
            ),
        }
    }
}

impl LeaseLock {
    /// Our id in the lock row.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Whether a renewal found the lease taken over by another process.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Stop renewing and delete the row (a failure to delete is logged: the
    /// lease then expires by itself).
    pub async fn release(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(heartbeat) = self.heartbeat.take() {
            let _ = heartbeat.await;
        }
        let mut pause = Duration::from_millis(50);
        for attempt in 1..=5 {
            let deleted = self
                .conn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::MySql,
                    format!("DELETE FROM `{LEASE_TABLE}` WHERE name = ? AND holder = ?"),
                    [LOCK_NAME.into(), self.holder.as_str().into()],
                ))
                .await;
            match deleted {
                Ok(_) => break,
                Err(e) if is_retryable(&e) && attempt < 5 => {
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(e) => {
                    tracing::warn!(
                        "releasing the migration lock failed (its lease expires by itself): {}",
                        one_line(&e)
                    );
                    break;
                }
            }
        }
        let _ = self.conn.clone().close().await;
    }
}

impl Drop for LeaseLock {
    fn drop(&mut self) {
        // Not released (a panic, a cancelled future): stop renewing, so that
        // the lease expires and another process can take over.
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_ids_differ_between_acquires() {
        assert_ne!(holder_id(), holder_id());
    }

    #[test]
    fn error_numbers_are_read_only_from_server_errors() {
        let e = DbErr::Exec(sea_orm::RuntimeErr::Internal(
            "Deadlock found (1213)".into(),
        ));
        assert!(!is_retryable(&e));
    }
}
