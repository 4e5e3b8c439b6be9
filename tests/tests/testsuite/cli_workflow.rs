//! The Alembic workflow through the real `autogen` binary, on PostgreSQL
//! and SQLite: current / history / heads, upgrade and downgrade round
//! trips, stamp, reset, and every refusal (one line, exit 2, nothing changed).

use crate::cli_common;

use cli_common::{Autogen, rows, schema, snapshot};
use tests::support::{BASE_TABLES, HEAD, TestDb, temp_dir};

fn both() -> [TestDb; 2] {
    [TestDb::postgres(), TestDb::sqlite()]
}

fn has_base_tables(db: &TestDb) -> bool {
    let tables = db.tables();
    BASE_TABLES.iter().all(|t| tables.iter().any(|x| x == t))
}

#[test]
fn a_fresh_database_is_at_base_then_upgrade_brings_it_to_head() {
    for db in both() {
        let ag = Autogen::new(&db.url());
        let before = ag.run(&["current"]);
        before.ok();
        assert!(before.stdout.starts_with("<base>"), "{before}");
        assert!(before.stdout.contains("1 pending"), "{before}");

        let up = ag.run(&["upgrade", "head"]);
        up.ok();
        assert!(up.stdout.contains(&format!("Applied {HEAD} (")), "{up}");
        assert!(
            up.stdout.contains(&format!("Database at {HEAD} (head)")),
            "{up}"
        );
        assert!(has_base_tables(&db), "{}", db.backend());
        assert_eq!(rows(&db), vec![HEAD]);

        let current = ag.run(&["current"]);
        assert_eq!(current.ok().stdout.trim(), format!("{HEAD} (head)"));

        let again = ag.run(&["upgrade"]);
        assert!(again.ok().stdout.contains("Nothing to upgrade"), "{again}");

        let history = ag.run(&["history"]);
        let line = history
            .ok()
            .stdout
            .lines()
            .find(|l| l.contains(HEAD))
            .unwrap_or_default()
            .to_owned();
        assert!(line.starts_with("applied"), "{history}");
        assert!(line.contains("<base> -> "), "{history}");
        assert!(
            line.contains("(head) (current), initial base schema (2026-01-01 00:00:01 UTC)"),
            "{history}"
        );

        let heads = ag.run(&["heads"]);
        assert_eq!(heads.ok().stdout.trim(), format!("{HEAD} (head)"));
    }
}

#[test]
fn history_marks_pending_and_verbose_shows_the_header() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    let history = ag.run(&["history"]);
    assert!(history.ok().stdout.starts_with("pending"), "{history}");
    let verbose = ag.run(&["history", "--verbose"]);
    let out = &verbose.ok().stdout;
    for expected in [
        format!("Rev: {HEAD} (head)"),
        "Parent: <base>".to_owned(),
        "Status: pending".to_owned(),
        "Created: 2026-01-01 00:00:01 UTC".to_owned(),
        format!("Path: migration/src/{HEAD}.rs"),
        "    initial base schema".to_owned(),
    ] {
        assert!(out.contains(&expected), "missing {expected:?}:\n{verbose}");
    }
}

#[test]
fn current_history_and_heads_speak_json() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    let current = ag.run(&["current", "--json"]).json();
    assert_eq!(current["at_head"], false);
    assert_eq!(current["current"], serde_json::json!([]));
    assert_eq!(current["pending"], serde_json::json!([HEAD]));
    assert_eq!(current["backend"], "postgres");

    ag.run(&["upgrade"]).ok();
    let current = ag.run(&["current", "--json"]).json();
    assert_eq!(current["at_head"], true);
    assert_eq!(current["current"], serde_json::json!([HEAD]));
    assert_eq!(current["heads"], serde_json::json!([HEAD]));
    assert_eq!(current["squash_stamp_due"], serde_json::Value::Null);

    let history = ag.run(&["history", "--json"]).json();
    let revisions = history["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0]["revision"], HEAD);
    assert_eq!(revisions[0]["status"], "applied");
    assert_eq!(revisions[0]["head"], true);
    assert_eq!(revisions[0]["current"], true);
    assert_eq!(revisions[0]["message"], "initial base schema");
    assert_eq!(revisions[0]["created"], "2026-01-01 00:00:01 UTC");
    assert_eq!(revisions[0]["parents"], serde_json::json!([]));

    let heads = ag.run(&["heads", "--json"]).json();
    assert_eq!(heads["heads"], serde_json::json!([HEAD]));
}

#[test]
fn outside_the_workspace_history_and_heads_fall_back_to_the_compiled_list() {
    let db = TestDb::sqlite();
    let elsewhere = temp_dir();
    let ag = Autogen::new(&db.url()).in_dir(elsewhere.path());
    let history = ag.run(&["history"]);
    history.ok();
    assert!(
        history
            .stderr
            .contains("not found: listing the migrations compiled into this build"),
        "{history}"
    );
    assert!(
        history.stdout.contains(&format!("<base> -> {HEAD} (head)")),
        "{history}"
    );
    let heads = ag.run(&["heads"]);
    assert_eq!(heads.ok().stdout.trim(), format!("{HEAD} (head)"));
    // Looking does not create the SQLite file.
    assert!(!elsewhere.path().join("data").exists());
}

#[test]
fn upgrade_plus_one_downgrade_minus_one_upgrade_head_leave_the_same_schema() {
    for (reference, db) in [
        (TestDb::postgres(), TestDb::postgres()),
        (TestDb::sqlite(), TestDb::sqlite()),
    ] {
        Autogen::new(&reference.url())
            .run(&["upgrade", "head"])
            .ok();
        let expected = schema(&reference.url());

        let ag = Autogen::new(&db.url());
        ag.run(&["upgrade", "+1"]).ok();
        assert_eq!(
            schema(&db.url()),
            expected,
            "upgrade +1 on {}",
            db.backend()
        );

        let down = ag.run(&["downgrade", "-1", "--yes"]);
        assert!(
            down.ok().stdout.contains(&format!("Rolled back {HEAD} (")),
            "{down}"
        );
        assert_eq!(
            db.tables(),
            vec!["autogen_checksums", "seaql_migrations"],
            "downgrade -1 on {}",
            db.backend()
        );
        assert_eq!(rows(&db), Vec::<String>::new());

        ag.run(&["upgrade", "head"]).ok();
        assert_eq!(
            schema(&db.url()),
            expected,
            "upgrade head again on {}",
            db.backend()
        );

        ag.run(&["downgrade", "base", "--yes"]).ok();
        ag.run(&["upgrade", HEAD]).ok();
        assert_eq!(
            schema(&db.url()),
            expected,
            "base and back by name on {}",
            db.backend()
        );
        assert_eq!(rows(&db), vec![HEAD]);
    }
}

#[test]
fn an_unknown_revision_is_one_line_and_changes_nothing() {
    for db in both() {
        let ag = Autogen::new(&db.url());
        ag.run(&["upgrade"]).ok();
        let before = snapshot(&db);
        for args in [
            &["upgrade", "nosuchrev"][..],
            &["downgrade", "nosuchrev", "--yes"],
            &["stamp", "nosuchrev"],
            &["upgrade", "nosuchrev", "--sql"],
        ] {
            let run = ag.run(args);
            let line = run.one_line_error();
            assert!(
                line.contains("unknown revision `nosuchrev`"),
                "{args:?}: {run}"
            );
            assert!(line.contains("autogen history"), "{args:?}: {run}");
            assert_eq!(snapshot(&db), before, "{args:?} changed the database");
        }
    }
}

#[test]
fn upgrade_behind_and_downgrade_ahead_are_refused() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    let run = ag.run(&["downgrade", HEAD, "--yes"]);
    assert!(
        run.one_line_error().contains(&format!(
            "revision {HEAD} is ahead of the current revision base"
        )),
        "{run}"
    );

    ag.run(&["upgrade"]).ok();
    let before = snapshot(&db);
    let run = ag.run(&["upgrade", "base"]);
    assert!(
        run.one_line_error()
            .contains("is behind the current revision"),
        "{run}"
    );
    assert!(run.stderr.contains("autogen downgrade base"), "{run}");
    let run = ag.run(&["upgrade", "-1"]);
    assert!(
        run.one_line_error()
            .contains("is behind the current revision"),
        "{run}"
    );
    let run = ag.run(&["downgrade", "head", "--yes"]);
    assert!(
        run.one_line_error()
            .contains("is ahead of the current revision"),
        "{run}"
    );
    let run = ag.run(&["downgrade", "-2", "--yes"]);
    assert!(
        run.one_line_error()
            .contains("cannot downgrade -2: only 1 migration(s) are applied"),
        "{run}"
    );
    assert_eq!(snapshot(&db), before);

    ag.run(&["downgrade", "base", "--yes"]).ok();
    let run = ag.run(&["upgrade", "+2"]);
    assert!(
        run.one_line_error()
            .contains("cannot upgrade +2: only 1 migration(s) are pending"),
        "{run}"
    );
    assert!(!db.has_table("runbooks"));
}

#[test]
fn a_migration_applied_but_missing_from_the_code_is_named_with_what_to_do() {
    for db in both() {
        let ag = Autogen::new(&db.url());
        ag.run(&["upgrade"]).ok();
        let ghost = "m20991231_000000_from_another_branch";
        db.execute(&format!(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{ghost}', 4102444800)"
        ));
        let before = snapshot(&db);
        for args in [
            &["upgrade"][..],
            &["downgrade", "-1", "--yes"],
            &["current"],
            &["reset", "--yes"],
            &["check"],
        ] {
            let run = ag.run(args);
            let line = run.one_line_error();
            assert!(line.contains(ghost), "{args:?}: {run}");
            assert!(
                line.contains("that this build does not contain"),
                "{args:?}: {run}"
            );
            assert!(line.contains("autogen stamp"), "{args:?}: {run}");
            assert_eq!(snapshot(&db), before, "{args:?} changed the database");
        }
        // What the message suggests works, and touches no table.
        ag.run(&["stamp", "head"]).ok();
        assert_eq!(rows(&db), vec![HEAD]);
        assert_eq!(schema(&db.url()), before.0);
    }
}

#[test]
fn downgrade_without_a_terminal_needs_yes() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    let before = snapshot(&db);
    let run = ag.run(&["downgrade", "-1"]);
    let line = run.one_line_error();
    assert!(line.contains("pass --yes"), "{run}");
    assert!(line.contains(HEAD), "{run}");
    assert!(
        line.contains("drop tables or columns and their data"),
        "{run}"
    );
    assert_eq!(snapshot(&db), before);
    // Nothing to roll back needs no confirmation.
    ag.run(&["downgrade", "base", "--yes"]).ok();
    let run = ag.run(&["downgrade", "base"]);
    assert!(run.ok().stdout.contains("Nothing to roll back"), "{run}");
}

#[test]
fn stamp_moves_only_the_bookkeeping() {
    for db in both() {
        let ag = Autogen::new(&db.url());
        // Adopting a database whose tables exist but whose history does not.
        ag.run(&["upgrade"]).ok();
        db.execute("DELETE FROM seaql_migrations");
        let tables = schema(&db.url());
        let current = ag.run(&["current"]);
        assert!(current.ok().stdout.starts_with("<base>"), "{current}");

        let run = ag.run(&["stamp", "head"]);
        assert!(
            run.ok()
                .stdout
                .contains(&format!("Stamped the database at {HEAD} (head)")),
            "{run}"
        );
        assert_eq!(rows(&db), vec![HEAD]);
        assert_eq!(schema(&db.url()), tables);

        ag.run(&["stamp", "base"]).ok();
        assert_eq!(rows(&db), Vec::<String>::new());
        assert_eq!(schema(&db.url()), tables);

        // A unique prefix names a revision, as in Alembic.
        ag.run(&["stamp", "m20260101"]).ok();
        assert_eq!(rows(&db), vec![HEAD]);
        assert_eq!(schema(&db.url()), tables);
        let json = ag.run(&["stamp", "head", "--json"]).json();
        assert_eq!(json["stamped"], serde_json::json!([HEAD]));
    }
}

#[test]
fn reset_refuses_without_yes_and_rebuilds_from_scratch_with_it() {
    for db in both() {
        let ag = Autogen::new(&db.url());
        ag.run(&["upgrade"]).ok();
        let expected = schema(&db.url());
        db.execute(
            "INSERT INTO runbooks (name, category, enabled, updated_at, tags) \
             VALUES ('restart', 'ops', true, CURRENT_TIMESTAMP, '[]')",
        );
        let run = ag.run(&["reset"]);
        assert!(run.one_line_error().contains("pass --yes"), "{run}");
        assert_eq!(
            db.query_strings("SELECT name FROM runbooks"),
            vec!["restart"]
        );

        let run = ag.run(&["reset", "--yes"]);
        run.ok();
        assert!(run.stdout.contains(&format!("Rolled back {HEAD}")), "{run}");
        assert!(run.stdout.contains(&format!("Applied {HEAD}")), "{run}");
        assert!(db.query_strings("SELECT name FROM runbooks").is_empty());
        assert_eq!(schema(&db.url()), expected);
        assert_eq!(rows(&db), vec![HEAD]);
    }
}

#[test]
fn an_unreachable_database_is_one_line() {
    let ag = Autogen::new("postgres://postgres@127.0.0.1:1/nowhere");
    for args in [
        &["current"][..],
        &["upgrade"],
        &["downgrade", "-1", "--yes"],
        &["stamp", "head"],
    ] {
        let run = ag.run(args);
        let line = run.one_line_error();
        assert!(
            line.contains(
                "cannot connect to the database at postgres://postgres@127.0.0.1:1/nowhere"
            ),
            "{run}"
        );
    }
}

#[test]
fn merge_with_one_head_has_nothing_to_merge() {
    let ws = cli_common::copy_workspace();
    let db = TestDb::sqlite();
    let ag = Autogen::new(&db.url()).in_dir(ws.path());
    let run = ag.run(&["merge", "-m", "merge heads"]);
    assert!(
        run.one_line_error().contains(&format!(
            "nothing to merge: the migrations have one head ({HEAD})"
        )),
        "{run}"
    );
    // lib.rs and the base migration (and the directory's lock file).
    let files = std::fs::read_dir(ws.path().join("migration/src"))
        .expect("ls")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .count();
    assert_eq!(files, 2, "merge wrote a file");
}

/// Adopting an existing database: what hand-written migrations created and
/// the entities do not declare (a unique index, a default) is reported as
/// declarations to add, and the index list is written as a Rust module,
/// instead of a first `autogen -m` that drops them.
#[test]
fn adopt_reports_undeclared_indexes_and_defaults_as_declarations() {
    for db in both() {
        let ag = Autogen::new(&db.url());
        ag.run(&["upgrade"]).ok();
        db.execute("CREATE UNIQUE INDEX uq_runbooks_category_name ON runbooks (category, name)");
        // SQLite cannot add a default to an existing column.
        let postgres = db.backend() == "postgres";
        if postgres {
            db.execute("ALTER TABLE runbook_steps ALTER COLUMN command SET DEFAULT 'true'");
        }
        let dir = temp_dir();
        let file = dir.path().join("indexes.rs");
        let file_arg = file.display().to_string();
        let out = ag.run(&["adopt", "--write", &file_arg]);
        out.ok();
        assert!(
            out.stdout.contains("Wrote 1 index declaration(s)"),
            "{}: {out}",
            db.backend()
        );
        let module = std::fs::read_to_string(&file).expect("the index list is written");
        assert!(
            module.contains(".name(\"uq_runbooks_category_name\")") && module.contains(".unique()"),
            "{module}"
        );
        assert!(
            !postgres
                || out
                    .stdout
                    .contains("runbook_steps.command: #[sea_orm(default_value = \"true\")]"),
            "{}: {out}",
            db.backend()
        );
        // Without the declarations, the first migration would drop them.
        let check = ag.run(&["check"]);
        assert!(
            check.stdout.contains("stops enforcing uniqueness"),
            "{}: {check}",
            db.backend()
        );
    }
}
