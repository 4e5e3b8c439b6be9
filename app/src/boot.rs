//! Boot: resolve the database, connect (with bounded retry), migrate under
//! the lock; on a read-only standby, wait for the primary's history instead.

use std::time::{Duration, Instant};

use autogen_runtime::config::{Backend, DatabaseUrl};
use autogen_runtime::{self as runtime, RuntimeError};
use migration::Migrator;
use sea_orm_migration::sea_orm::DatabaseConnection;

use crate::api::AppState;

/// The database when no URL is given: a SQLite file under `./data/`,
/// created on first run (`autogen` is given the same one).
pub const DEFAULT_SQLITE_FILE: &str = "data/remediation.db";

pub struct BootOptions {
    pub database_url: Option<String>,
    pub auto_migrate: bool,
    pub connect_retry: Duration,
    pub lock_timeout: Duration,
    /// How long a boot on a read-only standby waits for the history to reach head.
    pub standby_wait: Duration,
}

/// Connect and migrate; logs the outcome and returns `None` when the service must not serve.
pub async fn boot(opts: &BootOptions) -> Option<AppState> {
    let url = match DatabaseUrl::resolve(opts.database_url.as_deref(), DEFAULT_SQLITE_FILE) {
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
    let flavour = match runtime::flavour::for_url(&url).await {
        Ok(flavour) => flavour,
        Err(e) => {
            tracing::error!("❌ Database migrations failed: {e}");
            return None;
        }
    };
    if !flavour.caps.writable {
        if let Err(e) = follow(&db, flavour, opts.standby_wait).await {
            tracing::error!("❌ Not serving: {e}");
            return None;
        }
    } else if opts.auto_migrate {
        if let Err(e) = migrate(&db, &url, opts.lock_timeout).await {
            tracing::error!("❌ Database migrations failed: {e}");
            return None;
        }
    } else {
        tracing::info!("AUTO_MIGRATE=false: skipping migrations");
    }
    if url.backend() == Backend::Sqlite {
        let pools = match crate::sqlite_serving::pools(&url, db).await {
            Ok(pools) => pools,
            Err(e) => {
                tracing::error!("❌ Cannot open the database for serving: {e}");
                return None;
            }
        };
        return Some(AppState {
            db: runtime::ServingConnection::direct(pools.read),
            writer: runtime::ServingConnection::direct(pools.write),
            url,
        });
    }
    // Behind a transaction pooler, requests get a pool of their own whose
    // every statement commits before it answers (see `ServingConnection`).
    let db = match runtime::connect_serving(db, &url).await {
        Ok(db) => db,
        Err(e) => {
            tracing::error!("❌ Cannot serve: {e}");
            return None;
        }
    };
    if db.is_pinned() {
        tracing::info!(
            "Serving through a transaction pooler: each statement runs in a transaction of its own"
        );
    }
    Some(AppState {
        writer: db.clone(),
        db,
        url,
    })
}

/// A read-only standby is never migrated: wait for replication to bring
/// the primary's migrations.
async fn follow(
    db: &DatabaseConnection,
    flavour: &runtime::Flavour,
    wait: Duration,
) -> Result<(), RuntimeError> {
    tracing::info!(
        "The database is {flavour}, a read-only replica: not migrating it; waiting up to {} s for its history to reach this build's head (STANDBY_WAIT_SECS)",
        wait.as_secs()
    );
    let started = Instant::now();
    let head = runtime::wait_for_head::<Migrator>(db, wait).await?;
    tracing::info!(
        "✅ The standby is at head {} ({} ms): serving reads",
        head.as_deref().unwrap_or("<base>"),
        started.elapsed().as_millis()
    );
    Ok(())
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
