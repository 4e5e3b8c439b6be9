//! How the app serves a SQLite file: readers that never wait for the writer,
//! and one writer connection of its own.
//!
//! SQLite takes one writer at a time. With sea-orm's default (one pooled
//! connection for everything, rollback journal) every read queues behind
//! every write's commit, and 200 clients see second-long tails. Serving
//! therefore opens the file twice after the boot's migrations:
//! - a read pool in WAL mode (`journal_mode=WAL`, persistent in the file),
//!   where readers see the last commit and are never blocked by a writer;
//! - a write pool of exactly one connection, so writers queue in the pool
//!   (fairly, without spinning in SQLite's busy handler) and never hold a
//!   reader's connection while they wait.
//!
//! Both keep a `busy_timeout`: a migration run by another process (a second
//! replica booting, `autogen upgrade`) holds the write lock for as long as it
//! runs, and a request then waits for it rather than failing with
//! "database is locked". An in-memory database exists only in the boot's
//! pool, so it is served by that pool alone.

use std::time::Duration;

use autogen_runtime::config::{Backend, DatabaseUrl};
use sea_orm_migration::sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// How long a request waits for SQLite's write lock held by another
/// process (a migration) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The connections the API serves on: `read` for queries, `write` for
/// inserts, updates and deletes. On PostgreSQL and MySQL both are the boot's pool.
#[derive(Clone)]
pub struct Pools {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
}

/// Readers in the read pool: SQLite reads are CPU-bound work on each
/// connection's worker thread, so a few per core.
fn readers() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 2).clamp(2, 8) as u32
}

fn options(url: &DatabaseUrl, connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.expose().to_owned());
    opts.sqlx_logging(false)
        .max_connections(connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL syncs at checkpoints, not at every
                // commit: a commit survives the app's crash, and SQLite's
                // documentation recommends it for WAL.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
        });
    opts
}

/// The serving pools for `url`, given the pool the boot migrated with
/// (`boot`, kept for the reads of an in-memory database and for other
/// backends; closed otherwise).
pub async fn pools(url: &DatabaseUrl, boot: DatabaseConnection) -> Result<Pools, DbErr> {
    if url.backend() != Backend::Sqlite || url.sqlite_path().is_none() {
        return Ok(Pools {
            read: boot.clone(),
            write: boot,
        });
    }
    // The writer first: switching the file to WAL takes its write lock.
    let write = Database::connect(options(url, 1)).await?;
    let read = Database::connect(options(url, readers())).await?;
    let _ = boot.close().await;
    Ok(Pools { read, write })
}
