//! Boot: resolve the database, connect (with bounded retry), migrate under the lock.

use std::time::{Duration, Instant};

use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{self as runtime, RuntimeError};
use migration::Migrator;
use sea_orm_migration::sea_orm::DatabaseConnection;

use crate::api::AppState;

pub struct BootOptions {
    pub database_url: Option<String>,
    pub auto_migrate: bool,
    pub connect_retry: Duration,
    pub lock_timeout: Duration,
}

/// Connect and migrate; logs the outcome and returns `None` when the service must not serve.
pub async fn boot(opts: &BootOptions) -> Option<AppState> {
    let url = match DatabaseUrl::resolve(opts.database_url.as_deref()) {
        Ok(url) => url,
        Err(e) => {
            tracing::error!("❌ Database migrations failed: {e}");
            return None;
        }
    };
    tracing::info!(
        "Using {} database {} (from {})",
        url.backend(),
        url.redacted(),
        url.source
    );
    let db = match runtime::connect_with_retry(&url, opts.connect_retry).await {
        Ok(db) => db,
        Err(e) => {
            tracing::error!("❌ Database migrations failed: {e}");
            return None;
        }
    };
    if opts.auto_migrate {
        if let Err(e) = migrate(&db, &url, opts.lock_timeout).await {
            tracing::error!("❌ Database migrations failed: {e}");
            return None;
        }
    } else {
        tracing::info!("AUTO_MIGRATE=false: skipping migrations");
    }
    Some(AppState { db, url })
}

async fn migrate(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    lock_timeout: Duration,
) -> Result<(), RuntimeError> {
    let started = Instant::now();
    let report = runtime::upgrade_to_head::<Migrator>(db, url, lock_timeout).await?;
    tracing::info!(
        "✅ Database migrations completed successfully: {} applied, head {} ({} ms)",
        report.applied.len(),
        report.head.as_deref().unwrap_or("<base>"),
        started.elapsed().as_millis()
    );
    Ok(())
}
