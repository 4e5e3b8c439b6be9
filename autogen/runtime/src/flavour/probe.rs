//! Detecting a live database's flavour: one small probe per connection URL,
//! remembered for the process (a boot probes once; the lock, the migration
//! session and apply then ask the cache).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

use super::Flavour;
use crate::RuntimeError;
use crate::config::{Backend, DatabaseUrl};
use crate::error::one_line;

/// What the probe reads from a server: the facts flavours are told apart by.
#[derive(Clone, Debug)]
pub struct Probe {
    pub dialect: Backend,
    /// `version()` / `VERSION()`.
    pub version: String,
    /// PostgreSQL's `server_version_num` (e.g. 150005).
    pub version_num: Option<i64>,
    /// PostgreSQL's `pg_is_in_recovery()`: a standby.
    pub in_recovery: bool,
    /// The port the server itself listens on (`inet_server_port()`).
    pub server_port: Option<u16>,
    /// The port of the URL the client connected to.
    pub url_port: Option<u16>,
    /// MySQL/MariaDB `@@version_comment`.
    pub version_comment: String,
    /// MariaDB `@@wsrep_on` (a Galera node).
    pub wsrep_on: bool,
    /// What forwards the connection when the ports differ: `Some(true)` a
    /// pooler that shares server connections between transactions (or one
    /// that could not be asked), `Some(false)` a TCP proxy in front of
    /// PostgreSQL itself (HAProxy) or PgBouncer in session mode, `None`
    /// not asked (the ports agree).
    pub transaction_pooler: Option<bool>,
}

impl Default for Probe {
    fn default() -> Self {
        Self {
            dialect: Backend::Postgres,
            version: String::new(),
            version_num: None,
            in_recovery: false,
            server_port: None,
            url_port: None,
            version_comment: String::new(),
            wsrep_on: false,
            transaction_pooler: None,
        }
    }
}

const PG_PROBE: &str = "SELECT version(), pg_is_in_recovery()::text, \
     COALESCE(inet_server_port()::text, ''), current_setting('server_version_num')";

/// Probe `db`. PostgreSQL is asked in the simple query protocol, which
/// prepares nothing: behind a transaction pooler a named statement left on a
/// shared server connection would break the next client that reuses its name.
pub async fn detect(db: &DatabaseConnection, url_port: Option<u16>) -> Result<Probe, DbErr> {
    let dialect = Backend::from(db.get_database_backend());
    let mut probe = Probe {
        dialect,
        url_port,
        ..Probe::default()
    };
    let pooled = key_of_connection(db).is_some();
    match dialect {
        Backend::Postgres if pooled => {
            use sqlx::Row;
            let pool = db.get_postgres_connection_pool();
            let row = sqlx::raw_sql(PG_PROBE)
                .fetch_one(pool)
                .await
                .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
            let text = |i: usize| row.try_get::<String, _>(i).unwrap_or_default();
            probe.version = text(0);
            probe.in_recovery = text(1) == "true";
            probe.server_port = text(2).parse().ok();
            probe.version_num = text(3).parse().ok();
            if probe.server_port.is_some() && probe.server_port != url_port {
                probe.transaction_pooler = Some(pooler_console(&pool.connect_options()).await);
            }
        }
        Backend::MySql if pooled => {
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::MySql,
                    "SELECT VERSION() AS v, @@version_comment AS c",
                ))
                .await?;
            if let Some(row) = row {
                probe.version = row.try_get("", "v").unwrap_or_default();
                probe.version_comment = row.try_get("", "c").unwrap_or_default();
            }
            // Absent on MySQL (no row), `OFF` on a standalone MariaDB.
            let wsrep = db
                .query_one_raw(Statement::from_string(
                    DbBackend::MySql,
                    "SHOW VARIABLES LIKE 'wsrep_on'",
                ))
                .await?;
            probe.wsrep_on = wsrep
                .and_then(|r| r.try_get_by_index::<String>(1).ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("ON"));
        }
        // SQLite, or a connection that is no server's pool (a mock).
        _ => {}
    }
    Ok(probe)
}

/// Whether what forwards this connection pools transactions: asked through
/// PgBouncer's admin console, the database `pgbouncer` at the same address.
/// PostgreSQL itself (behind a TCP proxy such as HAProxy) answers that no
/// such database exists: not a pooler. The console's `SHOW CONFIG` tells
/// PgBouncer's `pool_mode`; session pooling keeps sessions. Anything else
/// (the console refuses this user, a timeout) leaves the safe answer: a
/// transaction pooler.
async fn pooler_console(options: &sqlx::postgres::PgConnectOptions) -> bool {
    use sqlx::{ConnectOptions as _, Connection as _, Row as _};
    let console = options.clone().database("pgbouncer");
    let connect = tokio::time::timeout(Duration::from_secs(3), console.connect());
    let mut conn = match connect.await {
        Ok(Ok(conn)) => conn,
        Ok(Err(sqlx::Error::Database(e))) if e.code().as_deref() == Some("3D000") => return false,
        _ => return true,
    };
    let rows = sqlx::raw_sql("SHOW CONFIG").fetch_all(&mut conn).await;
    let _ = conn.close().await;
    let Ok(rows) = rows else {
        // A database really named `pgbouncer` on PostgreSQL itself.
        return false;
    };
    let mode = rows.iter().find_map(|r| {
        let key = r.try_get::<String, _>(0).ok()?;
        (key == "pool_mode")
            .then(|| r.try_get::<String, _>(1).ok())
            .flatten()
    });
    mode.as_deref() != Some("session")
}

fn cache() -> &'static Mutex<HashMap<String, &'static Flavour>> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Flavour>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn cached(key: &str) -> Option<&'static Flavour> {
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(key)
        .copied()
}

fn remember(key: String, flavour: &'static Flavour) {
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, flavour);
}

/// Which server and database a URL (or a pool) reaches: the cache key,
/// read the way sqlx reads it so that a pool and its URL agree.
fn key_of_url(url: &DatabaseUrl) -> Option<(String, u16)> {
    match url.backend() {
        Backend::Postgres => sqlx::postgres::PgConnectOptions::from_str(url.expose())
            .ok()
            .map(|o| pg_key(&o)),
        Backend::MySql => sqlx::mysql::MySqlConnectOptions::from_str(url.expose())
            .ok()
            .map(|o| mysql_key(&o)),
        Backend::Sqlite => None,
    }
}

fn pg_key(o: &sqlx::postgres::PgConnectOptions) -> (String, u16) {
    let key = format!(
        "postgres://{}@{}:{}/{}",
        o.get_username(),
        o.get_host(),
        o.get_port(),
        o.get_database().unwrap_or_default()
    );
    (key, o.get_port())
}

fn mysql_key(o: &sqlx::mysql::MySqlConnectOptions) -> (String, u16) {
    let key = format!(
        "mysql://{}@{}:{}/{}",
        o.get_username(),
        o.get_host(),
        o.get_port(),
        o.get_database().unwrap_or_default()
    );
    (key, o.get_port())
}

fn key_of_connection(db: &DatabaseConnection) -> Option<(String, u16)> {
    use sea_orm::DatabaseConnectionType as T;
    match &db.inner {
        T::SqlxPostgresPoolConnection(_) => {
            Some(pg_key(&db.get_postgres_connection_pool().connect_options()))
        }
        T::SqlxMySqlPoolConnection(_) => {
            Some(mysql_key(&db.get_mysql_connection_pool().connect_options()))
        }
        _ => None,
    }
}

fn log(flavour: &'static Flavour, how: &str) {
    if flavour == Flavour::base(flavour.dialect) {
        tracing::debug!("database flavour: {flavour} ({how})");
    } else {
        tracing::info!("Database flavour: {flavour} ({how})");
    }
}

/// The flavour of the database at `url`: the user's setting, else the one
/// detected by a probe on a connection of its own (made before the pool,
/// whose options depend on it). Remembered for the process.
pub async fn for_url(url: &DatabaseUrl) -> Result<&'static Flavour, RuntimeError> {
    for_url_within(url, Duration::from_secs(5)).await
}

/// [`for_url`], the probe's connection bounded by `within`.
pub async fn for_url_within(
    url: &DatabaseUrl,
    within: Duration,
) -> Result<&'static Flavour, RuntimeError> {
    if let Some(name) = url.flavour_setting() {
        return Ok(Flavour::named(&name, url.backend())?);
    }
    let Some((key, url_port)) = key_of_url(url) else {
        return Ok(Flavour::base(url.backend()));
    };
    if let Some(f) = cached(&key) {
        return Ok(f);
    }
    let mut opts = ConnectOptions::new(url.expose().to_owned());
    opts.max_connections(1)
        .min_connections(0)
        .connect_timeout(within)
        .acquire_timeout(within)
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|o| o.statement_cache_capacity(0))
        .map_sqlx_mysql_opts(|o| o.statement_cache_capacity(0));
    let conn = Database::connect(opts)
        .await
        .map_err(|e| RuntimeError::Connect {
            url: url.redacted(),
            reason: one_line(&e),
        })?;
    let probe = detect(&conn, Some(url_port)).await;
    let _ = conn.close().await;
    let probe = probe.map_err(|e| RuntimeError::Connect {
        url: url.redacted(),
        reason: format!("cannot read what server this is: {}", one_line(&e)),
    })?;
    let flavour = Flavour::recognise(&probe);
    log(flavour, &probe.version);
    remember(key, flavour);
    Ok(flavour)
}

/// The flavour of the database `db` is connected to: from the cache when its
/// URL was probed, else probed now (with `AUTOGEN_FLAVOUR` honoured).
pub async fn for_connection(db: &DatabaseConnection) -> Result<&'static Flavour, RuntimeError> {
    let backend = Backend::from(db.get_database_backend());
    if let Some(name) = std::env::var("AUTOGEN_FLAVOUR")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(Flavour::named(&name, backend)?);
    }
    let Some((key, url_port)) = key_of_connection(db) else {
        return Ok(Flavour::base(backend));
    };
    if let Some(f) = cached(&key) {
        return Ok(f);
    }
    let probe = detect(db, Some(url_port)).await?;
    let flavour = Flavour::recognise(&probe);
    log(flavour, &probe.version);
    remember(key, flavour);
    Ok(flavour)
}

fn lock_timeouts() -> &'static Mutex<HashMap<String, Duration>> {
    static MAP: OnceLock<Mutex<HashMap<String, Duration>>> = OnceLock::new();
    MAP.get_or_init(Mutex::default)
}

/// Remember the `lock_timeout` a migration connection was made with, for
/// flavours without session state, where it cannot be a session setting
/// and apply sets it inside each migration's transaction.
pub fn remember_lock_timeout(db: &DatabaseConnection, timeout: Duration) {
    if let Some((key, _)) = key_of_connection(db) {
        lock_timeouts()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, timeout);
    }
}

/// The `lock_timeout` remembered for `db` ([`remember_lock_timeout`]).
pub fn lock_timeout_of(db: &DatabaseConnection) -> Option<Duration> {
    let (key, _) = key_of_connection(db)?;
    lock_timeouts()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .copied()
}
