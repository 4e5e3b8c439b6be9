//! MariaDB Galera, 3 nodes started by the test (galera-4, rsync SST, loopback):
//! replicas booting against different nodes migrate exactly once (the
//! lease lock in `autogen_lock`, since `GET_LOCK` is node-local there), a
//! node that joins late gets the schema, and a node killed in the middle of
//! a migration leaves the survivors at a consistent revision that the next
//! boot completes exactly once.

use std::time::{Duration, Instant};

use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{self as runtime, MigrationLock, RuntimeError};
use sea_orm_migration::MigratorTrait;
use tests::galera::{GaleraCluster, SLOW_GALERA, SlowGaleraMigrator};
use tests::support::{
    App, BASE_TABLES, Exit, MIGRATED_OK, app_binary, summarize, temp_dir, wait_for,
};

const RUN: Duration = Duration::from_secs(150);
/// How many times the 3 concurrent boots are measured (each on a fresh database).
const BOOT_RUNS: usize = 3;

fn versions() -> Vec<String> {
    let mut v: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    v.sort();
    v
}

/// Wait (bounded) until node `i` shows `want` for `sql`: writes made on
/// another node are applied here a moment later.
fn eventually(cluster: &GaleraCluster, i: usize, sql: &str, want: &[String]) -> Vec<String> {
    wait_for(Duration::from_secs(20), Duration::from_millis(200), || {
        cluster.query(i, sql).ok().filter(|rows| rows == want)
    })
    .unwrap_or_else(|| cluster.query(i, sql).unwrap_or_else(|e| vec![e]))
}

fn tables(cluster: &GaleraCluster, i: usize, db: &str) -> Vec<String> {
    cluster
        .query(
            i,
            &format!(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = '{db}' ORDER BY table_name"
            ),
        )
        .unwrap_or_else(|e| panic!("node {i}: {e}"))
}

/// 3 concurrent `app --migrate-only`, one per node: the exits and the time until the last.
fn three_boots(cluster: &GaleraCluster, db: &str) -> (Vec<Exit>, Duration) {
    let cwd = temp_dir();
    // Built (or found) before the clock starts.
    let _ = app_binary();
    let started = Instant::now();
    let running: Vec<_> = (0..3)
        .map(|i| {
            App::new(cwd.path())
                .database(&cluster.url(i, db))
                .migrate_only()
                .spawn()
        })
        .collect();
    let exits: Vec<Exit> = running.into_iter().map(|r| r.wait(RUN)).collect();
    (exits, started.elapsed())
}

#[test]
fn three_boots_on_three_galera_nodes_migrate_once_and_a_late_node_gets_the_schema() {
    let mut cluster = GaleraCluster::start(3);
    let want = versions();
    let mut times = Vec::new();
    for run in 0..BOOT_RUNS {
        let db = format!("boots_{run}");
        cluster.create_database(&db);
        let (exits, took) = three_boots(&cluster, &db);
        times.push(took);
        let logs: String = exits
            .iter()
            .enumerate()
            .map(|(i, e)| format!("--- boot on node {i} ({}):\n{}", e.status, e.log))
            .collect();
        for exit in &exits {
            assert!(exit.success(), "a boot failed:\n{logs}");
            assert_eq!(exit.lines_with(MIGRATED_OK).len(), 1, "{logs}");
            assert!(exit.lines_with("ERROR").is_empty(), "ERROR logged:\n{logs}");
        }
        let applied: usize = exits
            .iter()
            .map(|e| e.lines_with("Applied migration").len())
            .sum();
        assert_eq!(applied, want.len(), "each migration applied once:\n{logs}");
        for i in 0..3 {
            let got = eventually(
                &cluster,
                i,
                &format!("SELECT version FROM `{db}`.seaql_migrations ORDER BY version"),
                &want,
            );
            assert_eq!(got, want, "node {i}'s seaql_migrations:\n{logs}");
            let t = tables(&cluster, i, &db);
            for table in BASE_TABLES {
                assert!(t.iter().any(|x| x == table), "node {i}: {table} in {t:?}");
            }
            let lock = eventually(
                &cluster,
                i,
                &format!("SELECT count(*) FROM `{db}`.autogen_lock"),
                &["0".to_owned()],
            );
            assert_eq!(lock, ["0"], "node {i}: the lock row was released");
        }
    }
    let (median, min, max) = summarize(&times);
    eprintln!(
        "galera: 3 concurrent boots on 3 nodes, empty database to head: median {:.2}s (min {:.2}s, max {:.2}s, {BOOT_RUNS} runs)",
        median.as_secs_f64(),
        min.as_secs_f64(),
        max.as_secs_f64()
    );

    // A node that joins after the migrations gets them by its state transfer.
    let late = cluster.add_node();
    for run in 0..BOOT_RUNS {
        let db = format!("boots_{run}");
        let got = cluster
            .query(
                late,
                &format!("SELECT version FROM `{db}`.seaql_migrations ORDER BY version"),
            )
            .unwrap_or_else(|e| panic!("late node: {e}"));
        assert_eq!(got, want, "the late node's seaql_migrations of {db}");
        assert_eq!(tables(&cluster, late, &db), tables(&cluster, 0, &db));
    }
    // And a boot against it finds nothing to do.
    let cwd = temp_dir();
    let again = App::new(cwd.path())
        .database(&cluster.url(late, "boots_0"))
        .migrate_only()
        .run(RUN);
    again.assert_success("a boot on the late node");
    assert!(
        again.lines_with("Applied migration").is_empty(),
        "{}",
        again.log
    );
}

/// A multi-threaded runtime, as the app's: MySQL migrations are tracked
/// statement by statement only there (see autogen_runtime::progress).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn the_lease_lock_is_cluster_wide_and_a_killed_migrating_node_leaves_a_consistent_revision() {
    let mut cluster = GaleraCluster::start(3);
    cluster.create_database("lease");
    let url = |i: usize| DatabaseUrl::parse(&cluster.url(i, "lease"), "test").expect("test URL");
    let (u0, u1, u2) = (url(0), url(1), url(2));
    let rt = runtime();

    // Held on node 0, the lock is seen as held on node 1 (GET_LOCK would not be).
    let (latencies, refused) = rt.block_on(async {
        let mut latencies = Vec::new();
        for _ in 0..15 {
            let started = Instant::now();
            let lock = MigrationLock::acquire(&u0, Duration::from_secs(10))
                .await
                .expect("the lock, uncontended");
            latencies.push(started.elapsed());
            assert!(
                matches!(lock, MigrationLock::Lease(_)),
                "Galera uses the lease lock"
            );
            lock.release().await;
        }
        let held = MigrationLock::acquire(&u0, Duration::from_secs(10))
            .await
            .expect("the lock on node 0");
        let refused = match MigrationLock::acquire(&u1, Duration::from_secs(2)).await {
            Ok(other) => {
                other.release().await;
                Ok(())
            }
            Err(e) => Err(e),
        };
        held.release().await;
        (latencies, refused)
    });
    assert!(
        matches!(refused, Err(RuntimeError::LockTimeout(_))),
        "node 1 took the lock held on node 0: {refused:?}"
    );
    let (median, min, max) = summarize(&latencies);
    eprintln!(
        "galera: lease lock acquire, uncontended: median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        latencies.len()
    );

    // Migrate on node 2 and kill node 2 during the migration's sleep,
    // after its first CREATE TABLE reached the others.
    let migrating = std::thread::spawn(move || {
        runtime().block_on(async {
            let conn = runtime::connect(&u2).await?;
            runtime::upgrade_to_head::<SlowGaleraMigrator>(&conn, &u2, Duration::from_secs(30))
                .await
        })
    });
    // (After its first statement is counted in autogen_progress: the node
    // dies during the sleep, not between a DDL statement and its count.)
    let counted = wait_for(Duration::from_secs(30), Duration::from_millis(100), || {
        cluster
            .query(0, "SELECT statements FROM lease.autogen_progress")
            .ok()
            .filter(|r| r == &["1"])
    });
    assert!(
        counted.is_some(),
        "the first statement of the slow migration never reached node 0"
    );
    cluster.kill(2);
    let killed_at = Instant::now();
    let outcome = migrating.join().expect("the migrating thread");
    assert!(
        outcome.is_err(),
        "the migration on the killed node reported success: {outcome:?}"
    );

    // The survivors: not recorded, galera_b absent, the statement that ran counted.
    for i in [0, 1] {
        let t = tables(&cluster, i, "lease");
        assert!(t.iter().any(|x| x == "galera_a"), "node {i}: {t:?}");
        assert!(!t.iter().any(|x| x == "galera_b"), "node {i}: {t:?}");
        let recorded = cluster
            .query(i, "SELECT version FROM lease.seaql_migrations")
            .unwrap_or_else(|e| panic!("node {i}: {e}"));
        assert!(
            recorded.is_empty(),
            "node {i} records {recorded:?} as applied"
        );
        let progress = cluster
            .query(
                i,
                "SELECT version, direction, statements FROM lease.autogen_progress",
            )
            .unwrap_or_else(|e| panic!("node {i}: {e}"));
        assert_eq!(progress, [format!("{SLOW_GALERA}\tup\t1")], "node {i}");
    }

    // The next boot, on node 0: takes over the dead holder's lease once it
    // expired, resumes after the statement that ran, and records it once.
    let report = rt
        .block_on(async {
            let conn = runtime::connect(&u0).await?;
            let report =
                runtime::upgrade_to_head::<SlowGaleraMigrator>(&conn, &u0, Duration::from_secs(60))
                    .await;
            let _ = conn.close().await;
            report
        })
        .unwrap_or_else(|e| panic!("the next boot failed: {e}"));
    eprintln!(
        "galera: node killed mid-migration; the next boot on a survivor completed {:.1}s after the kill (lease takeover included)",
        killed_at.elapsed().as_secs_f64()
    );
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.head.as_deref(), Some(SLOW_GALERA));
    for i in [0, 1] {
        let got = eventually(
            &cluster,
            i,
            "SELECT version FROM lease.seaql_migrations",
            &[SLOW_GALERA.to_owned()],
        );
        assert_eq!(got, [SLOW_GALERA], "node {i}");
        let t = tables(&cluster, i, "lease");
        assert!(t.iter().any(|x| x == "galera_b"), "node {i}: {t:?}");
        let progress = eventually(
            &cluster,
            i,
            "SELECT count(*) FROM lease.autogen_progress",
            &["0".to_owned()],
        );
        assert_eq!(progress, ["0"], "node {i}: progress cleared");
    }
}
