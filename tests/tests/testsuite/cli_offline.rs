//! `upgrade --sql`, `downgrade --sql` and `upgrade --dry-run`: the SQL that
//! would run, printed without changing the database, and proven by running
//! it (psql on PostgreSQL, the driver on SQLite) against an empty database.

use crate::cli_common;

use std::process::Command;

use cli_common::{Autogen, rows, schema, snapshot};
use tests::support::{HEAD, TestDb, block_on, temp_dir};

fn psql(url: &str, script: &str) {
    let dir = temp_dir();
    let file = dir.path().join("script.sql");
    std::fs::write(&file, script).expect("write the script");
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-f"])
        .arg(&file)
        .output()
        .expect("psql is needed by this test (it is what users run the script with)");
    assert!(
        out.status.success(),
        "psql failed: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_on_sqlite(url: &str, script: &str) {
    block_on(async {
        use sea_orm_migration::sea_orm::ConnectionTrait;
        let db = tests::support::connect(url).await.expect("connect");
        db.execute_unprepared(script).await.expect("run the script");
        let _ = db.close().await;
    });
}

/// The scripted checksum rows are ranked by the server's clock when the
/// script ran, in microseconds as `upgrade` ranks them: a later live upgrade
/// is not out of order behind them.
fn assert_ranked_now(db: &TestDb) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default();
    for rank in db.query_strings("SELECT CAST(applied_rank AS TEXT) FROM autogen_checksums") {
        let rank: i64 = rank.parse().unwrap_or_else(|e| panic!("{rank}: {e}"));
        assert!(
            (now - rank).abs() < 120_000_000,
            "applied_rank {rank} is not the time the script ran ({now})"
        );
    }
}

#[test]
fn upgrade_sql_run_by_psql_gives_the_schema_of_upgrade() {
    let reference = TestDb::postgres();
    Autogen::new(&reference.url()).run(&["upgrade"]).ok();

    let db = TestDb::postgres();
    let run = Autogen::new(&db.url()).run(&["upgrade", "head", "--sql"]);
    run.ok();
    assert!(db.tables().is_empty(), "--sql changed the database");
    assert!(
        run.stdout
            .contains(&format!("-- {HEAD} (upgrade)\nBEGIN;\n")),
        "{run}"
    );
    assert!(run.stdout.contains("CREATE TABLE \"runbooks\""), "{run}");
    assert!(
        run.stdout.contains("INSERT INTO \"seaql_migrations\""),
        "{run}"
    );

    assert!(
        run.stdout
            .contains("CREATE TABLE IF NOT EXISTS \"autogen_checksums\""),
        "{run}"
    );
    assert!(
        run.stdout.contains("INSERT INTO \"autogen_checksums\""),
        "{run}"
    );

    psql(&db.url(), &run.stdout);
    // The checksum table and its rows included: what `upgrade` leaves.
    assert_eq!(schema(&db.url()), schema(&reference.url()));
    assert_eq!(rows(&db), vec![HEAD]);
    // The database it produced is at head for the real commands too, and
    // its history is trusted: every applied migration has its checksum.
    let check = Autogen::new(&db.url()).run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");
    let validate = Autogen::new(&db.url()).run(&["validate", "--json"]);
    let v = validate.ok().json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["unrecorded"], serde_json::json!([]), "{v}");
    assert_eq!(
        db.query_strings("SELECT version FROM autogen_checksums"),
        [HEAD],
        "{validate}"
    );
    assert_eq!(
        db.query_strings("SELECT checksum FROM autogen_checksums"),
        reference.query_strings("SELECT checksum FROM autogen_checksums"),
        "the script records the checksum upgrade records"
    );
    assert_ranked_now(&db);
}

#[test]
fn downgrade_sql_run_by_psql_rolls_back_like_downgrade() {
    let reference = TestDb::postgres();
    let ag = Autogen::new(&reference.url());
    ag.run(&["upgrade"]).ok();
    ag.run(&["downgrade", "base", "--yes"]).ok();

    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    let before = snapshot(&db);
    let run = ag.run(&["downgrade", "base", "--sql"]);
    run.ok();
    assert!(run.stdout.contains("DROP TABLE \"runbooks\""), "{run}");
    assert!(
        run.stdout.contains("DELETE FROM \"seaql_migrations\""),
        "{run}"
    );
    assert_eq!(snapshot(&db), before, "--sql changed the database");

    psql(&db.url(), &run.stdout);
    assert_eq!(schema(&db.url()), schema(&reference.url()));
    assert_eq!(rows(&db), Vec::<String>::new());
}

#[test]
fn upgrade_sql_on_sqlite_gives_the_schema_of_upgrade() {
    let reference = TestDb::sqlite();
    Autogen::new(&reference.url()).run(&["upgrade"]).ok();

    let db = TestDb::sqlite();
    let run = Autogen::new(&db.url()).run(&["upgrade", "--sql"]);
    run.ok();
    assert!(
        run.stdout.starts_with("-- autogen upgrade --sql (sqlite)"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("does not exist: assuming the database is empty"),
        "{run}"
    );
    assert!(run.stdout.contains("PRAGMA foreign_keys = OFF;"), "{run}");
    assert!(
        !matches!(&db, TestDb::Sqlite(f) if f.path().exists()),
        "--sql created the SQLite file"
    );
    run_on_sqlite(&db.url(), &run.stdout);
    assert_eq!(schema(&db.url()), schema(&reference.url()));
    assert_eq!(rows(&db), vec![HEAD]);
    let validate = Autogen::new(&db.url()).run(&["validate", "--json"]);
    let v = validate.ok().json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["unrecorded"], serde_json::json!([]), "{v}");
    assert_ranked_now(&db);
}

#[test]
fn sql_with_offline_assumes_an_empty_database_or_one_at_head_without_connecting() {
    let ag = Autogen::new("postgres://postgres@127.0.0.1:1/nowhere");
    let up = ag.run(&["upgrade", "--sql", "--offline"]);
    up.ok();
    assert!(up.stdout.contains("offline (--offline)"), "{up}");
    assert!(up.stdout.contains("assuming the database is empty"), "{up}");
    assert!(up.stdout.contains("CREATE TABLE \"runbooks\""), "{up}");

    let down = ag.run(&["downgrade", "base", "--sql", "--offline"]);
    down.ok();
    assert!(
        down.stdout.contains("assuming the database is at head"),
        "{down}"
    );
    assert!(down.stdout.contains("DROP TABLE \"runbooks\""), "{down}");
}

#[test]
fn sql_without_a_url_is_offline_and_creates_nothing() {
    let dir = temp_dir();
    let mut cmd = Autogen::new("")
        .in_dir(dir.path())
        .command(&["upgrade", "--sql"]);
    cmd.env_remove("DATABASE_URL");
    let up = cli_common::Autogen::wait(cmd.spawn().expect("run autogen"));
    up.ok();
    assert!(
        up.stdout.starts_with("-- autogen upgrade --sql (sqlite)"),
        "{up}"
    );
    assert!(
        up.stdout
            .contains("offline (no database URL given): assuming the database is empty"),
        "{up}"
    );
    assert!(up.stdout.contains("CREATE TABLE \"runbooks\""), "{up}");
    assert!(!dir.path().join("data").exists(), "--sql created ./data");
}

/// A database that cannot be reached is an error, never a script for a
/// database guessed empty: unreachable, unknown database, wrong password.
#[test]
fn sql_on_a_database_it_cannot_connect_to_fails_in_one_line_with_exit_2() {
    let unknown_db = {
        let db = TestDb::postgres();
        let url = db.url();
        let (base, _) = url.rsplit_once('/').expect("a database in the URL");
        format!("{base}/autogen_no_such_database")
    };
    let wrong_password = tests::support::mysql_admin_url().replacen(
        "mysql://root@",
        "mysql://root:not-the-password@",
        1,
    ) + "/mysql";
    for (url, expect) in [
        (
            "postgres://postgres@127.0.0.1:1/nowhere".to_owned(),
            "cannot connect",
        ),
        (unknown_db, "autogen_no_such_database"),
        (wrong_password, "cannot connect"),
    ] {
        for args in [&["upgrade", "--sql"][..], &["downgrade", "base", "--sql"]] {
            let run = Autogen::new(&url).run(args);
            let line = run.one_line_error();
            assert!(line.contains(expect), "{url} {args:?}: {run}");
            assert!(run.stdout.is_empty(), "a script was printed: {run}");
        }
    }
}

#[test]
fn sql_of_a_database_at_head_has_nothing_to_apply_and_downgrade_minus_one_sql_needs_no_yes() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    let before = snapshot(&db);
    let up = ag.run(&["upgrade", "--sql"]);
    assert!(up.ok().stdout.contains("no migration to apply"), "{up}");
    assert!(!up.stdout.contains("CREATE TABLE \"runbooks\""), "{up}");
    let down = ag.run(&["downgrade", "-1", "--sql"]);
    assert!(
        down.ok().stdout.contains(&format!("-- {HEAD} (downgrade)")),
        "{down}"
    );
    assert_eq!(snapshot(&db), before);
}

#[test]
fn dry_run_reports_statements_and_timings_then_rolls_back() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        let ag = Autogen::new(&db.url());
        let run = ag.run(&["upgrade", "--dry-run"]);
        run.ok();
        assert!(run.stdout.contains(&format!("{HEAD} (")), "{run}");
        assert!(run.stdout.contains(" ms)"), "{run}");
        assert!(
            run.stdout.contains("    CREATE TABLE \"runbooks\""),
            "{run}"
        );
        assert!(
            run.stdout
                .contains("which was rolled back: the database is unchanged"),
            "{run}"
        );
        assert!(
            !db.has_table("runbooks"),
            "dry run left tables on {}",
            db.backend()
        );
        assert_eq!(rows(&db), Vec::<String>::new());

        let json = ag.run(&["upgrade", "--dry-run", "--json"]).json();
        assert_eq!(json["rolled_back"], true);
        assert_eq!(json["dry_run"][0]["revision"], HEAD);
        assert!(json["dry_run"][0]["millis"].is_number(), "{json}");

        ag.run(&["upgrade"]).ok();
        let at_head = ag.run(&["upgrade", "--dry-run"]);
        assert!(
            at_head.ok().stdout.contains("Nothing to upgrade"),
            "{at_head}"
        );
    }
}

#[test]
fn dry_run_reports_a_failing_migration_and_changes_nothing() {
    let db = TestDb::postgres();
    // A table in the way: the base migration's CREATE TABLE fails.
    db.execute("CREATE TABLE alerts (id integer)");
    let before = snapshot(&db);
    let run = Autogen::new(&db.url()).run(&["upgrade", "--dry-run"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stdout.contains("FAILED:"), "{run}");
    assert!(
        run.stderr
            .contains(&format!("dry run: migration {HEAD} fails")),
        "{run}"
    );
    assert!(run.stderr.contains("nothing was changed"), "{run}");
    assert_eq!(snapshot(&db), before);
}

#[test]
fn sql_and_dry_run_exclude_each_other() {
    let db = TestDb::postgres();
    let run = Autogen::new(&db.url()).run(&["upgrade", "--sql", "--dry-run"]);
    assert!(
        run.one_line_error()
            .contains("--sql and --dry-run exclude each other"),
        "{run}"
    );
}

/// A workspace copy whose newest migration is hand-written the way real
/// projects write them: it asks the database (`has_table`, `has_column`,
/// `has_index`) before acting and deletes old rows from `seaql_migrations`.
/// Its binary, and the new migration's name.
fn workspace_with_a_migration_that_asks() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let ws = cli_common::copy_workspace();
    let root = ws.path();
    Autogen::new("sqlite::memory:")
        .in_dir(root)
        .run(&["revision", "--empty", "-m", "asks the database"])
        .ok();
    let dir = root.join("migration/src");
    let file = std::fs::read_dir(&dir)
        .expect("ls")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|f| f.contains("asks_the_database"))
        .expect("the new migration");
    let path = dir.join(&file);
    let text = std::fs::read_to_string(&path).expect("read");
    let written = text.replacen(
        "let _ = manager;",
        r#"use sea_orm_migration::sea_orm::ConnectionTrait;
        if !manager.has_table("runbooks").await?
            || !manager.has_column("runbooks", "name").await?
            || manager.has_column("runbooks", "no_such_column").await?
            || !manager.has_table("seaql_migrations").await?
        {
            return Err(DbErr::Migration("the schema is not what this migration expects".into()));
        }
        if !manager.has_table("legacy_notes").await? {
            manager
                .create_table(
                    Table::create()
                        .table("legacy_notes")
                        .col(ColumnDef::new("id").integer().not_null().primary_key())
                        .col(ColumnDef::new("note").text().null())
                        .to_owned(),
                )
                .await?;
        }
        if !manager.has_index("legacy_notes", "legacy_notes_note").await? {
            manager
                .create_index(
                    Index::create()
                        .name("legacy_notes_note")
                        .table("legacy_notes")
                        .col("note")
                        .to_owned(),
                )
                .await?;
        }
        if !manager.has_column("legacy_notes", "note").await? {
            return Err(DbErr::Migration("legacy_notes.note is missing".into()));
        }
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM seaql_migrations WHERE version LIKE 'm0000%'")
            .await?;"#,
        1,
    );
    assert_ne!(
        written, text,
        "the template has a place for hand-written changes"
    );
    std::fs::write(&path, written).expect("write");
    let bin = cli_common::build_copy(root, "offline-asks");
    (ws, bin, file.trim_end_matches(".rs").to_owned())
}

/// Item 14: on a fresh database, `upgrade --dry-run` runs such a migration
/// live (inside its rolled-back transaction, bookkeeping table included)
/// and `upgrade --sql` answers its questions from the schema it assumes,
/// saying so in the script; the script then builds what `upgrade` builds.
/// On SQLite the dry run judges only the foreign-key violations the
/// migrations make, as `upgrade` does.
#[test]
fn dry_run_and_sql_handle_a_migration_that_asks_the_database() {
    let (ws, bin, asks) = workspace_with_a_migration_that_asks();
    let ag = |db: &TestDb| Autogen::new(&db.url()).in_dir(ws.path()).binary(&bin);
    for backend in ["postgres", "sqlite"] {
        let fresh = || match backend {
            "postgres" => TestDb::postgres(),
            _ => TestDb::sqlite(),
        };
        let reference = fresh();
        ag(&reference).run(&["upgrade"]).ok();
        assert_eq!(rows(&reference), vec![HEAD.to_owned(), asks.clone()]);

        // Dry run on a fresh database: runs live, changes nothing.
        let db = fresh();
        let dry = ag(&db).run(&["upgrade", "--dry-run"]);
        dry.ok();
        assert!(dry.stdout.contains(&format!("{asks} (")), "{dry}");
        assert!(
            dry.stdout.contains("CREATE TABLE \"legacy_notes\""),
            "{dry}"
        );
        assert!(dry.stdout.contains("which was rolled back"), "{dry}");
        assert!(!db.has_table("runbooks"), "{dry}");
        assert_eq!(rows(&db), Vec::<String>::new());

        // Offline SQL on a fresh database: answered from its catalog
        // followed through the script.
        let db = fresh();
        let sql = ag(&db).run(&["upgrade", "--sql"]);
        sql.ok();
        for answer in [
            "-- the migration asks: has_table(\"runbooks\") answered true",
            "-- the migration asks: has_column(\"runbooks\", \"no_such_column\") answered false",
            "-- the migration asks: has_table(\"seaql_migrations\") answered true",
            "-- the migration asks: has_table(\"legacy_notes\") answered false",
            "-- the migration asks: has_index(\"legacy_notes\", \"legacy_notes_note\") answered false",
            "-- the migration asks: has_column(\"legacy_notes\", \"note\") answered true",
        ] {
            assert!(sql.stdout.contains(answer), "{answer}\n{sql}");
        }
        // PostgreSQL is reachable (an empty live catalog); the SQLite file
        // does not exist yet (assumed empty).
        let source = match backend {
            "postgres" => "(the live database, with the statements above)",
            _ => "(an empty database, with the statements above)",
        };
        assert!(sql.stdout.contains(source), "{sql}");
        match backend {
            "postgres" => psql(&db.url(), &sql.stdout),
            _ => run_on_sqlite(&db.url(), &sql.stdout),
        }
        assert_eq!(schema(&db.url()), schema(&reference.url()));
        assert_eq!(rows(&db), rows(&reference));

        // A database at the old head: the answers come from the live catalog.
        let db = fresh();
        ag(&db).run(&["upgrade", HEAD]).ok();
        if backend == "sqlite" {
            // An old dangling row (written with enforcement off) is not the
            // pending migration's doing: the dry run, like upgrade, passes.
            db.execute(
                "PRAGMA foreign_keys = OFF; INSERT INTO runbook_steps (runbook_id, position, name, command, on_failure) VALUES (999, 1, 'orphan', 'true', 'abort')",
            );
        }
        let sql = ag(&db).run(&["upgrade", "--sql"]);
        assert!(
            sql.ok().stdout.contains(
                "has_table(\"runbooks\") answered true from the schema assumed (the live database"
            ),
            "{sql}"
        );
        assert!(!sql.stdout.contains("CREATE TABLE \"runbooks\""), "{sql}");
        let before = snapshot(&db);
        let dry = ag(&db).run(&["upgrade", "--dry-run"]);
        dry.ok();
        assert_eq!(snapshot(&db), before, "{dry}");
        ag(&db).run(&["upgrade"]).ok();
        assert_eq!(rows(&db), rows(&reference));
    }
}
