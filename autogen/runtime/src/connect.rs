//! Connecting, with a bounded retry for databases that are still starting.
//! The pool's options follow the database's flavour, which is detected (or
//! read from the settings) before the pool is made.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::RuntimeError;
use crate::config::{Backend, DatabaseUrl};
use crate::error::one_line;
use crate::flavour::{self, Flavour};
use crate::serving::ServingConnection;
use crate::wait::deadline_after;

fn options(url: &DatabaseUrl, _flavour: &Flavour) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.expose().to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30));
    if url.backend() == Backend::Sqlite {
        // A migration holds SQLite's write lock while it runs (a big table
        // rebuild: seconds), which shuts out every other connection: wait
        // for it as long as for the migration lock, not sqlx's 5 s, so that
        // "database is locked" does not reach a booting replica.
        opts.map_sqlx_sqlite_opts(|o| o.busy_timeout(crate::wait::DEFAULT_LOCK_TIMEOUT));
    }
    opts
}

/// The flavour a pool for `url` is made for: probed before the pool on
/// PostgreSQL (a pooler changes the pool's options), the dialect's plain
/// one elsewhere until something asks (the lock, apply).
async fn flavour_for_pool(
    url: &DatabaseUrl,
    within: Duration,
) -> Result<&'static Flavour, RuntimeError> {
    if url.backend() == Backend::Postgres || url.flavour_setting().is_some() {
        flavour::for_url_within(url, within).await
    } else {
        Ok(Flavour::base(url.backend()))
    }
}

async fn open(
    url: &DatabaseUrl,
    within: Duration,
    opts: impl FnOnce(&Flavour) -> ConnectOptions,
) -> Result<DatabaseConnection, RuntimeError> {
    url.check_sqlite_dir()?;
    probe(url, within).await?;
    let flavour = flavour_for_pool(url, within).await?;
    let opts = opts(flavour);
    if url.backend() == Backend::Postgres && !flavour.caps.named_prepared_statements {
        return open_pooled(url, &opts).await;
    }
    Database::connect(opts)
        .await
        .map_err(|e| RuntimeError::Connect {
            url: url.redacted(),
            reason: one_line(&e),
        })
}

/// What a pool checkout begins with behind a transaction pooler: a
/// transaction, so that every round trip of the checkout (sqlx prepares a
/// statement, then binds it after a sync, and the pooler may switch server
/// connections in between) reaches the one server connection the pooler
/// pins for it, and no statement an earlier client prepared by name on that
/// connection (sqlx names them `sqlx_s_N` even with its statement cache
/// off, and never closes them) collides with ours.
const CHECKOUT_BEGIN: &str = "BEGIN; DEALLOCATE ALL";
/// And what it ends with: the implicit writes are committed (an aborted
/// transaction rolls back), and the server connection goes back to the pooler.
const CHECKOUT_END: &str = "COMMIT";

/// A PostgreSQL pool for a transaction pooler, for the runtime (boot,
/// migrations, the CLI): sqlx's pool with its statement cache off and every
/// checkout one transaction ([`CHECKOUT_BEGIN`], [`CHECKOUT_END`]), under
/// sea-orm. sqlx is told of that transaction once (its depth stays 1), so a
/// sea-orm transaction in a checkout is a savepoint inside it and its commit
/// keeps the server connection pinned until the checkout ends.
///
/// The `COMMIT` runs in sqlx's release hook, after the caller has the
/// result: fine on the migration pool of one connection (each checkout
/// waits for the previous one's release, and [`MigrationConnection::close`]
/// waits for the last), not for serving requests, which go through
/// [`connect_serving`] instead (every statement committed before it
/// returns). Apply, lock and status are written against sea-orm's
/// `DatabaseConnection`, which cannot be given that per-statement
/// transaction, hence the two.
async fn open_pooled(
    url: &DatabaseUrl,
    opts: &ConnectOptions,
) -> Result<DatabaseConnection, RuntimeError> {
    use std::str::FromStr;

    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{self, Connection, Error};

    let err = |e: Error| RuntimeError::Connect {
        url: url.redacted(),
        reason: one_line(&sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
            e.into(),
        ))),
    };
    let connect = PgConnectOptions::from_str(url.expose())
        .map_err(err)?
        .statement_cache_capacity(0);
    let mut pool = PgPoolOptions::new()
        .after_connect(|c, _| {
            Box::pin(async move {
                // The guard is forgotten: the transaction outlives it, and
                // sqlx's depth stays 1 for the connection's life.
                std::mem::forget(c.begin_with(CHECKOUT_BEGIN).await?);
                Ok(())
            })
        })
        .before_acquire(|c, _| {
            Box::pin(async move { sqlx::raw_sql(CHECKOUT_BEGIN).execute(c).await.map(|_| true) })
        })
        .after_release(|c, _| {
            Box::pin(async move { Ok(sqlx::raw_sql(CHECKOUT_END).execute(c).await.is_ok()) })
        });
    if let Some(max) = opts.get_max_connections() {
        pool = pool.max_connections(max);
    }
    if let Some(min) = opts.get_min_connections() {
        pool = pool.min_connections(min);
    }
    if let Some(t) = opts.get_acquire_timeout() {
        pool = pool.acquire_timeout(t);
    }
    if let Some(t) = opts.get_idle_timeout() {
        pool = pool.idle_timeout(t);
    }
    if let Some(t) = opts.get_max_lifetime() {
        pool = pool.max_lifetime(t);
    }
    let pool = pool.connect_with(connect).await.map_err(err)?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        pool,
    ))
}

/// One TCP connect to the server before the pool is made: the pool retries a
/// refused connection until its acquire timeout and then reports only
/// "pool timed out", while the refusal (nothing listens there) is known at
/// once. Anything else (reachable, slow, another error) is left to the
/// driver, which says more.
async fn probe(url: &DatabaseUrl, within: Duration) -> Result<(), RuntimeError> {
    let Some((host, port)) = url.server_address() else {
        return Ok(());
    };
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    let reason = match tokio::time::timeout(within, connect).await {
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!(
                "connection refused at {host}:{port}: is the server running, and is that its address?"
            )
        }
        Ok(Err(e)) if e.to_string().contains("lookup address") => {
            format!("cannot resolve the host `{host}`: check the host name in the URL")
        }
        _ => return Ok(()),
    };
    Err(RuntimeError::Connect {
        url: url.redacted(),
        reason,
    })
}

/// Connect once; a failure is reported with the redacted URL.
pub async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, RuntimeError> {
    open(url, Duration::from_secs(5), |f| options(url, f)).await
}

/// Connect for a short-lived command (the CLI): the pool keeps retrying a
/// refused connection until its acquire timeout, so bound that too, and an
/// unreachable server fails after `timeout` rather than 30 s.
pub async fn connect_within(
    url: &DatabaseUrl,
    timeout: Duration,
) -> Result<DatabaseConnection, RuntimeError> {
    open(url, timeout, |f| {
        let mut opts = options(url, f);
        opts.connect_timeout(timeout).acquire_timeout(timeout);
        opts
    })
    .await
}

/// The connection migrations are applied on (at the direct URL when one is
/// set, `DIRECT_DATABASE_URL`): a pool of one, so that
/// session settings hold for every statement (SQLite's `PRAGMA
/// foreign_keys = OFF` must reach the connection that then runs the
/// migration's transaction). On PostgreSQL the session's `lock_timeout` is
/// set: DDL waiting for a table lock queues every later query on that table
/// behind it, so it must give up (and its migration roll back) rather than
/// stall production traffic. An in-memory SQLite database exists only in
/// `db`'s pool, so that one is used as it is.
pub async fn connect_for_migrations(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
) -> Result<MigrationConnection, RuntimeError> {
    let direct = url.direct_url()?;
    let url = direct.as_ref().unwrap_or(url);
    if url.backend() == Backend::Sqlite && url.sqlite_path().is_none() {
        return Ok(MigrationConnection {
            conn: db.clone(),
            owned: false,
        });
    }
    let conn = open(url, Duration::from_secs(5), |f| {
        let mut opts = options(url, f);
        // Session settings (and SQLite's PRAGMAs) must hold for the whole run:
        // the pool must not replace the connection between two statements.
        opts.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
        // Behind a transaction pooler no session setting survives a
        // transaction (and a startup `options` may be refused): apply sets
        // `lock_timeout` inside each migration's transaction instead.
        if f.caps.lock_timeout && f.caps.session_state {
            let millis = lock_timeout
                .min(crate::config::MAX_WAIT)
                .as_millis()
                .max(1)
                .to_string();
            opts.map_sqlx_postgres_opts(move |o| o.options([("lock_timeout", millis.as_str())]));
        }
        opts
    })
    .await?;
    flavour::remember_lock_timeout(&conn, lock_timeout);
    Ok(MigrationConnection { conn, owned: true })
}

/// A connection from [`connect_for_migrations`]; [`Self::close`] closes it
/// unless it is the caller's own pool.
#[derive(Debug)]
pub struct MigrationConnection {
    conn: DatabaseConnection,
    owned: bool,
}

impl MigrationConnection {
    /// Close the pool once its last checkout is back: behind a transaction
    /// pooler that checkout's `COMMIT` is sent as it goes back, and closing
    /// the pool first would roll it back (see [`settle`]).
    pub async fn close(self) {
        if self.owned {
            settle(&self.conn).await;
            let _ = self.conn.close().await;
        }
    }
}

/// How long [`settle`] waits for checkouts still going back to the pool.
const SETTLE_WITHIN: Duration = Duration::from_secs(10);

/// Wait (at most [`SETTLE_WITHIN`]) until every connection of a pool made
/// by [`open_pooled`] is back in it: sqlx runs the release hook, the
/// checkout's `COMMIT`, in a task after the connection is dropped, and a
/// pool closed before that task runs closes the connection instead, which
/// rolls the checkout back. No-op for every other pool.
pub(crate) async fn settle(db: &DatabaseConnection) {
    let sea_orm::DatabaseConnectionType::SqlxPostgresPoolConnection(_) = &db.inner else {
        return;
    };
    let pool = db.get_postgres_connection_pool();
    let deadline = deadline_after(SETTLE_WITHIN);
    while pool.num_idle() < pool.size() as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The connection to serve requests through (see [`ServingConnection`]):
/// `db` itself on a server that keeps sessions; behind a transaction
/// pooler a plain pool (no checkout hooks, sqlx's statement cache off) on
/// which every statement is its own transaction, committed before its
/// result returns, and `db` (the boot's pool) is closed.
pub async fn connect_serving(
    db: DatabaseConnection,
    url: &DatabaseUrl,
) -> Result<ServingConnection, RuntimeError> {
    if url.backend() != Backend::Postgres {
        return Ok(ServingConnection::direct(db));
    }
    let flavour = flavour::for_url(url).await?;
    if flavour.caps.named_prepared_statements {
        return Ok(ServingConnection::direct(db));
    }
    let mut opts = options(url, flavour);
    opts.map_sqlx_postgres_opts(|o| o.statement_cache_capacity(0));
    let serving = Database::connect(opts)
        .await
        .map_err(|e| RuntimeError::Connect {
            url: url.redacted(),
            reason: one_line(&e),
        })?;
    settle(&db).await;
    let _ = db.close().await;
    Ok(ServingConnection::pinned(serving))
}

impl std::ops::Deref for MigrationConnection {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.conn
    }
}

/// Connect, retrying with exponential backoff (100 ms doubling to 2 s) for at
/// most `budget`: a database that is starting next to the service is waited
/// for, a wrong URL fails after the budget with one line. The pool returned
/// is the normal one of [`connect`] (30 s acquire timeout): the short
/// timeouts of the attempts are for probing and must not reach a pool that
/// then serves traffic, where a burst would fail acquires after 200 ms.
pub async fn connect_with_retry(
    url: &DatabaseUrl,
    budget: Duration,
) -> Result<DatabaseConnection, RuntimeError> {
    let deadline = deadline_after(budget);
    let mut delay = Duration::from_millis(100);
    loop {
        // Each attempt is bounded too: the pool itself retries a refused
        // connection until its timeout, which would swallow the whole budget.
        let remaining = deadline.saturating_duration_since(Instant::now());
        let attempt = remaining.clamp(Duration::from_millis(200), Duration::from_secs(5));
        match connect_within(url, attempt).await {
            Ok(probe) => {
                let _ = probe.close().await;
                return connect(url).await;
            }
            Err(e) if Instant::now() + delay < deadline => {
                tracing::warn!("database not reachable yet, retrying in {delay:?}: {e}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}
