//! The `autogen` command line on MariaDB, end to end: upgrade, check,
//! downgrade, stamp, `--sql` (the script gives the schema of upgrade), and
//! `--dry-run` refused in one line (MySQL cannot roll DDL back).

use crate::cli_common::{Autogen, schema};
use sea_orm_migration::sea_orm::ConnectionTrait;
use tests::support::{BASE_TABLES, HEAD, MyDatabase, block_on, query_strings};

fn tables(url: &str) -> Vec<String> {
    query_strings(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name",
    )
}

fn applied(url: &str) -> Vec<String> {
    if !tables(url).iter().any(|t| t == "seaql_migrations") {
        return Vec::new();
    }
    query_strings(url, "SELECT version FROM seaql_migrations ORDER BY version")
}

#[test]
fn upgrade_check_downgrade_and_stamp_on_mariadb() {
    let db = MyDatabase::create();
    let ag = Autogen::new(db.url());
    ag.run(&["upgrade"]).ok();
    assert_eq!(applied(db.url()), [HEAD]);
    let check = ag.run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");

    ag.run(&["downgrade", "-1", "--yes"]).ok();
    assert_eq!(applied(db.url()), Vec::<String>::new());
    let left = tables(db.url());
    assert!(
        BASE_TABLES.iter().all(|t| !left.iter().any(|l| l == t)),
        "{left:?}"
    );

    // Stamped at head without the tables: check reports them, exit 1.
    ag.run(&["stamp", "head"]).ok();
    let check = ag.run(&["check"]);
    assert_eq!(check.code, 1, "{check}");
    assert!(check.stdout.contains("runbooks"), "{check}");
    ag.run(&["stamp", "base"]).ok();
    ag.run(&["upgrade"]).ok();
    let check = ag.run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");
}

#[test]
fn upgrade_sql_gives_the_schema_of_upgrade_on_mariadb() {
    let reference = MyDatabase::create();
    Autogen::new(reference.url()).run(&["upgrade"]).ok();

    let db = MyDatabase::create();
    let run = Autogen::new(db.url()).run(&["upgrade", "head", "--sql"]);
    run.ok();
    assert!(tables(db.url()).is_empty(), "--sql changed the database");
    assert!(run.stdout.contains("CREATE TABLE `runbooks`"), "{run}");
    assert!(
        run.stdout.contains("INSERT INTO `seaql_migrations`"),
        "{run}"
    );
    let url = db.url().to_owned();
    block_on(async {
        let conn = tests::support::connect(&url).await.expect("connect");
        conn.execute_unprepared(&run.stdout)
            .await
            .expect("run the script");
        let _ = conn.close().await;
    });
    // The reference also has autogen's own progress table (`upgrade`
    // tracks MySQL statements there); the script has nothing to track.
    let mut expected = schema(reference.url());
    assert!(expected.tables.remove("autogen_progress").is_some());
    assert_eq!(schema(db.url()), expected);
    assert_eq!(applied(db.url()), [HEAD]);
    let check = Autogen::new(db.url()).run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");
    // Its checksum rows are written too: the history is trusted.
    let validate = Autogen::new(db.url()).run(&["validate", "--json"]);
    let v = validate.ok().json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["unrecorded"], serde_json::json!([]), "{v}");
}

#[test]
fn dry_run_is_refused_on_mariadb_in_one_line_and_changes_nothing() {
    let db = MyDatabase::create();
    let run = Autogen::new(db.url()).run(&["upgrade", "--dry-run"]);
    let line = run.one_line_error();
    assert!(
        line.contains("MySQL/MariaDB commits every DDL statement") && line.contains("--sql"),
        "{run}"
    );
    let left = tables(db.url());
    assert!(
        BASE_TABLES.iter().all(|t| !left.iter().any(|l| l == t)),
        "{left:?}"
    );
}
