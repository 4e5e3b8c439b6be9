//! Connecting, with a bounded retry for databases that are still starting.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::RuntimeError;
use crate::config::{Backend, DatabaseUrl};

fn options(url: &DatabaseUrl) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.expose().to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30));
    if url.backend() == Backend::Sqlite {
        // A migration holds SQLite's write lock while it runs (a big table
        // rebuild: seconds), which shuts out every other connection: wait
        // for it as long as for the migration lock, not sqlx's 5 s, so that
        // "database is locked" does not reach a booting replica.
        opts.map_sqlx_sqlite_opts(|o| o.busy_timeout(crate::DEFAULT_LOCK_TIMEOUT));
    }
    opts
}

async fn open(url: &DatabaseUrl, opts: ConnectOptions) -> Result<DatabaseConnection, RuntimeError> {
    url.check_sqlite_dir()?;
    probe(
        url,
        opts.get_connect_timeout().unwrap_or(Duration::from_secs(5)),
    )
    .await?;
    Database::connect(opts)
        .await
        .map_err(|e| RuntimeError::Connect {
            url: url.redacted(),
            reason: one_line(&e),
        })
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
    open(url, options(url)).await
}

/// Connect for a short-lived command (the CLI): the pool keeps retrying a
/// refused connection until its acquire timeout, so bound that too, and an
/// unreachable server fails after `timeout` rather than 30 s.
pub async fn connect_within(
    url: &DatabaseUrl,
    timeout: Duration,
) -> Result<DatabaseConnection, RuntimeError> {
    let mut opts = options(url);
    opts.connect_timeout(timeout).acquire_timeout(timeout);
    open(url, opts).await
}

/// The connection migrations are applied on: a pool of one, so that
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
    if url.backend() == Backend::Sqlite && url.sqlite_path().is_none() {
        return Ok(MigrationConnection {
            conn: db.clone(),
            owned: false,
        });
    }
    let mut opts = options(url);
    // Session settings (and SQLite's PRAGMAs) must hold for the whole run:
    // the pool must not replace the connection between two statements.
    opts.max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None);
    if url.backend() == Backend::Postgres {
        let millis = lock_timeout
            .min(crate::config::MAX_WAIT)
            .as_millis()
            .max(1)
            .to_string();
        opts.map_sqlx_postgres_opts(move |o| o.options([("lock_timeout", millis.as_str())]));
    }
    Ok(MigrationConnection {
        conn: open(url, opts).await?,
        owned: true,
    })
}

/// A connection from [`connect_for_migrations`]; [`Self::close`] closes it
/// unless it is the caller's own pool.
#[derive(Debug)]
pub struct MigrationConnection {
    conn: DatabaseConnection,
    owned: bool,
}

impl MigrationConnection {
    pub async fn close(self) {
        if self.owned {
            let _ = self.conn.close().await;
        }
    }
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
    let deadline = crate::lock::deadline_after(budget);
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

/// A driver error on one line, without the URL (which may hold a password).
pub(crate) fn one_line(e: &DbErr) -> String {
    let text = e.to_string();
    let text = text
        .strip_prefix("Connection Error: ")
        .or_else(|| text.strip_prefix("Execution Error: "))
        .or_else(|| text.strip_prefix("Query Error: "))
        .unwrap_or(&text);
    let text = text
        .strip_prefix("error returned from database: ")
        .unwrap_or(text);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // sqlx appends PostgreSQL's own source position ("at line 1454"): noise to a user.
    if let [.., at, line, n] = words.as_slice()
        && *at == "at"
        && *line == "line"
        && n.parse::<u32>().is_ok()
    {
        words.truncate(words.len() - 3);
    }
    let line = words.join(" ");
    if line == "out of shared memory" {
        // PostgreSQL's hint (not in sqlx's message) is what the user needs.
        return format!(
            "{line}: the migration takes more locks in one transaction than the server allows; raise max_locks_per_transaction (server restart) or split the migration"
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::RuntimeErr;

    use super::*;

    fn exec(text: &str) -> DbErr {
        DbErr::Exec(RuntimeErr::Internal(text.into()))
    }

    #[test]
    fn one_line_drops_prefixes_and_positions_and_explains_lock_exhaustion() {
        let e = exec("error returned from database: relation \"x\" does not exist at line 12");
        assert_eq!(one_line(&e), "relation \"x\" does not exist");
        let e = exec("error returned from database: out of shared memory");
        assert!(
            one_line(&e).contains("raise max_locks_per_transaction"),
            "{}",
            one_line(&e)
        );
    }
}
