//! Connecting, with a bounded retry for databases that are still starting.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::RuntimeError;
use crate::config::DatabaseUrl;

/// Connect once; a failure is reported with the redacted URL.
pub async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, RuntimeError> {
    let mut opts = ConnectOptions::new(url.expose().to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30));
    Database::connect(opts)
        .await
        .map_err(|e| RuntimeError::Connect {
            url: url.redacted(),
            reason: one_line(&e),
        })
}

/// Connect, retrying with exponential backoff (100 ms doubling to 2 s) for at
/// most `budget`: a database that is starting next to the service is waited
/// for, a wrong URL fails after the budget with one line.
pub async fn connect_with_retry(
    url: &DatabaseUrl,
    budget: Duration,
) -> Result<DatabaseConnection, RuntimeError> {
    let deadline = Instant::now() + budget;
    let mut delay = Duration::from_millis(100);
    loop {
        match connect(url).await {
            Ok(db) => return Ok(db),
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
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
