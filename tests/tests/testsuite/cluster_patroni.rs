//! A Patroni HA cluster (etcd, Patroni-managed PostgreSQL nodes, HAProxy
//! routing to the leader; `tests::patroni`), started by each test. The app
//! boots through HAProxy, as it would in production, while the leader dies
//! or hands over:
//!
//! - the leader SIGKILLed in the middle of a long migration: the boot
//!   fails with one line, the promoted node holds the previous revision
//!   whole (nothing of the migration, every row), and the next boot applies
//!   the migration exactly once;
//! - four replicas booting during a switchover, each restarted when it
//!   fails (as an orchestrator restarts a pod): all end at head, each
//!   version recorded once.
//!
//! The long migration is `faults`'s (a workspace copy with a migration
//! that stops half-way inside its transaction until the test releases it),
//! so both modules share one build of the copy.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::cli_common::Autogen;
use crate::faults::slow;
use tests::patroni::Cluster;
use tests::support::{App, Exit, HEAD, MIGRATED_OK, execute, query_strings, temp_dir};

const ROWS: i64 = 300;
/// The filler table the slow migration creates.
const FILLER_ROWS: i64 = 200_000;

fn start(nodes: usize) -> Cluster {
    Cluster::start(nodes).unwrap_or_else(|e| panic!("{e}"))
}

fn count(url: &str, sql: &str) -> i64 {
    query_strings(url, &format!("SELECT CAST(({sql}) AS TEXT)"))
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

fn versions(url: &str) -> Vec<String> {
    query_strings(url, "SELECT version FROM seaql_migrations ORDER BY version")
}

fn has_table(url: &str, table: &str) -> bool {
    count(
        url,
        &format!("SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'"),
    ) == 1
}

fn has_backfilled(url: &str) -> bool {
    count(
        url,
        "SELECT count(*) FROM information_schema.columns \
         WHERE table_name = 'runbooks' AND column_name = 'backfilled'",
    ) == 1
}

/// At the base revision with every row, nothing of the slow migration.
fn at_base_with_every_row(url: &str, after: &str) {
    assert_eq!(
        versions(url),
        vec![HEAD.to_owned()],
        "revision after {after}"
    );
    assert_eq!(
        count(url, "SELECT count(*) FROM runbooks"),
        ROWS,
        "rows after {after}"
    );
    assert!(
        !has_table(url, "filler"),
        "half a migration left after {after}"
    );
    assert!(!has_backfilled(url), "half a migration left after {after}");
}

/// The slow migration applied whole, once, every row backfilled once.
fn applied_with_every_row(url: &str, after: &str) {
    assert_eq!(
        versions(url),
        vec![HEAD.to_owned(), slow().name.clone()],
        "after {after}"
    );
    assert_eq!(
        count(url, "SELECT count(*) FROM runbooks"),
        ROWS,
        "rows after {after}"
    );
    assert_eq!(
        count(
            url,
            "SELECT count(*) FROM runbooks WHERE backfilled = id + 1"
        ),
        ROWS,
        "backfill after {after}"
    );
    assert_eq!(
        count(url, "SELECT count(*) FROM filler"),
        FILLER_ROWS,
        "filler after {after}"
    );
}

fn wait_for_marker(marker: &Path, what: &str, mut alive: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while !marker.exists() {
        assert!(
            alive(),
            "{what} exited before reaching the middle of the migration"
        );
        assert!(
            Instant::now() < deadline,
            "{what} never reached the middle of the migration"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn release(marker: &Path) {
    std::fs::write(format!("{}.release", marker.display()), "go").expect("release the migration");
}

/// A failed boot says why in one line and nothing else at ERROR level.
fn assert_one_error_line(exit: &Exit, what: &str) {
    let errors = exit.lines_with("ERROR");
    assert!(
        errors.len() == 1 && errors[0].contains("❌"),
        "{what}: one error line expected:\n{}",
        exit.log
    );
}

#[test]
fn leader_sigkilled_mid_migration_leaves_the_previous_revision_whole_and_the_next_boot_applies_it_once()
 {
    let s = slow();
    let began = Instant::now();
    let mut cluster = start(3);
    let url = cluster
        .create_database("app")
        .unwrap_or_else(|e| panic!("{e}"));
    Autogen::new(&url)
        .in_dir(&s.root)
        .binary(&s.autogen)
        .run(&["upgrade", HEAD])
        .ok();
    execute(
        &url,
        &format!(
            "INSERT INTO runbooks (name, category) SELECT 'r' || i, 'c' FROM generate_series(1, {ROWS}) AS i"
        ),
    );
    let leader = cluster
        .primary_via_haproxy()
        .expect("HAProxy routes to the leader");

    let dir = temp_dir();
    let marker = dir.path().join("marker");
    let mut running = App::new(dir.path())
        .binary(&s.app)
        .database(&url)
        .env("FAULTS_MARKER", &marker)
        .migrate_only()
        .spawn();
    wait_for_marker(&marker, "the app", || !running.has_exited());
    let killed = Instant::now();
    cluster.kill_node(leader).unwrap_or_else(|e| panic!("{e}"));
    release(&marker);
    let exit = running.wait(Duration::from_secs(120));
    assert!(
        !exit.success(),
        "the app succeeded although its leader died mid-migration:\n{}",
        exit.log
    );
    assert_one_error_line(&exit, "the boot whose leader died");

    let promoted = cluster
        .wait_primary_via_haproxy(Some(leader), Duration::from_secs(90))
        .unwrap_or_else(|e| panic!("{e}"));
    let failover = killed.elapsed();
    at_base_with_every_row(&url, "the failover");

    let exit = App::new(dir.path())
        .binary(&s.app)
        .database(&url)
        .migrate_only()
        .run(Duration::from_secs(120));
    exit.assert_success("the boot after the failover");
    assert_eq!(exit.lines_with(MIGRATED_OK).len(), 1, "{}", exit.log);
    let at_head = killed.elapsed();
    applied_with_every_row(&url, "the boot after the failover");
    assert_eq!(
        cluster.primary_via_haproxy(),
        Some(promoted),
        "the leader changed again"
    );

    let again = App::new(dir.path())
        .binary(&s.app)
        .database(&url)
        .migrate_only()
        .run(Duration::from_secs(120));
    again.assert_success("a boot at head");
    assert!(
        again.lines_with(": 0 applied").len() == 1,
        "nothing left to apply:\n{}",
        again.log
    );
    eprintln!(
        "patroni: cluster of 3 up in {:.1} s; leader SIGKILLed mid-migration: new leader through HAProxy after {:.1} s, consistent head after {:.1} s; the test took {:.1} s (after the copy's build)",
        cluster.started_in.as_secs_f64(),
        failover.as_secs_f64(),
        at_head.as_secs_f64(),
        began.elapsed().as_secs_f64()
    );
}

/// What one replica went through: every attempt's exit.
struct Replica {
    attempts: Vec<Exit>,
}

#[test]
fn four_replicas_booting_through_haproxy_during_a_switchover_end_at_head_each_version_once() {
    const REPLICAS: usize = 4;
    const ATTEMPTS: usize = 4;
    let s = slow();
    let cluster = start(2);
    let url = cluster
        .create_database("app")
        .unwrap_or_else(|e| panic!("{e}"));
    let leader = cluster
        .primary_via_haproxy()
        .expect("HAProxy routes to the leader");
    let candidate = 1 - leader;

    let dir = temp_dir();
    let marker = dir.path().join("marker");
    let replicas: Vec<Replica> = std::thread::scope(|scope| {
        let replica = |i: usize| {
            let (url, marker, cwd) = (&url, &marker, dir.path().join(format!("r{i}")));
            scope.spawn(move || {
                std::fs::create_dir_all(&cwd).expect("mkdir");
                let mut attempts = Vec::new();
                // An orchestrator restarts a replica that exits non-zero.
                while attempts.len() < ATTEMPTS {
                    let exit = App::new(&cwd)
                        .binary(&s.app)
                        .database(url)
                        .env("FAULTS_MARKER", marker)
                        .migrate_only()
                        .run(Duration::from_secs(180));
                    let ok = exit.success();
                    attempts.push(exit);
                    if ok {
                        break;
                    }
                }
                Replica { attempts }
            })
        };
        // Two replicas before the switchover: one half-way through the slow
        // migration (it waits at the marker), the other waiting for the lock.
        let mut boots: Vec<_> = (0..REPLICAS / 2).map(replica).collect();
        wait_for_marker(&marker, "the first replicas", || {
            !boots.iter().all(|b| b.is_finished())
        });
        let switched = scope.spawn(|| cluster.switchover(candidate));
        // Two more while it switches over.
        boots.extend((REPLICAS / 2..REPLICAS).map(replica));
        let promoted = cluster.wait_primary_via_haproxy(Some(leader), Duration::from_secs(90));
        // The migration goes on only now: its session died with the old primary.
        release(&marker);
        let answer = switched.join().expect("the switchover thread");
        assert!(answer.is_ok(), "{answer:?}\n{}", cluster.logs());
        assert_eq!(
            promoted,
            Ok(candidate),
            "the switchover promoted the candidate"
        );
        boots
            .into_iter()
            .map(|b| b.join().expect("a replica's thread"))
            .collect()
    });

    for (i, r) in replicas.iter().enumerate() {
        let last = r.attempts.last().expect("at least one attempt");
        last.assert_success(&format!("replica {i} after {} attempts", r.attempts.len()));
        for failed in &r.attempts[..r.attempts.len() - 1] {
            assert_one_error_line(
                failed,
                &format!("replica {i}: a boot during the switchover"),
            );
        }
    }
    let applied: usize = replicas
        .iter()
        .flat_map(|r| &r.attempts)
        .filter(|e| e.success() && e.lines_with(": 0 applied").is_empty())
        .count();
    assert!(
        applied <= 1,
        "{applied} successful boots applied migrations (one at most: the rest find them applied)"
    );
    assert_eq!(
        cluster.primary_via_haproxy(),
        Some(candidate),
        "the leader changed again"
    );
    assert_eq!(
        versions(&url),
        vec![HEAD.to_owned(), s.name.clone()],
        "each version once on the new leader"
    );
    assert!(has_backfilled(&url) && has_table(&url, "filler"));
    assert_eq!(count(&url, "SELECT count(*) FROM filler"), FILLER_ROWS);
    let restarts: usize = replicas.iter().map(|r| r.attempts.len() - 1).sum();
    eprintln!(
        "patroni: {REPLICAS} replicas at head after a switchover, {restarts} restarts in all"
    );
}
