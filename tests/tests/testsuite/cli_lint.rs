//! `autogen lint` through the real binary: what it lints by default (the
//! pending migrations), named revisions, JSON, and bad input. The rules
//! themselves are unit-tested in `seaorm_autogen::lint`; a migration with
//! findings is linted in `e2e_pg` (generated in a copy of the workspace).

use crate::cli_common;

use cli_common::Autogen;
use tests::support::{HEAD, TestDb};

#[test]
fn lint_checks_the_pending_migrations_and_named_revisions() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    let run = ag.run(&["lint", "--json"]);
    run.ok();
    let v = run.json();
    assert_eq!(v["migrations"], serde_json::json!([HEAD]), "{run}");
    assert_eq!(v["findings"], serde_json::json!([]), "{run}");
    assert!(db.tables().is_empty(), "lint changed the database");

    ag.run(&["upgrade"]).ok();
    let run = ag.run(&["lint"]);
    run.ok();
    assert!(
        run.stdout.contains("No lint findings in 0 migration(s)"),
        "{run}"
    );

    // A revision by a unique prefix is linted whether applied or not.
    let run = ag.run(&["lint", "--json", &HEAD[..12]]);
    run.ok();
    assert_eq!(run.json()["migrations"], serde_json::json!([HEAD]), "{run}");
}

#[test]
fn lint_refuses_unknown_rules_and_revisions_in_one_line() {
    let db = TestDb::sqlite();
    let ag = Autogen::new(&db.url());
    let run = ag.run(&["lint", "--allow", "no-such-rule"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.one_line_error()
            .contains("unknown lint rule `no-such-rule`"),
        "{run}"
    );
    let run = ag.run(&["lint", "m1999"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.one_line_error().contains("unknown revision"), "{run}");
}
