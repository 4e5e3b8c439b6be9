//! Boot of the `app` binary on MariaDB: eight replicas started together on
//! an empty database all succeed and exactly one applies the migrations
//! (the `GET_LOCK` migration lock); a second boot applies nothing.

use std::time::Duration;

use tests::support::{
    App, BASE_TABLES, Exit, HEAD, MIGRATED_OK, MyDatabase, Running, query_strings, temp_dir,
};

const RUN: Duration = Duration::from_secs(120);

#[test]
fn eight_replicas_on_one_mariadb_database_migrate_once() {
    let db = MyDatabase::create();
    let cwd = temp_dir();
    let app = App::new(cwd.path()).database(db.url()).migrate_only();
    let running: Vec<Running> = (0..8).map(|_| app.spawn()).collect();
    let exits: Vec<Exit> = running.into_iter().map(|r| r.wait(RUN)).collect();
    let logs: String = exits
        .iter()
        .enumerate()
        .map(|(i, e)| format!("--- replica {i} ({}):\n{}", e.status, e.log))
        .collect();
    for exit in &exits {
        assert!(exit.success(), "a replica failed:\n{logs}");
        assert_eq!(exit.lines_with(MIGRATED_OK).len(), 1, "{logs}");
        assert!(exit.lines_with("ERROR").is_empty(), "ERROR logged:\n{logs}");
    }
    let applied: usize = exits
        .iter()
        .map(|e| e.lines_with("Applied migration").len())
        .sum();
    assert_eq!(applied, 1, "the migration was applied once:\n{logs}");
    let tables = query_strings(
        db.url(),
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
    );
    for table in BASE_TABLES {
        assert!(tables.iter().any(|t| t == table), "{table}: {tables:?}");
    }
    assert_eq!(
        query_strings(db.url(), "SELECT version FROM seaql_migrations"),
        [HEAD]
    );

    let again = app.spawn().wait(RUN);
    assert!(again.success(), "{}", again.log);
    assert!(
        again.lines_with("Applied migration").is_empty(),
        "{}",
        again.log
    );
}
