//! Benchmark of boot: a no-op boot (the database is already at head), and
//! the base migration applied to an empty database.
//!
//! ```sh
//! cargo run --release -p tests --bin bench_boot            # 20 runs of each
//! BENCH_RUNS=50 cargo run --release -p tests --bin bench_boot
//! ```
//!
//! For PostgreSQL (a fresh database on the test server, dropped afterwards;
//! see `TEST_POSTGRES_URL`) and SQLite (a file in a temporary directory),
//! after one boot has brought the database to head, it measures:
//!
//! - (a) `autogen_runtime::upgrade_to_head::<migration::Migrator>` on an
//!   open connection: the migration step of boot alone;
//! - (b) the wall time of a whole `app --migrate-only` process;
//! - (c) the time from spawning `app` to its first successful `GET /health`;
//! - (d) `upgrade_to_head` on a new, empty database: applying the base
//!   migration (lock, migration, bookkeeping).
//!
//! It prints the median and the min–max of each, then peak memory (`VmHWM`):
//! of `app` serving after a no-op boot (read from `/proc` after its first
//! `200`), of `app` serving after it applied the base migration to an empty
//! database, and of (d) in this process. The `app` binary is built with the same profile as this
//! program (`--release` here).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use autogen_runtime::config::DatabaseUrl;
use tests::support::{self, App, TestDb, free_port, http, summarize, temp_dir};

const TIMEOUT: Duration = Duration::from_secs(60);

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let bin = support::app_binary();
    println!("No-op boot (database already at head), {runs} runs each, {profile} build");
    println!("app: {}", bin.display());
    println!();
    println!(
        "{:<9} {:<52} {:>10}  {:>19}",
        "backend", "measure", "median", "min–max"
    );
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        bench(&db, runs);
    }
    println!();
    let mb = |p: &AtomicU64| p.load(Ordering::Relaxed) as f64 / 1024.0;
    println!(
        "peak RSS: app serving after a no-op boot {:.1} MB; app serving after applying the base migration {:.1} MB; (d) in this process {:.1} MB",
        mb(&APP_PEAK_KB),
        mb(&APP_MIGRATED_PEAK_KB),
        mb(&BASE_PEAK_KB)
    );
}

static APP_PEAK_KB: AtomicU64 = AtomicU64::new(0);
static APP_MIGRATED_PEAK_KB: AtomicU64 = AtomicU64::new(0);
static BASE_PEAK_KB: AtomicU64 = AtomicU64::new(0);

/// The peak RSS in kB of process `pid` so far (`self` for this one; Linux).
fn peak_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn bench(db: &TestDb, runs: usize) {
    let cwd = temp_dir();
    let app = App::new(cwd.path()).database(&db.url());
    let first = app.clone().migrate_only().run(TIMEOUT);
    first.assert_success("bringing the database to head");

    // (a) the library call on an open connection.
    let url = DatabaseUrl::parse(&db.url(), "bench").expect("database URL");
    let lib = support::block_on(async {
        let conn = autogen_runtime::connect(&url).await.expect("connect");
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let report =
                autogen_runtime::upgrade_to_head::<migration::Migrator>(&conn, &url, TIMEOUT)
                    .await
                    .expect("upgrade_to_head");
            samples.push(started.elapsed());
            assert!(report.applied.is_empty(), "the database was not at head");
        }
        let _ = conn.close().await;
        samples
    });
    row(db, "(a) upgrade_to_head on an open connection", &lib);

    // (b) a whole `app --migrate-only` process.
    let migrate_only = app.clone().migrate_only();
    let process: Vec<Duration> = (0..runs)
        .map(|_| {
            let exit = migrate_only.run(TIMEOUT);
            exit.assert_success("app --migrate-only");
            assert!(
                !exit.lines_with("0 applied").is_empty(),
                "a no-op boot applied something:\n{}",
                exit.log
            );
            exit.elapsed
        })
        .collect();
    row(db, "(b) app --migrate-only, process wall time", &process);

    // (c) spawn to the first successful GET /health.
    let ready: Vec<Duration> = (0..runs)
        .map(|_| {
            let port = free_port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let started = Instant::now();
            let mut running = app.clone().env("PORT", port.to_string()).spawn();
            let healthy = support::wait_for(TIMEOUT, Duration::from_micros(500), || {
                if running.has_exited() {
                    return Some(None);
                }
                match http::get(addr, "/health") {
                    Ok(r) if r.status == 200 => Some(Some(started.elapsed())),
                    _ => None,
                }
            });
            let elapsed = match healthy {
                Some(Some(elapsed)) => elapsed,
                _ => panic!("app never answered /health:\n{}", running.kill().log),
            };
            APP_PEAK_KB.fetch_max(peak_kb(&running.pid().to_string()), Ordering::Relaxed);
            running.terminate();
            running.wait(TIMEOUT).assert_success("SIGTERM");
            elapsed
        })
        .collect();
    row(db, "(c) spawn app to first 200 from GET /health", &ready);

    // The app's memory after applying the base migration itself.
    {
        let empty = match db.db_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => TestDb::postgres(),
            _ => TestDb::sqlite(),
        };
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut running = App::new(cwd.path())
            .database(&empty.url())
            .env("PORT", port.to_string())
            .spawn();
        let healthy = support::wait_for(TIMEOUT, Duration::from_millis(1), || {
            if running.has_exited() {
                return Some(false);
            }
            matches!(http::get(addr, "/health"), Ok(r) if r.status == 200).then_some(true)
        });
        if healthy != Some(true) {
            panic!(
                "app on an empty database never answered /health:\n{}",
                running.kill().log
            );
        }
        APP_MIGRATED_PEAK_KB.fetch_max(peak_kb(&running.pid().to_string()), Ordering::Relaxed);
        running.terminate();
        running.wait(TIMEOUT).assert_success("SIGTERM");
    }

    // (d) the base migration on a new, empty database.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base: Vec<Duration> = (0..runs)
        .map(|_| {
            let empty = match db.db_backend() {
                sea_orm_migration::sea_orm::DbBackend::Postgres => TestDb::postgres(),
                _ => TestDb::sqlite(),
            };
            let url = DatabaseUrl::parse(&empty.url(), "bench").expect("database URL");
            support::block_on(async {
                let conn = autogen_runtime::connect(&url).await.expect("connect");
                let started = Instant::now();
                let report =
                    autogen_runtime::upgrade_to_head::<migration::Migrator>(&conn, &url, TIMEOUT)
                        .await
                        .expect("upgrade_to_head");
                let elapsed = started.elapsed();
                assert!(!report.applied.is_empty(), "nothing was applied");
                let _ = conn.close().await;
                elapsed
            })
        })
        .collect();
    BASE_PEAK_KB.fetch_max(peak_kb("self"), Ordering::Relaxed);
    row(db, "(d) base migration on an empty database", &base);
}

fn row(db: &TestDb, what: &str, samples: &[Duration]) {
    let (median, min, max) = summarize(samples);
    println!(
        "{:<9} {:<52} {:>10}  {:>19}",
        db.backend(),
        what,
        ms(median),
        format!("{}–{}", ms(min), ms(max)),
    );
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
