//! A read-only hot standby (`tests::cluster::Replicated`: a primary made
//! with initdb and a standby made with `pg_basebackup -R`, streaming),
//! started by each test:
//!
//! - `app --migrate-only` against the standby (`STANDBY_WAIT_SECS=3`)
//!   exits non-zero with one line saying it is a read-only standby, never
//!   tries the DDL, and writes nothing on the primary;
//! - a boot against the standby waits while the primary is migrated, then
//!   serves once replication brings the migrations;
//! - `autogen upgrade` against the standby fails in one line, exit 2;
//! - with `AUTOGEN_WAIT_FOR_STANDBYS`, a migration on the primary waits for
//!   the standby to replay what came before it: with the standby's replay
//!   paused the boot stops before the migration in one line (nothing of it
//!   applied); resumed, the next boot applies it; a malformed value is
//!   refused in one line before anything runs.

use std::net::SocketAddr;
use std::time::Duration;

use crate::cli_common::Autogen;
use tests::cluster::{REPLICATED_DB, Replicated};
use tests::support::{
    App, Exit, Server, execute, free_port, http, query_strings, temp_dir, wait_for,
};

const RUN: Duration = Duration::from_secs(40);

fn pair() -> Replicated {
    Replicated::start().unwrap_or_else(|e| panic!("{e}"))
}

/// User tables on the server at `url`.
fn user_tables(url: &str) -> Vec<String> {
    query_strings(
        url,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
    )
}

fn assert_read_only_refusal(exit: &Exit, what: &str) {
    assert!(!exit.success(), "{what} exits 0:\n{}", exit.log);
    let lower = exit.log.to_lowercase();
    assert!(
        !lower.contains("cannot execute") && !lower.contains("read-only transaction"),
        "{what} tried the DDL on the standby:\n{}",
        exit.log
    );
    let errors = exit.lines_with("ERROR");
    assert_eq!(errors.len(), 1, "{what}: one error line:\n{}", exit.log);
    let line = errors[0].to_lowercase();
    assert!(
        line.contains("read-only") && (line.contains("standby") || line.contains("replica")),
        "{what}: the error line does not say read-only standby/replica: {}",
        errors[0]
    );
}

#[test]
fn a_boot_against_a_standby_does_not_migrate_it_and_says_so_in_one_line() {
    let pg = pair();
    let dir = temp_dir();
    let exit = App::new(dir.path())
        .database(&pg.standby_url(REPLICATED_DB))
        .env("STANDBY_WAIT_SECS", "3")
        .migrate_only()
        .run(RUN);
    assert_read_only_refusal(&exit, "app --migrate-only against the standby");
    assert!(
        exit.elapsed < Duration::from_secs(20),
        "the boot waited {:?} for STANDBY_WAIT_SECS=3",
        exit.elapsed
    );
    assert_eq!(
        user_tables(&pg.primary_url(REPLICATED_DB)),
        Vec::<String>::new(),
        "a boot against the standby wrote on the primary"
    );
    assert_eq!(
        user_tables(&pg.standby_url(REPLICATED_DB)),
        Vec::<String>::new()
    );
}

#[test]
fn a_boot_against_a_standby_serves_once_the_primary_is_migrated() {
    let pg = pair();
    let dir = temp_dir();
    let port = free_port();
    let mut running = App::new(dir.path())
        .database(&pg.standby_url(REPLICATED_DB))
        .env("STANDBY_WAIT_SECS", "30")
        .env("PORT", port.to_string())
        .spawn();
    // It waits (it says so) instead of migrating or failing.
    let waiting = wait_for(Duration::from_secs(20), Duration::from_millis(50), || {
        if running.has_exited() {
            return Some(false);
        }
        running
            .log()
            .contains("a read-only replica: not migrating it")
            .then_some(true)
    });
    assert_eq!(
        waiting,
        Some(true),
        "the standby boot does not say it waits:\n{}",
        running.log()
    );

    let primary = App::new(dir.path())
        .database(&pg.primary_url(REPLICATED_DB))
        .migrate_only()
        .run(RUN);
    primary.assert_success("app --migrate-only on the primary");

    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let answered = wait_for(Duration::from_secs(30), Duration::from_millis(50), || {
        if running.has_exited() {
            return Some(None);
        }
        http::get(addr, "/runbooks").ok().map(Some)
    });
    let server = Server { running, addr };
    let Some(Some(r)) = answered else {
        let exit = server.running.kill();
        panic!(
            "the standby boot does not serve after the primary was migrated:\n{}",
            exit.log
        );
    };
    assert_eq!(r.status, 200, "GET /runbooks on the standby app: {r:?}");
    assert_eq!(r.json(), serde_json::json!([]), "{r:?}");
    let exit = server.stop(Duration::from_secs(20));
    assert!(
        !exit.log.to_lowercase().contains("read-only transaction"),
        "the standby boot tried to write:\n{}",
        exit.log
    );
}

#[test]
fn autogen_upgrade_against_a_standby_fails_in_one_line() {
    let pg = pair();
    let run = Autogen::new(&pg.standby_url(REPLICATED_DB)).run(&["upgrade"]);
    let line = run.one_line_error().to_lowercase();
    assert!(
        line.contains("read-only"),
        "the error does not say read-only: {run}"
    );
    assert!(!line.contains("cannot execute"), "{run}");
    assert_eq!(
        user_tables(&pg.primary_url(REPLICATED_DB)),
        Vec::<String>::new()
    );
}

fn versions() -> Vec<String> {
    use sea_orm_migration::MigratorTrait;
    let mut v: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    v.sort();
    v
}

fn recorded(url: &str) -> Vec<String> {
    query_strings(url, "SELECT version FROM seaql_migrations ORDER BY version")
}

/// The workspace's history is one migration: the standby is put behind
/// it with a write on the primary (what "the previous migration" would
/// have written) while its replay is paused.
#[test]
fn with_wait_for_standbys_a_migration_waits_until_the_standby_replayed_what_came_before() {
    let pg = pair();
    let primary = pg.primary_url(REPLICATED_DB);
    let standby = pg.standby_url(REPLICATED_DB);
    let all = versions();

    // The standby stops replaying, and the primary writes after that.
    execute(&standby, "SELECT pg_wal_replay_pause()");
    execute(&primary, "CREATE TABLE written_before (id int)");
    let dir = temp_dir();
    let exit = App::new(dir.path())
        .database(&primary)
        .env("AUTOGEN_WAIT_FOR_STANDBYS", "2")
        .migrate_only()
        .run(RUN);
    assert!(
        !exit.success(),
        "the boot exits 0 with a paused standby:\n{}",
        exit.log
    );
    let errors = exit.lines_with("ERROR");
    assert_eq!(errors.len(), 1, "one error line:\n{}", exit.log);
    assert!(
        errors[0].contains("AUTOGEN_WAIT_FOR_STANDBYS")
            && errors[0].contains(&format!("not running migration {}", all[0]))
            && errors[0].contains("after 2s"),
        "the error does not name the setting, the wait and the migration held back: {}",
        errors[0]
    );
    assert!(
        recorded(&primary).is_empty(),
        "a migration ran:\n{}",
        exit.log
    );
    assert!(
        !user_tables(&primary).contains(&"runbooks".to_owned()),
        "the migration's table is there:\n{}",
        exit.log
    );

    // Replay resumes: the next boot waits as needed and applies the history.
    execute(&standby, "SELECT pg_wal_replay_resume()");
    let exit = App::new(dir.path())
        .database(&primary)
        .env("AUTOGEN_WAIT_FOR_STANDBYS", "30")
        .migrate_only()
        .run(RUN);
    exit.assert_success("the boot after the standby resumed");
    assert_eq!(recorded(&primary), all);
    let caught_up = wait_for(Duration::from_secs(20), Duration::from_millis(50), || {
        (recorded(&standby) == all).then_some(())
    });
    assert!(caught_up.is_some(), "the standby never replays the history");
}

#[test]
fn a_malformed_wait_for_standbys_is_refused_in_one_line_before_anything_runs() {
    let dir = temp_dir();
    let exit = App::new(dir.path())
        .env("AUTOGEN_WAIT_FOR_STANDBYS", "soon")
        .migrate_only()
        .run(RUN);
    assert!(!exit.success(), "{}", exit.log);
    let errors = exit.lines_with("ERROR");
    assert_eq!(errors.len(), 1, "one error line:\n{}", exit.log);
    assert!(
        errors[0].contains("AUTOGEN_WAIT_FOR_STANDBYS is `soon`"),
        "{}",
        errors[0]
    );
    assert!(
        !exit.log.contains("Applied migration"),
        "a migration ran:\n{}",
        exit.log
    );
}
