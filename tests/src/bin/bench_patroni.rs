//! Benchmark of a Patroni failover under a migration: how long from the
//! leader's death to a database at a consistent head.
//!
//! ```sh
//! cargo run -p tests --bin bench_patroni              # 5 runs
//! BENCH_RUNS=9 cargo run -p tests --bin bench_patroni
//! ```
//!
//! Each run starts its own cluster (`tests::patroni`: etcd, 2 Patroni
//! nodes with synchronous replication, HAProxy on `/primary`; ttl 6 s,
//! loop_wait 1 s, retry_timeout 2 s), then through HAProxy:
//!
//! 1. `upgrade_to_head::<SlowMigrator>` (the boot's migration step: lock,
//!    a migration that sleeps 3 s in its transaction, then creates table
//!    `slow`) starts on a fresh database;
//! 2. once the migration's `pg_sleep` runs on the leader, the leader is
//!    SIGKILLed (its Patroni and its postmaster);
//! 3. a boot loop, as an orchestrator restarting the app: connect with
//!    the app's retry budget (30 s), `upgrade_to_head` again, until it
//!    succeeds (bounded: 120 s).
//!
//! It prints, as median and min–max: the cluster's start (spawn to the
//! first query through HAProxy); kill to the interrupted migration's
//! error; kill to a writable new leader through HAProxy; kill to the
//! migration applied on the new leader (checked: `slow` recorded once,
//! the table there). Patroni's timings dominate, so a debug build measures
//! the same as a release one.

use std::time::{Duration, Instant};

use autogen_runtime::config::DatabaseUrl;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use tests::fixtures::{SLOW, SlowMigrator};
use tests::patroni::Cluster;
use tests::support::{block_on, query_strings, summarize};

const LOCK_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_RETRY: Duration = Duration::from_secs(30);

struct Sample {
    start: Duration,
    error: Duration,
    leader: Duration,
    head: Duration,
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5);
    println!("Patroni failover under a migration, {runs} runs (a new 2-node cluster each)");
    let mut samples = Vec::new();
    for run in 1..=runs {
        match one_run() {
            Ok(s) => {
                println!(
                    "run {run}: start {:.2} s, error {:.2} s, new leader {:.2} s, head {:.2} s",
                    s.start.as_secs_f64(),
                    s.error.as_secs_f64(),
                    s.leader.as_secs_f64(),
                    s.head.as_secs_f64()
                );
                samples.push(s);
            }
            Err(e) => {
                eprintln!("run {run} failed: {e}");
                std::process::exit(1);
            }
        }
    }
    println!();
    println!("{:<58} {:>9}  {:>15}", "measure", "median", "min–max");
    type Measure = fn(&Sample) -> Duration;
    let rows: [(&str, Measure); 4] = [
        ("cluster start (spawn to a query through HAProxy)", |s| {
            s.start
        }),
        ("SIGKILL of the leader to the migration's error", |s| {
            s.error
        }),
        ("SIGKILL to a writable new leader through HAProxy", |s| {
            s.leader
        }),
        ("SIGKILL to the migration applied (consistent head)", |s| {
            s.head
        }),
    ];
    for (name, f) in rows {
        let v: Vec<Duration> = samples.iter().map(f).collect();
        let (median, min, max) = summarize(&v);
        println!(
            "{name:<58} {:>7.2} s  {:>5.2}–{:<5.2} s",
            median.as_secs_f64(),
            min.as_secs_f64(),
            max.as_secs_f64()
        );
    }
}

fn one_run() -> Result<Sample, String> {
    let mut cluster = Cluster::start(2)?;
    let start = cluster.started_in;
    let raw = cluster.create_database("bench")?;
    let url = DatabaseUrl::parse(&raw, "bench").map_err(|e| e.to_string())?;
    let leader = cluster
        .primary_via_haproxy()
        .ok_or("HAProxy routes to no primary")?;
    let leader_url = cluster.node_url(leader, "bench");

    // 1. The migration, on a thread of its own.
    let migrating = {
        let url = url.clone();
        std::thread::spawn(move || {
            block_on(async move {
                let db = autogen_runtime::connect(&url)
                    .await
                    .map_err(|e| e.to_string())?;
                let r =
                    autogen_runtime::upgrade_to_head::<SlowMigrator>(&db, &url, LOCK_TIMEOUT).await;
                let _ = db.close().await;
                r.map(|_| ()).map_err(|e| e.to_string())
            })
        })
    };
    // 2. Its pg_sleep running on the leader: kill the leader.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sleeping(&leader_url) == 0 {
        if Instant::now() > deadline || migrating.is_finished() {
            return Err("the migration never reached its pg_sleep".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Instant::now();
    cluster.kill_node(leader)?;

    // The leader through HAProxy, watched on a thread while the migration fails.
    let watch = {
        let cluster = &cluster;
        std::thread::scope(|s| {
            let leader = s.spawn(move || {
                cluster
                    .wait_primary_via_haproxy(Some(leader), Duration::from_secs(90))
                    .map(|_| killed.elapsed())
            });
            let failed = migrating
                .join()
                .map_err(|_| "the migration thread panicked")?;
            let error = killed.elapsed();
            if failed.is_ok() {
                return Err("the migration succeeded although its leader died".to_owned());
            }
            // 3. Boot again until it succeeds.
            let head = boot_until_head(&url, killed)?;
            let leader = leader.join().map_err(|_| "the watch thread panicked")??;
            Ok::<_, String>((error, leader, head))
        })
    };
    let (error, new_leader, head) = watch?;
    let got = query_strings(
        &raw,
        "SELECT version FROM seaql_migrations ORDER BY version",
    );
    if got != [SLOW] {
        return Err(format!(
            "seaql_migrations holds {got:?}, want [{SLOW}] once"
        ));
    }
    Ok(Sample {
        start,
        error,
        leader: new_leader,
        head,
    })
}

/// Backends of `url`'s database in `pg_sleep` (0 when unreachable).
fn sleeping(url: &str) -> usize {
    block_on(async {
        let Ok(db) = tests::support::connect(url).await else {
            return 0;
        };
        let n = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()",
            ))
            .await
            .map(|r| r.len())
            .unwrap_or(0);
        let _ = db.close().await;
        n
    })
}

/// The orchestrator's restart loop: connect (with the app's retry budget)
/// and upgrade, until it succeeds; the time since `killed`.
fn boot_until_head(url: &DatabaseUrl, killed: Instant) -> Result<Duration, String> {
    let deadline = killed + Duration::from_secs(120);
    let mut last = String::new();
    while Instant::now() < deadline {
        let r = block_on(async {
            let db = autogen_runtime::connect_with_retry(url, CONNECT_RETRY)
                .await
                .map_err(|e| e.to_string())?;
            let r = autogen_runtime::upgrade_to_head::<SlowMigrator>(&db, url, LOCK_TIMEOUT).await;
            let _ = db.close().await;
            r.map_err(|e| e.to_string())
        });
        match r {
            Ok(_) => return Ok(killed.elapsed()),
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "no boot reached head within 120 s of the kill: {last}"
    ))
}
