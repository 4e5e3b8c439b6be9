//! `autogen test` on the workspace's own history: every check passes on a
//! scratch database it creates and drops (PostgreSQL, SQLite, MariaDB), with
//! one line per check and `--json`; user cases (`--cases DIR` of TOML files)
//! pass, fail on an assertion, an unknown revision or a file that does not
//! parse, each in one line; an index left invalid by an interrupted
//! concurrent build is reported by `validate` and `check`.

use crate::cli_common;

use cli_common::Autogen;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
use tests::support::{MyDatabase, TestDb, block_on, connect, temp_dir};

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
        "case migration/tests/runbook_steps_follow_their_runbook.toml",
    ] {
        assert!(
            out.stdout.contains(&format!("ok   {check}")),
            "{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("PASSED: 5 check(s)"), "{}", out.stdout);
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
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(5), "{v}");
    assert_eq!(
        v["checks"][4]["file"], "migration/tests/runbook_steps_follow_their_runbook.toml",
        "{v}"
    );
}

#[test]
fn autogen_test_passes_on_mariadb_with_a_scratch_database_beside_the_configured_one() {
    let db = MyDatabase::create();
    let out = Autogen::new(db.url()).run(&["test"]);
    out.ok();
    assert!(out.stdout.contains("PASSED: 5 check(s)"), "{}", out.stdout);
}

/// A directory holding one case file `name` with `text`.
fn cases(name: &str, text: &str) -> tempfile::TempDir {
    let dir = temp_dir();
    std::fs::write(dir.path().join(name), text).expect("write the case");
    dir
}

const BASE: &str = "m20260101_000001_initial_base_schema";

#[test]
fn a_user_case_that_seeds_at_a_revision_and_asserts_at_head_passes() {
    let db = TestDb::postgres();
    let dir = cases(
        "category.toml",
        &format!(
            r#"
[[step]]
migrate_to = "{BASE}"
sql = ["INSERT INTO runbooks (name, category) VALUES ('a', 'ops'), ('b', 'ops')"]
[[step]]
migrate_to = "head"
[[step.assert]]
query = "SELECT category, count(*) FROM runbooks GROUP BY category"
equals = [["ops", "2"]]
[[step.assert]]
backends = ["sqlite"]
query = "SELECT 'never run on postgres'"
equals = []
"#
        ),
    );
    let cases_dir = dir.path().to_string_lossy().into_owned();
    let out = Autogen::new(&db.url()).run(&["test", "--cases", &cases_dir]);
    out.ok();
    let file = dir.path().join("category.toml");
    assert!(
        out.stdout.contains(&format!(
            "ok   case {}: 2 step(s), 1 statement(s), 1 assertion(s) passed",
            file.display()
        )),
        "{}",
        out.stdout
    );
    let out = Autogen::new(&db.url()).run(&["test", "--cases", &cases_dir, "--json"]);
    out.ok();
    let v = out.json();
    let case = v["checks"]
        .as_array()
        .and_then(|c| c.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(case["ok"], true, "{v}");
    assert_eq!(case["file"], file.display().to_string(), "{v}");
    assert!(
        db.tables().is_empty(),
        "the case touched the configured database"
    );
}

#[test]
fn a_failing_assertion_or_statement_exits_1_naming_the_file_the_query_what_was_expected_and_what_came()
 {
    let db = TestDb::sqlite();
    let dir = cases(
        "wrong.toml",
        r#"
[[step]]
migrate_to = "head"
sql = ["INSERT INTO runbooks (name, category) VALUES ('a', 'ops')"]
[[step.assert]]
query = "SELECT name, category FROM runbooks"
equals = [["a", "dev"]]
"#,
    );
    std::fs::write(
        dir.path().join("bad_sql.toml"),
        "[[step]]\nmigrate_to = \"head\"\nsql = [\"INSERT INTO no_such_table VALUES (1)\"]\n",
    )
    .expect("write");
    let out = Autogen::new(&db.url()).run(&["test", "--cases", &dir.path().to_string_lossy()]);
    assert_eq!(out.code, 1, "{out}");
    let bad = format!(
        "FAIL case {}: step 1: sql #1 failed: ",
        dir.path().join("bad_sql.toml").display()
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with(&bad) && l.ends_with(": INSERT INTO no_such_table VALUES (1)")),
        "{bad}\n{out}"
    );
    let line = format!(
        "FAIL case {}: step 1, assertion 1: `SELECT name, category FROM runbooks`: expected [[\"a\",\"dev\"]], got [[\"a\",\"ops\"]]",
        dir.path().join("wrong.toml").display()
    );
    assert!(out.stdout.contains(&line), "{line}\n{out}");
    assert!(out.stdout.contains("FAILED: 2 of 6 check(s)"), "{out}");
}

#[test]
fn a_case_naming_an_unknown_revision_is_one_line_and_exit_1_before_anything_runs() {
    let db = TestDb::sqlite();
    let dir = cases(
        "typo.toml",
        "[[step]]\nmigrate_to = \"m20990101_000000_nope\"\nsql = [\"SELECT 1\"]\n",
    );
    let out = Autogen::new(&db.url()).run(&["test", "--cases", &dir.path().to_string_lossy()]);
    assert_eq!(out.code, 1, "{out}");
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("typo.toml"))
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with(&format!(
            "FAIL case {}: step 1: unknown revision `m20990101_000000_nope`",
            dir.path().join("typo.toml").display()
        )),
        "{out}"
    );
    assert!(out.stderr.trim().is_empty(), "{out}");
}

#[test]
fn a_case_file_that_does_not_parse_is_a_fail_line_naming_the_file_and_the_others_still_run() {
    let db = TestDb::sqlite();
    let dir = cases("broken.toml", "[[step]\nmigrate_to = \"head\"\n");
    std::fs::write(
        dir.path().join("fine.toml"),
        "[[step]]\nmigrate_to = \"head\"\n[[step.assert]]\nquery = \"SELECT count(*) FROM runbooks\"\nequals = [[\"0\"]]\n",
    )
    .expect("write");
    let out = Autogen::new(&db.url()).run(&["test", "--cases", &dir.path().to_string_lossy()]);
    assert_eq!(out.code, 1, "{out}");
    let broken = format!(
        "FAIL case {}: not a valid case file: ",
        dir.path().join("broken.toml").display()
    );
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&broken))
        .unwrap_or_else(|| panic!("no line {broken}\n{out}"));
    assert!(line.contains("line 1"), "{line}");
    assert!(
        out.stdout.contains(&format!(
            "ok   case {}",
            dir.path().join("fine.toml").display()
        )),
        "{out}"
    );
    assert!(!out.stderr.contains("panicked"), "{out}");
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
