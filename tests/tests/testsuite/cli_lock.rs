//! The migration lock and statement timeouts through the real binary:
//! a held lock times out with one line and nothing changed, two upgrades
//! started together apply once, and a migration stuck behind a busy table
//! gives up after `--lock-timeout` and rolls back.

use crate::cli_common;

use std::time::{Duration, Instant};

use cli_common::{
    Autogen, HeldPg, hold_pg_migration_lock, hold_sqlite_migration_lock, rows, snapshot,
};
use tests::support::{HEAD, TestDb};

#[test]
fn a_held_migration_lock_times_out_with_one_line_and_changes_nothing() {
    let pg = TestDb::postgres();
    let sqlite = TestDb::sqlite();
    let TestDb::Sqlite(file) = &sqlite else {
        unreachable!()
    };
    // Create the file first so that its state can be compared.
    Autogen::new(&sqlite.url()).run(&["stamp", "base"]).ok();
    for db in [&pg, &sqlite] {
        let _held: Box<dyn std::any::Any> = match db {
            TestDb::Postgres(_) => Box::new(hold_pg_migration_lock(&db.url())),
            TestDb::Sqlite(_) => Box::new(hold_sqlite_migration_lock(file.path())),
        };
        let before = snapshot(db);
        let ag = Autogen::new(&db.url());
        for args in [
            &["upgrade", "--lock-timeout", "1"][..],
            &["stamp", "head", "--lock-timeout", "1"],
            &["reset", "--yes", "--lock-timeout", "1"],
        ] {
            let started = Instant::now();
            let run = ag.run(args);
            let line = run.one_line_error();
            assert!(
                line.contains("the migration lock is held by another process for more than 1s"),
                "{args:?}: {run}"
            );
            assert!(line.contains("--lock-timeout"), "{run}");
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{args:?} waited {:?}",
                started.elapsed()
            );
            assert_eq!(snapshot(db), before, "{args:?} on {}", db.backend());
        }
    }
}

#[test]
fn two_upgrades_at_once_apply_once_and_the_second_finds_nothing_to_do() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        let ag = Autogen::new(&db.url());
        // Both start while the lock is held, so both really wait for it.
        let held: Box<dyn std::any::Any> = match &db {
            TestDb::Postgres(_) => Box::new(hold_pg_migration_lock(&db.url())),
            TestDb::Sqlite(f) => Box::new(hold_sqlite_migration_lock(f.path())),
        };
        let first = ag.command(&["upgrade"]).spawn().expect("spawn");
        let second = ag.command(&["upgrade"]).spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(1500));
        drop(held);
        let runs = [Autogen::wait(first), Autogen::wait(second)];
        for run in &runs {
            run.ok();
        }
        let applied = runs
            .iter()
            .filter(|r| r.stdout.contains(&format!("Applied {HEAD}")))
            .count();
        let idle = runs
            .iter()
            .filter(|r| r.stdout.contains("Nothing to upgrade"))
            .count();
        assert_eq!(
            (applied, idle),
            (1, 1),
            "on {}: {}\n{}",
            db.backend(),
            runs[0],
            runs[1]
        );
        assert_eq!(rows(&db), vec![HEAD]);
    }
}

#[test]
fn a_migration_waiting_on_a_busy_table_fails_fast_and_rolls_back() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    let before = snapshot(&db);
    // A long transaction that read `runbooks`: DROP TABLE must wait for it.
    let busy = HeldPg::new(&db.url(), "LOCK TABLE runbooks IN ACCESS SHARE MODE", true);
    let started = Instant::now();
    let run = ag.run(&["downgrade", "-1", "--yes", "--lock-timeout", "2"]);
    let elapsed = started.elapsed();
    let line = run.one_line_error().to_owned();
    busy.release();
    assert!(
        line.contains(&format!("migration {HEAD} failed and was rolled back")),
        "{run}"
    );
    assert!(line.contains("lock timeout"), "{run}");
    assert!(line.contains("raise --lock-timeout"), "{run}");
    assert!(elapsed < Duration::from_secs(15), "waited {elapsed:?}");
    assert_eq!(snapshot(&db), before, "a half-applied rollback");
}
