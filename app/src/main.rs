//! The remediation engine: migrate the database at boot, then serve the API.

mod api;
mod boot;
mod sqlite_serving;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;

use autogen_runtime::config::wait_secs;
use clap::Parser;

/// The remediation engine service.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Apply pending migrations and exit (for scripts and CI).
    #[arg(long)]
    migrate_only: bool,
    /// Port to serve on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Database URL; defaults to DATABASE_URL, then `.env`, then the embedded SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Apply pending migrations at boot (AUTO_MIGRATE=false skips it).
    #[arg(long, env = "AUTO_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    auto_migrate: bool,
    /// How long to keep retrying an unreachable database at boot, in seconds.
    #[arg(long, env = "DB_CONNECT_RETRY_SECS", default_value_t = 30)]
    connect_retry_secs: u64,
    /// How long to wait for another replica's migration lock, in seconds.
    #[arg(long, env = "MIGRATION_LOCK_TIMEOUT_SECS", default_value_t = 60)]
    lock_timeout_secs: u64,
    /// On a read-only standby: how long to wait for the history to reach head, in seconds.
    #[arg(long, env = "STANDBY_WAIT_SECS", default_value_t = 30)]
    standby_wait_secs: u64,
    /// Log one line per HTTP request at info (ACCESS_LOG=false turns it off).
    #[arg(long, env = "ACCESS_LOG", default_value_t = true, action = clap::ArgAction::Set)]
    access_log: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm_migration=warn".into()),
        )
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let args = Args::parse();
    let waits = wait_secs(
        "DB_CONNECT_RETRY_SECS (--connect-retry-secs)",
        args.connect_retry_secs,
    )
    .and_then(|retry| {
        Ok((
            retry,
            wait_secs(
                "MIGRATION_LOCK_TIMEOUT_SECS (--lock-timeout-secs)",
                args.lock_timeout_secs,
            )?,
        ))
    });
    let waits = waits.and_then(|(retry, lock)| {
        Ok((
            retry,
            lock,
            wait_secs(
                "STANDBY_WAIT_SECS (--standby-wait-secs)",
                args.standby_wait_secs,
            )?,
        ))
    });
    let (connect_retry, lock_timeout, standby_wait) = match waits {
        Ok(waits) => waits,
        Err(e) => {
            tracing::error!("❌ Cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The port is taken before migrating: one in use is reported at once.
    let listener = if args.migrate_only {
        None
    } else {
        let addr = SocketAddr::from(([0, 0, 0, 0], args.port));
        match api::bind(addr).await {
            Ok(listener) => Some(listener),
            Err(e) => {
                tracing::error!("❌ Cannot start: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    };
    let opts = boot::BootOptions {
        database_url: args.database_url.clone(),
        auto_migrate: args.auto_migrate || args.migrate_only,
        connect_retry,
        lock_timeout,
        standby_wait,
    };
    let Some(state) = boot::boot(&opts).await else {
        return ExitCode::FAILURE;
    };
    let Some(listener) = listener else {
        return ExitCode::SUCCESS;
    };
    match api::serve(state, listener, args.access_log).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("❌ Server failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
