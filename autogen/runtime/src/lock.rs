//! The migration lock: one process migrates, the others wait.
//!
//! How it is taken is the flavour's [`LockKind`]: on PostgreSQL a
//! session-level advisory lock on a dedicated connection (the pool may hand
//! out any connection, an advisory lock belongs to one), with `lock_timeout`
//! bounding the wait; behind a transaction pooler, where no session is ours,
//! a transaction-scoped advisory lock that apply takes inside each
//! migration's transaction (see [`crate::apply`]). MySQL/MariaDB: `GET_LOCK`
//! on a dedicated connection. SQLite: an exclusive OS lock on a sidecar file
//! `<db>.migrate.lock`, so that the waiting process never sees "database is
//! locked". Migrations go to the direct URL when one is set
//! (`DIRECT_DATABASE_URL`), so the lock is taken there too.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use crate::RuntimeError;
use crate::config::{DatabaseUrl, MAX_WAIT};
use crate::error::one_line;
use crate::error::{DbErrorKind, db_error_kind};
use crate::flavour::{self, LockKind};
use crate::wait::deadline_after;

/// Advisory lock key: "autogen!" as a big-endian i64, fixed so every replica agrees.
/// It is the key of the `public` schema; see [`pg_lock_key_sql`].
pub(crate) const PG_LOCK_KEY: i64 = 0x6175_746f_6765_6e21;
/// The advisory lock key of the session's schema, as an SQL expression.
/// Advisory locks are already per database; within one, each schema (a
/// schema-per-tenant fleet's tenant) has its own key, so that tenants of
/// one database migrate side by side while one tenant stays exclusive
/// (a fleet run and an app boot on it never both apply). The schema is
/// `current_schema()`, the first existing schema of the `search_path`, or
/// the `search_path` itself while none exists yet. `public` keeps the fixed
/// key [`PG_LOCK_KEY`], as earlier versions took it for every schema: an
/// app on the default schema and this version still exclude each other.
/// Other schemas get the fixed key XOR `hashtextextended(schema, 0)`
/// (stable across servers and platforms: hash partitioning relies on it).
pub(crate) fn pg_lock_key_sql() -> String {
    format!(
        "(SELECT CASE WHEN s = 'public' THEN {PG_LOCK_KEY}::bigint \
         ELSE {PG_LOCK_KEY}::bigint # hashtextextended(s, 0) END \
         FROM (SELECT coalesce(current_schema(), current_setting('search_path')) AS s) AS autogen_schema)"
    )
}
/// MySQL's named locks are server-wide: the name carries the database (hashed,
/// as names are limited to 64 characters), so that databases on one server
/// do not wait for each other.
const MYSQL_LOCK_NAME: &str = "CONCAT('autogen_migrations:', SHA1(DATABASE()))";

/// A held migration lock; [`MigrationLock::release`] gives it back (dropping
/// it does too, when the connection or file closes).
pub enum MigrationLock {
    /// A session lock (advisory or `GET_LOCK`) held by this connection;
    /// on PostgreSQL, the advisory key it holds (the schema's).
    Server(DatabaseConnection, Option<i64>),
    File(File),
    /// A lease row on MariaDB Galera, where `GET_LOCK` is node-local (see `lease`).
    Lease(crate::lease::LeaseLock),
    /// An in-memory SQLite database is private to its process.
    Private,
    /// Taken by apply inside each migration's own transaction
    /// ([`LockKind::TransactionAdvisory`]): nothing is held between them.
    PerTransaction,
}

impl MigrationLock {
    /// Take the lock of the database migrations run on (the direct URL when
    /// one is set), as its flavour takes it. A read-only server is refused
    /// here, before anything is written.
    pub async fn acquire(url: &DatabaseUrl, timeout: Duration) -> Result<Self, RuntimeError> {
        let url = url.direct_url()?.unwrap_or_else(|| url.clone());
        let flavour = flavour::for_url(&url).await?;
        if !flavour.caps.writable {
            return Err(RuntimeError::ReadOnly {
                url: url.redacted(),
                flavour: flavour.describe.to_owned(),
            });
        }
        match flavour.caps.lock {
            LockKind::SessionAdvisory | LockKind::GetLock | LockKind::LeaseRow => {
                acquire_server(&url, flavour.caps.lock, timeout).await
            }
            LockKind::TransactionAdvisory => Ok(Self::PerTransaction),
            LockKind::FileLock => match Self::sqlite_lock_file(&url)? {
                Some(path) => acquire_file(path, timeout).await,
                None => Ok(Self::Private),
            },
        }
    }

    /// The lock file of a SQLite database, `<db>.migrate.lock` next to it,
    /// as an absolute path: every form of the URL of one file (`sqlite:p`,
    /// `sqlite://p?mode=rwc`, `sqlite:///abs/p`) gets the same lock. `None`
    /// for an in-memory database (private to its process) and other backends.
    pub fn sqlite_lock_file(url: &DatabaseUrl) -> Result<Option<PathBuf>, RuntimeError> {
        let Some(path) = url.sqlite_path() else {
            return Ok(None);
        };
        let path = std::path::absolute(&path)
            .map_err(|e| RuntimeError::Lock(format!("{}: {e}", path.display())))?;
        // `absolute` keeps `..`; the directory's canonical form names the
        // lock the same way for `a/../db` and `db` (when it exists yet).
        let path = match (path.parent().map(Path::canonicalize), path.file_name()) {
            (Some(Ok(dir)), Some(name)) => dir.join(name),
            _ => path,
        };
        let mut lock_path = path.into_os_string();
        lock_path.push(".migrate.lock");
        Ok(Some(lock_path.into()))
    }

    pub async fn release(self) {
        match self {
            Self::Server(conn, key) => {
                let sql = match key {
                    Some(key) => format!("SELECT pg_advisory_unlock({key})"),
                    None => format!("SELECT RELEASE_LOCK({MYSQL_LOCK_NAME})"),
                };
                if let Err(e) = conn.execute_unprepared(&sql).await {
                    tracing::warn!(
                        "releasing the migration lock failed (it goes with the connection): {e}"
                    );
                }
                let _ = conn.close().await;
            }
            Self::File(file) => {
                let _ = file.unlock();
            }
            Self::Lease(lease) => lease.release().await,
            Self::Private | Self::PerTransaction => {}
        }
    }
}

async fn acquire_server(
    url: &DatabaseUrl,
    kind: LockKind,
    timeout: Duration,
) -> Result<MigrationLock, RuntimeError> {
    let mut opts = ConnectOptions::new(url.expose().to_owned());
    // The lock lives as long as this one session: the pool must never close
    // it behind our back (sqlx closes idle connections after 10 minutes and
    // every connection after 30 by default, and a migration can take longer;
    // between the lock statement and the release it sits idle in the pool).
    opts.max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .sqlx_logging(false);
    let conn = Database::connect(opts)
        .await
        .map_err(|e| RuntimeError::Connect {
            url: url.redacted(),
            reason: one_line(&e),
        })?;
    let backend = conn.get_database_backend();
    if kind == LockKind::LeaseRow {
        let lease = crate::lease::lease_from_env()?;
        return crate::lease::acquire(conn, timeout, lease)
            .await
            .map(MigrationLock::Lease);
    }
    let millis = timeout.min(MAX_WAIT).as_millis().max(1);
    let mut key = None;
    let acquired = if kind == LockKind::SessionAdvisory {
        // Nor may the server close it: a server-wide `idle_session_timeout`
        // (PostgreSQL 14+, common on managed services) would end the idle
        // session and release the lock in the middle of a long migration.
        // Older servers do not know the setting, which is fine.
        let _ = conn
            .execute_unprepared("SET idle_session_timeout = 0")
            .await;
        // The key is read once and held as a number: unlocking must name
        // the key that was locked even if the migration creates the schema.
        let schema_key = pg_lock_key(&conn).await?;
        key = Some(schema_key);
        conn.execute_unprepared(&format!("SET lock_timeout = {millis}"))
            .await?;
        let res = conn
            .execute_unprepared(&format!("SELECT pg_advisory_lock({schema_key})"))
            .await;
        conn.execute_unprepared("SET lock_timeout = 0").await?;
        match res {
            Ok(_) => true,
            Err(e) if db_error_kind(&e) == DbErrorKind::LockTimeout => false,
            Err(e) => return Err(RuntimeError::Lock(one_line(&e))),
        }
    } else {
        let secs = timeout.min(MAX_WAIT).as_secs().max(1);
        let row = conn
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT GET_LOCK({MYSQL_LOCK_NAME}, {secs}) AS got"),
            ))
            .await?;
        row.and_then(|r| r.try_get::<Option<i64>>("", "got").ok().flatten()) == Some(1)
    };
    if acquired {
        Ok(MigrationLock::Server(conn, key))
    } else {
        let _ = conn.close().await;
        Err(RuntimeError::LockTimeout(timeout))
    }
}

/// The advisory lock key of `conn`'s schema ([`pg_lock_key_sql`]).
pub(crate) async fn pg_lock_key<C: ConnectionTrait>(conn: &C) -> Result<i64, RuntimeError> {
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT {} AS key", pg_lock_key_sql()),
        ))
        .await
        .map_err(|e| RuntimeError::Lock(one_line(&e)))?;
    row.and_then(|r| r.try_get::<i64>("", "key").ok())
        .ok_or_else(|| {
            RuntimeError::Lock("the schema's advisory lock key could not be read".into())
        })
}

async fn acquire_file(path: PathBuf, timeout: Duration) -> Result<MigrationLock, RuntimeError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| RuntimeError::Lock(format!("{}: {e}", dir.display())))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| RuntimeError::Lock(format!("{}: {e}", path.display())))?;
    let deadline = deadline_after(timeout);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(MigrationLock::File(file)),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(TryLockError::WouldBlock) => return Err(RuntimeError::LockTimeout(timeout)),
            Err(TryLockError::Error(e)) => {
                return Err(RuntimeError::Lock(format!("{}: {e}", path.display())));
            }
        }
    }
}
