//! `autogen test` on the workspace's own history: every check passes on a
//! scratch database it creates and drops (PostgreSQL and SQLite), with one
//! line per check and `--json`; an index left invalid by an interrupted
//! concurrent build is reported by `validate` and `check`.

use crate::cli_common;

use cli_common::Autogen;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
use tests::support::{TestDb, block_on, connect};

#[test]
fn autogen_test_passes_on_the_workspace_and_drops_its_scratch_database() {
    let db = TestDb::postgres();
    let out = Autogen::new(&db.url()).run(&["test"]);
    out.ok();
    for check in [
        "single head",
        "upgrade empty -> head",
        "check at head",
        "stairway m",
    ] {
        assert!(
            out.stdout.contains(&format!("ok   {check}")),
            "{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("PASSED: 4 check(s)"), "{}", out.stdout);
    // The seeded rows of the base migration's tables are lost by its down(), and said so.
    assert!(
        out.stdout.contains("its down() loses rows (alerts: 3 of 3"),
        "{}",
        out.stdout
    );
    let out = Autogen::new(&db.url()).run(&["test", "--json"]);
    out.ok();
    let scratch = out.json()["scratch"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let name = scratch
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(name.starts_with("autogen_test_"), "{scratch}");
    assert!(
        db.query_strings(&format!(
            "SELECT datname::text FROM pg_database WHERE datname = '{name}'"
        ))
        .is_empty(),
        "the scratch database {name} was not dropped"
    );
    assert!(
        db.tables().is_empty(),
        "autogen test touched the configured database"
    );
    let sqlite = TestDb::sqlite();
    let out = Autogen::new(&sqlite.url()).run(&["test", "--json"]);
    out.ok();
    let v = out.json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(4), "{v}");
}

#[test]
fn an_invalid_index_is_drift_for_validate_and_check() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    // What an interrupted CREATE INDEX CONCURRENTLY leaves behind: a failed
    // unique build over duplicates.
    db.execute("INSERT INTO runbooks (name, category) VALUES ('a', 'x'), ('b', 'x')");
    let failed = block_on(async {
        let conn = connect(&db.url()).await?;
        let r = conn
            .execute_unprepared(
                "CREATE UNIQUE INDEX CONCURRENTLY runbooks_category_uq ON runbooks (category)",
            )
            .await;
        conn.close().await?;
        Ok::<bool, DbErr>(r.is_err())
    })
    .expect("connect");
    assert!(failed, "the unique build over duplicates must fail");
    let out = ag.run(&["validate"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("index runbooks_category_uq on runbooks is INVALID"),
        "{}",
        out.stdout
    );
    let out = ag.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("INVALID index runbooks_category_uq"),
        "{}",
        out.stdout
    );
}
