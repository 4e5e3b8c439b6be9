//! Boot of the `app` binary against real databases: migrate at boot, serve,
//! replicas racing for the lock, failures that must leave the database
//! untouched, bad configuration. Every test has a database of its own.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{self as runtime, RuntimeError};
use serde_json::{Value, json};
use tests::fixtures::{BrokenMigrator, CREATE_A, CREATE_B_THEN_FAIL};
use tests::support::{
    self, App, BASE_TABLES, Exit, HEAD, MIGRATED_OK, MIGRATION_FAILED, Running, SqliteFile, TestDb,
    free_port, temp_dir,
};

/// Generous bound for one app run; a healthy boot takes well under a second.
const RUN: Duration = Duration::from_secs(60);

fn app(cwd: &Path, db: &TestDb) -> App {
    App::new(cwd).database(&db.url())
}

fn applied_lines(exit: &Exit) -> Vec<&str> {
    exit.lines_with("Applied migration")
}

fn assert_base_schema(db: &TestDb) {
    let tables = db.tables();
    for table in BASE_TABLES {
        assert!(
            tables.iter().any(|t| t == table),
            "table {table} missing after boot on {}: {tables:?}",
            db.backend()
        );
    }
    assert_eq!(
        db.applied(),
        Some(vec![HEAD.to_owned()]),
        "seaql_migrations"
    );
}

/// The one `❌` line of a failed boot: exactly one, and its message (after
/// the timestamp and level) starts with the mark.
fn one_error_line(exit: &Exit) -> &str {
    let lines = exit.lines_with("❌");
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one ❌ line:\n{}",
        exit.log
    );
    let line = lines[0];
    let message = line.split_once("ERROR").map(|(_, m)| m.trim_start());
    assert!(
        message.is_some_and(|m| m.starts_with('❌')),
        "the ❌ line should be an ERROR whose message starts with ❌: {line:?}"
    );
    line
}

// ---------------------------------------------------------------------------
// Boot on an empty database

fn boots_on_an_empty_database(db: TestDb) {
    let cwd = temp_dir();
    let exit = app(cwd.path(), &db).migrate_only().run(RUN);
    exit.assert_success("app --migrate-only on an empty database");

    assert_base_schema(&db);
    let ok = exit.lines_with(MIGRATED_OK);
    assert_eq!(ok.len(), 1, "one success line expected:\n{}", exit.log);
    assert!(
        ok[0].contains("1 applied") && ok[0].contains(&format!("head {HEAD}")),
        "success line should count 1 applied and name the head: {}",
        ok[0]
    );
    let applied = applied_lines(&exit);
    assert_eq!(applied.len(), 1, "{}", exit.log);
    assert!(applied[0].contains(HEAD), "{}", applied[0]);
    assert!(exit.lines_with("ERROR").is_empty(), "{}", exit.log);
    if let TestDb::Postgres(_) = db {
        assert!(
            !cwd.path().join("data").exists(),
            "a PostgreSQL boot must not create ./data"
        );
    }
}

#[test]
fn boots_on_an_empty_postgres_database() {
    boots_on_an_empty_database(TestDb::postgres());
}

#[test]
fn boots_on_an_empty_sqlite_file() {
    boots_on_an_empty_database(TestDb::sqlite());
}

// ---------------------------------------------------------------------------
// Boot twice: the second boot finds nothing to do

fn second_boot_applies_nothing(db: TestDb) {
    let cwd = temp_dir();
    let first = app(cwd.path(), &db).migrate_only().run(RUN);
    first.assert_success("first boot");
    let tables = db.tables();

    let second = app(cwd.path(), &db).migrate_only().run(RUN);
    second.assert_success("second boot");
    let ok = second.lines_with(MIGRATED_OK);
    assert_eq!(ok.len(), 1, "{}", second.log);
    assert!(
        ok[0].contains("0 applied"),
        "second boot should apply nothing: {}",
        ok[0]
    );
    assert!(
        applied_lines(&second).is_empty(),
        "second boot applied something:\n{}",
        second.log
    );
    assert_eq!(db.tables(), tables, "second boot changed the schema");
    assert_eq!(db.applied(), Some(vec![HEAD.to_owned()]));
}

#[test]
fn second_boot_on_postgres_applies_nothing() {
    second_boot_applies_nothing(TestDb::postgres());
}

#[test]
fn second_boot_on_sqlite_applies_nothing() {
    second_boot_applies_nothing(TestDb::sqlite());
}

// ---------------------------------------------------------------------------
// Serve: health, runbook CRUD, graceful shutdown

fn error_body(r: &support::http::Response, what: &str) -> String {
    assert!(r.is_json(), "{what}: error response is not JSON: {r:?}");
    let body = r.json();
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: JSON error without an \"error\" string: {body}"))
        .to_owned()
}

fn serves_health_and_runbook_crud(db: TestDb) {
    let cwd = temp_dir();
    let server = app(cwd.path(), &db).serve();

    // Health: migrated to head, on the expected backend.
    let health = server.get("/health");
    assert_eq!(health.status, 200, "{health:?}");
    let h = health.json();
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(h["database"], db.backend(), "{h}");
    assert_eq!(h["revision"], HEAD, "{h}");
    assert_eq!(h["head"], HEAD, "{h}");
    assert_eq!(h["pending"], 0, "{h}");

    // Create.
    let created = server.send_json(
        "POST",
        "/runbooks",
        &json!({
            "name": "restart-nginx",
            "description": "Restart nginx when it stops answering",
            "category": "web",
            "tags": ["nginx", "http"],
        }),
    );
    assert_eq!(created.status, 201, "{created:?}");
    let first = created.json();
    let id = first["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no integer id: {first}"));
    assert_eq!(first["name"], "restart-nginx");
    assert_eq!(first["category"], "web");
    assert_eq!(first["enabled"], true, "enabled defaults to true");
    assert_eq!(first["tags"], json!(["nginx", "http"]));
    assert!(first["created_at"].is_string(), "{first}");
    assert_eq!(
        db.query_strings("SELECT name FROM runbooks"),
        vec!["restart-nginx".to_owned()],
        "the row is in the database"
    );

    // Invalid input: 422 with a JSON error, nothing written.
    for (bad, why) in [
        (json!({"name": "", "category": "web"}), "empty name"),
        (json!({"name": "   ", "category": "web"}), "blank name"),
        (
            json!({"name": "x".repeat(256), "category": "web"}),
            "name too long",
        ),
        (json!({"name": "ok", "category": ""}), "empty category"),
        (
            json!({"name": "ok", "category": "web", "tags": 3}),
            "tags not array/object",
        ),
    ] {
        let r = server.send_json("POST", "/runbooks", &bad);
        assert_eq!(r.status, 422, "{why}: {r:?}");
        let msg = error_body(&r, why);
        assert!(!msg.is_empty(), "{why}: empty error message");
    }
    // Malformed JSON, a body that is not JSON, missing fields: 4xx with a JSON error.
    for (content_type, body, why) in [
        ("application/json", "{\"name\": \"x\",", "truncated JSON"),
        ("application/json", "not json at all", "not JSON"),
        (
            "application/json",
            "{\"category\": \"web\"}",
            "missing name",
        ),
        (
            "application/json",
            "{\"name\": \"x\", \"category\": \"web\", \"extra\": 1}",
            "unknown field",
        ),
        (
            "text/plain",
            "{\"name\": \"x\", \"category\": \"web\"}",
            "wrong content type",
        ),
    ] {
        let r = server.send_raw("POST", "/runbooks", content_type, body);
        assert!(
            (400..500).contains(&r.status),
            "{why}: expected 4xx, got {r:?}"
        );
        error_body(&r, why);
    }
    assert_eq!(
        db.query_strings("SELECT name FROM runbooks").len(),
        1,
        "bad input wrote rows"
    );

    // Duplicate name: 409.
    let dup = server.send_json(
        "POST",
        "/runbooks",
        &json!({"name": "restart-nginx", "category": "other"}),
    );
    assert_eq!(dup.status, 409, "{dup:?}");
    error_body(&dup, "duplicate name");

    // A second runbook, then the list (ordered by id).
    let second = server.send_json(
        "POST",
        "/runbooks",
        &json!({"name": "rotate-logs", "category": "disk", "enabled": false}),
    );
    assert_eq!(second.status, 201, "{second:?}");
    let second = second.json();
    let id2 = second["id"].as_i64().expect("id");
    assert_eq!(second["enabled"], false);
    assert_eq!(second["tags"], json!([]), "tags default to []");
    let list = server.get("/runbooks");
    assert_eq!(list.status, 200, "{list:?}");
    let names: Vec<Value> = list
        .json()
        .as_array()
        .expect("list is an array")
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("restart-nginx"), json!("rotate-logs")]);

    // Get by id.
    let got = server.get(&format!("/runbooks/{id}"));
    assert_eq!(got.status, 200, "{got:?}");
    assert_eq!(got.json(), first, "GET returns what POST returned");

    // Update.
    let updated = server.send_json(
        "PUT",
        &format!("/runbooks/{id}"),
        &json!({"name": "restart-nginx-v2", "category": "web", "description": null, "tags": {"team": "sre"}}),
    );
    assert_eq!(updated.status, 200, "{updated:?}");
    let u = updated.json();
    assert_eq!(u["id"], id);
    assert_eq!(u["name"], "restart-nginx-v2");
    assert_eq!(u["description"], Value::Null);
    assert_eq!(u["tags"], json!({"team": "sre"}));
    assert_eq!(u["enabled"], true, "enabled kept when not given");
    assert_eq!(
        server.get(&format!("/runbooks/{id}")).json(),
        u,
        "GET after PUT"
    );
    let r = server.send_json(
        "PUT",
        &format!("/runbooks/{id}"),
        &json!({"name": "", "category": "web"}),
    );
    assert_eq!(r.status, 422, "invalid PUT: {r:?}");
    let r = server.send_json(
        "PUT",
        &format!("/runbooks/{id2}"),
        &json!({"name": "restart-nginx-v2", "category": "disk"}),
    );
    assert_eq!(r.status, 409, "PUT to a taken name: {r:?}");
    error_body(&r, "PUT duplicate");
    let r = server.send_json(
        "PUT",
        "/runbooks/999999",
        &json!({"name": "n", "category": "c"}),
    );
    assert_eq!(r.status, 404, "PUT missing: {r:?}");
    error_body(&r, "PUT missing");

    // Missing: 404 with a JSON error.
    let missing = server.get("/runbooks/999999");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert!(error_body(&missing, "GET missing").contains("999999"));

    // Delete.
    let deleted = server.delete(&format!("/runbooks/{id}"));
    assert_eq!(deleted.status, 204, "{deleted:?}");
    let gone = server.get(&format!("/runbooks/{id}"));
    assert_eq!(gone.status, 404, "{gone:?}");
    let again = server.delete(&format!("/runbooks/{id}"));
    assert_eq!(again.status, 404, "second DELETE: {again:?}");
    error_body(&again, "DELETE missing");
    let list = server.get("/runbooks").json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");

    // Graceful shutdown on SIGTERM.
    let exit = server.stop(Duration::from_secs(15));
    exit.assert_success("SIGTERM");
    assert_eq!(
        exit.lines_with("Shut down cleanly").len(),
        1,
        "{}",
        exit.log
    );
    assert!(exit.lines_with("ERROR").is_empty(), "{}", exit.log);
}

#[test]
fn serves_health_and_runbook_crud_on_postgres() {
    serves_health_and_runbook_crud(TestDb::postgres());
}

#[test]
fn serves_health_and_runbook_crud_on_sqlite() {
    serves_health_and_runbook_crud(TestDb::sqlite());
}

// ---------------------------------------------------------------------------
// Replicas booting at the same moment

fn replicas_migrate_once(db: TestDb, replicas: usize) {
    let cwd = temp_dir();
    let app = app(cwd.path(), &db).migrate_only();
    // Start them all before waiting for any.
    let running: Vec<Running> = (0..replicas).map(|_| app.spawn()).collect();
    wait_and_check_one_applied(running);
    assert_base_schema(&db);
}

/// Wait for replicas started together: all succeed, exactly one applies.
fn wait_and_check_one_applied(running: Vec<Running>) {
    let exits: Vec<Exit> = running.into_iter().map(|r| r.wait(RUN)).collect();

    let all_logs = exits
        .iter()
        .enumerate()
        .map(|(i, e)| format!("--- replica {i} ({}):\n{}", e.status, e.log))
        .collect::<String>();
    for exit in &exits {
        assert!(exit.success(), "a replica failed:\n{all_logs}");
        assert_eq!(exit.lines_with(MIGRATED_OK).len(), 1, "{all_logs}");
        assert!(
            exit.lines_with("ERROR").is_empty(),
            "ERROR logged:\n{all_logs}"
        );
        assert!(
            !exit.log.contains("database is locked"),
            "a replica saw SQLITE_BUSY:\n{all_logs}"
        );
    }
    let appliers = exits
        .iter()
        .filter(|e| !applied_lines(e).is_empty())
        .count();
    assert_eq!(
        appliers, 1,
        "exactly one replica applies the migration:\n{all_logs}"
    );
    let applied: usize = exits.iter().map(|e| applied_lines(e).len()).sum();
    assert_eq!(applied, 1, "the migration was applied once:\n{all_logs}");
}

#[test]
fn eight_replicas_on_one_postgres_database_migrate_once() {
    replicas_migrate_once(TestDb::postgres(), 8);
}

#[test]
fn two_replicas_on_one_sqlite_file_migrate_once() {
    replicas_migrate_once(TestDb::sqlite(), 2);
}

/// `sqlite:relative/path` (no `//`, no query) takes the same lock as the
/// other forms: while the test holds the lock of the file, four booting
/// replicas wait (none migrates); once it is released, one applies.
#[test]
fn four_boots_on_a_relative_sqlite_url_wait_for_the_lock_and_migrate_once() {
    let cwd = temp_dir();
    std::fs::create_dir_all(cwd.path().join("data")).expect("mkdir data");
    let held =
        crate::cli_common::hold_sqlite_migration_lock(&cwd.path().join("data/remediation.db"));
    let app = App::new(cwd.path())
        .database("sqlite:data/remediation.db")
        .migrate_only();
    let mut running: Vec<Running> = (0..4).map(|_| app.spawn()).collect();
    // A boot takes well under a second; one that does not wait for the
    // lock has finished long before this.
    std::thread::sleep(Duration::from_secs(5));
    for replica in &mut running {
        assert!(
            !replica.has_exited() && !replica.log().contains("Applied migration"),
            "a replica did not wait for the lock:\n{}",
            replica.log()
        );
    }
    drop(held);
    wait_and_check_one_applied(running);
    let url = format!(
        "sqlite://{}",
        cwd.path().join("data/remediation.db").display()
    );
    assert_eq!(
        support::query_strings(&url, "SELECT version FROM seaql_migrations"),
        vec![HEAD.to_owned()]
    );
}

/// The boot retry probes with short timeouts (at most 5 s, as little as
/// 200 ms near the end of its budget); the pool the app then serves with
/// has the normal 30 s acquire timeout, so a burst of requests queues for
/// a connection instead of failing.
#[test]
fn the_pool_from_the_boot_retry_serves_with_the_normal_acquire_timeout() {
    for db in [TestDb::sqlite(), TestDb::postgres()] {
        let url = DatabaseUrl::parse(&db.url(), "test").expect("test URL");
        let acquire = support::block_on(async {
            let pool = runtime::connect_with_retry(&url, Duration::from_secs(1))
                .await
                .expect("connect");
            let acquire = match &db {
                TestDb::Sqlite(_) => pool
                    .get_sqlite_connection_pool()
                    .options()
                    .get_acquire_timeout(),
                TestDb::Postgres(_) => pool
                    .get_postgres_connection_pool()
                    .options()
                    .get_acquire_timeout(),
            };
            let _ = pool.close().await;
            acquire
        });
        assert_eq!(acquire, Duration::from_secs(30), "{}", db.backend());
    }
}

// ---------------------------------------------------------------------------
// A migration that fails halfway (library level)

fn failing_migration_leaves_previous_revision(db: TestDb) {
    let url = DatabaseUrl::parse(&db.url(), "test").expect("test URL");
    let err = support::block_on(async {
        let conn = runtime::connect(&url).await.expect("connect");
        let result =
            runtime::upgrade_to_head::<BrokenMigrator>(&conn, &url, Duration::from_secs(10)).await;
        let _ = conn.close().await;
        result
    })
    .expect_err("the broken migration must fail");

    let message = err.to_string();
    match &err {
        RuntimeError::MigrationFailed { name, previous, .. } => {
            assert_eq!(name, CREATE_B_THEN_FAIL, "{message}");
            assert_eq!(previous, CREATE_A, "{message}");
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    assert!(
        message.contains(CREATE_B_THEN_FAIL),
        "names the failing migration: {message}"
    );
    assert!(
        message.contains(&format!("stays at {CREATE_A}")),
        "names the revision kept: {message}"
    );
    assert!(message.contains("no_such_table"), "says why: {message}");

    let tables = db.tables();
    assert!(
        tables.iter().any(|t| t == "a"),
        "first migration kept: {tables:?}"
    );
    assert!(
        !tables.iter().any(|t| t == "b"),
        "half-applied migration left table b: {tables:?}"
    );
    assert_eq!(
        db.applied(),
        Some(vec![CREATE_A.to_owned()]),
        "seaql_migrations"
    );

    // Trying again fails the same way and changes nothing.
    let again = support::block_on(async {
        let conn = runtime::connect(&url).await.expect("connect");
        let result =
            runtime::upgrade_to_head::<BrokenMigrator>(&conn, &url, Duration::from_secs(10)).await;
        let _ = conn.close().await;
        result
    })
    .expect_err("still broken");
    assert!(again.to_string().contains(CREATE_B_THEN_FAIL), "{again}");
    assert_eq!(db.tables(), tables);
    assert_eq!(db.applied(), Some(vec![CREATE_A.to_owned()]));
}

#[test]
fn failing_migration_leaves_postgres_at_previous_revision() {
    failing_migration_leaves_previous_revision(TestDb::postgres());
}

#[test]
fn failing_migration_leaves_sqlite_at_previous_revision() {
    failing_migration_leaves_previous_revision(TestDb::sqlite());
}

// ---------------------------------------------------------------------------
// The base migration fails halfway inside `app`: a table it creates last
// (`alerts`) already exists. The app must exit non-zero without serving and
// leave nothing of the migration behind.

fn app_refuses_to_serve_when_the_base_migration_fails(db: TestDb) {
    db.execute("CREATE TABLE alerts (note TEXT)");
    let cwd = temp_dir();
    let exit = app(cwd.path(), &db)
        .env("PORT", free_port().to_string())
        .run(RUN);

    assert!(!exit.success(), "app must exit non-zero:\n{}", exit.log);
    let line = one_error_line(&exit);
    assert!(line.contains(MIGRATION_FAILED), "{line}");
    assert!(line.contains(HEAD), "names the failing migration: {line}");
    assert!(
        line.contains("stays at base"),
        "names the revision kept: {line}"
    );
    assert!(line.contains("alerts"), "says why: {line}");
    assert!(
        exit.lines_with("Serving on").is_empty(),
        "served anyway:\n{}",
        exit.log
    );
    assert!(applied_lines(&exit).is_empty(), "{}", exit.log);
    assert!(exit.lines_with(MIGRATED_OK).is_empty(), "{}", exit.log);

    // Nothing of the migration is left: only the pre-existing table (and the
    // empty bookkeeping table) remain, with their original shape.
    let tables = db.tables();
    for table in &tables {
        assert!(
            table == "alerts" || table == "seaql_migrations" || table == "autogen_checksums",
            "partial object {table} left behind: {tables:?}"
        );
    }
    assert_eq!(
        db.applied().unwrap_or_default(),
        Vec::<String>::new(),
        "seaql_migrations"
    );
    db.execute("INSERT INTO alerts (note) VALUES ('the old alerts table is untouched')");
    if let TestDb::Postgres(pg) = &db {
        assert_eq!(
            support::pg_enum_types(pg.url()),
            Vec::<String>::new(),
            "enum types created by the failed migration were left behind"
        );
    }
}

#[test]
fn app_refuses_to_serve_when_the_base_migration_fails_on_postgres() {
    app_refuses_to_serve_when_the_base_migration_fails(TestDb::postgres());
}

#[test]
fn app_refuses_to_serve_when_the_base_migration_fails_on_sqlite() {
    app_refuses_to_serve_when_the_base_migration_fails(TestDb::sqlite());
}

// ---------------------------------------------------------------------------
// Bad DATABASE_URL: one line, no password, nothing created, no serving

const PASSWORD: &str = "s3cret";

fn rejects_bad_url(
    url: impl AsRef<std::ffi::OsStr>,
    extra_env: &[(&str, &str)],
    expect: &[&str],
) -> Exit {
    let raw = url.as_ref();
    let url = raw.to_string_lossy();
    let cwd = temp_dir();
    let mut app = App::new(cwd.path())
        .env("DATABASE_URL", raw)
        .env("PORT", free_port().to_string());
    for (k, v) in extra_env {
        app = app.env(k, v);
    }
    let exit = app.run(RUN);

    assert!(
        !exit.success(),
        "{url}: app must exit non-zero:\n{}",
        exit.log
    );
    let line = one_error_line(&exit);
    assert!(line.contains(MIGRATION_FAILED), "{line}");
    for needle in expect {
        assert!(
            line.contains(needle),
            "{url}: the error should mention {needle:?}: {line}"
        );
    }
    assert!(
        !exit.log.contains(PASSWORD),
        "{url}: the password was printed:\n{}",
        exit.log
    );
    assert!(exit.lines_with("Serving on").is_empty(), "{}", exit.log);
    let created: Vec<_> = std::fs::read_dir(cwd.path())
        .expect("read cwd")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(
        created.is_empty(),
        "{url}: the app created {created:?} in its working directory"
    );
    exit
}

#[test]
fn malformed_database_url_is_rejected() {
    let exit = rejects_bad_url("not a url", &[], &["not a valid URL", "postgres://"]);
    assert!(
        exit.elapsed < Duration::from_secs(5),
        "took {:?}",
        exit.elapsed
    );
    let exit = rejects_bad_url(
        format!("postgres://u:{PASSWORD}@/x"),
        &[],
        &["not a valid URL"],
    );
    assert!(
        exit.elapsed < Duration::from_secs(5),
        "took {:?}",
        exit.elapsed
    );
}

#[test]
fn unknown_database_url_scheme_is_rejected() {
    let exit = rejects_bad_url(
        format!("oracle://x:{PASSWORD}@h/db"),
        &[],
        &["unsupported scheme `oracle`", "postgres://"],
    );
    assert!(
        exit.elapsed < Duration::from_secs(5),
        "took {:?}",
        exit.elapsed
    );
}

/// An unreachable server: one redacted line, and `DB_CONNECT_RETRY_SECS=1`
/// bounds the whole wait (the timing is asserted last, after the message).
#[test]
fn unreachable_database_fails_quickly_with_one_redacted_line() {
    let exit = rejects_bad_url(
        format!("postgres://u:{PASSWORD}@127.0.0.1:1/x"),
        &[("DB_CONNECT_RETRY_SECS", "1")],
        &["cannot connect to the database at postgres://u:***@127.0.0.1:1/x"],
    );
    assert!(
        exit.elapsed < Duration::from_secs(10),
        "with DB_CONNECT_RETRY_SECS=1 the app should give up within seconds, it took {:?}:\n{}",
        exit.elapsed,
        exit.log
    );
}

/// The SQLite default is for an unset DATABASE_URL only: set but empty (or
/// not UTF-8) is a mistake, refused in one line before anything is created.
#[test]
fn an_empty_or_non_utf8_database_url_is_refused() {
    rejects_bad_url("", &[], &["DATABASE_URL is set but empty", "unset it"]);
    rejects_bad_url("   ", &[], &["DATABASE_URL is set but empty"]);
    let garbled = std::ffi::OsStr::from_bytes(b"sqlite://data/\xff.db");
    rejects_bad_url(garbled, &[], &["DATABASE_URL is not valid UTF-8"]);
}

/// Waits too long to represent: one line naming the setting, not a panic
/// (exit 101), and nothing created.
#[test]
fn absurd_wait_settings_are_refused_in_one_line() {
    for (var, flag) in [
        ("DB_CONNECT_RETRY_SECS", "--connect-retry-secs"),
        ("MIGRATION_LOCK_TIMEOUT_SECS", "--lock-timeout-secs"),
    ] {
        let file = SqliteFile::create();
        let exit = App::new(file.dir())
            .database(&file.url())
            .env(var, "18446744073709551615")
            .migrate_only()
            .run(RUN);
        assert!(!exit.success(), "{var}: must fail:\n{}", exit.log);
        assert_ne!(
            exit.status.code(),
            Some(101),
            "{var}: panicked:\n{}",
            exit.log
        );
        let line = one_error_line(&exit);
        for needle in [
            var,
            flag,
            "18446744073709551615 seconds",
            "pass a smaller value",
        ] {
            assert!(line.contains(needle), "{var}: {needle:?} missing: {line}");
        }
        assert!(!file.path().exists(), "{var}: the database was created");
    }
}

// ---------------------------------------------------------------------------
// AUTO_MIGRATE=false: serve without migrating

#[test]
fn auto_migrate_false_serves_without_migrating() {
    let db = TestDb::postgres();
    let cwd = temp_dir();
    let server = app(cwd.path(), &db).env("AUTO_MIGRATE", "false").serve();

    let health = server.get("/health");
    assert_eq!(health.status, 200, "{health:?}");
    let h = health.json();
    assert_eq!(h["pending"], 1, "{h}");
    assert_eq!(h["revision"], Value::Null, "{h}");
    assert_eq!(h["head"], HEAD, "{h}");
    assert_eq!(h["database"], "postgres", "{h}");
    assert!(
        !db.tables()
            .iter()
            .any(|t| BASE_TABLES.contains(&t.as_str())),
        "AUTO_MIGRATE=false created tables: {:?}",
        db.tables()
    );

    let exit = server.stop(Duration::from_secs(15));
    exit.assert_success("SIGTERM");
    assert!(exit.lines_with(MIGRATED_OK).is_empty(), "{}", exit.log);
    assert!(applied_lines(&exit).is_empty(), "{}", exit.log);
    assert_eq!(
        exit.lines_with("AUTO_MIGRATE=false").len(),
        1,
        "{}",
        exit.log
    );
}

/// The API's edges: a NUL in a string is a 422 (PostgreSQL stores none);
/// a PUT whose row vanished after it was read is a 404; `/health` says the
/// database cannot be read without the database's error text; the list is
/// paginated with `?limit=&after=` and a `Link: rel="next"` header.
#[test]
fn api_edges_on_postgres() {
    let db = TestDb::postgres();
    let cwd = temp_dir();
    let server = app(cwd.path(), &db).serve();

    for (bad, why) in [
        (json!({"name": "a\u{0}b", "category": "web"}), "NUL in name"),
        (
            json!({"name": "ok", "category": "web", "description": "x\u{0}"}),
            "NUL in description",
        ),
        (
            json!({"name": "ok", "category": "web", "tags": {"k": ["\u{0}"]}}),
            "NUL in tags",
        ),
    ] {
        let r = server.send_json("POST", "/runbooks", &bad);
        assert_eq!(r.status, 422, "{why}: {r:?}");
        assert!(error_body(&r, why).contains("NUL"), "{why}: {r:?}");
    }

    let ids: Vec<i64> = (0..5)
        .map(|i| {
            let r = server.send_json(
                "POST",
                "/runbooks",
                &json!({"name": format!("rb-{i}"), "category": "c"}),
            );
            assert_eq!(r.status, 201, "{r:?}");
            r.json()["id"].as_i64().expect("id")
        })
        .collect();
    let page = server.get("/runbooks?limit=2");
    assert_eq!(page.status, 200, "{page:?}");
    let names = |r: &support::http::Response| -> Vec<String> {
        r.json()
            .as_array()
            .expect("array")
            .iter()
            .map(|x| x["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(names(&page), ["rb-0", "rb-1"]);
    let next = page.header("link").expect("a full page links to the next");
    assert_eq!(
        next,
        format!("</runbooks?limit=2&after={}>; rel=\"next\"", ids[1])
    );
    let rest = server.get(&format!("/runbooks?limit=10&after={}", ids[1]));
    assert_eq!(names(&rest), ["rb-2", "rb-3", "rb-4"]);
    assert!(rest.header("link").is_none(), "the last page links nowhere");
    for bad in [
        "/runbooks?limit=0",
        "/runbooks?limit=1001",
        "/runbooks?after=x",
        "/runbooks?page=2",
    ] {
        let r = server.get(bad);
        assert_eq!(r.status, 400, "{bad}: {r:?}");
        error_body(&r, bad);
    }

    // The row vanishes between the PUT's read and its write (as if a DELETE
    // ran in between): the update matches nothing.
    db.execute(&format!(
        "CREATE FUNCTION vanish() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER vanish BEFORE UPDATE ON runbooks FOR EACH ROW WHEN (OLD.id = {}) EXECUTE FUNCTION vanish();",
        ids[0]
    ));
    let r = server.send_json(
        "PUT",
        &format!("/runbooks/{}", ids[0]),
        &json!({"name": "renamed", "category": "c"}),
    );
    assert_eq!(r.status, 404, "{r:?}");
    error_body(&r, "vanished row");

    // The migration table can no longer be read: 503, no SQL in the answer.
    db.execute(
        "ALTER TABLE seaql_migrations RENAME TO seaql_migrations_gone; CREATE TABLE seaql_migrations (x integer)",
    );
    let h = server.get("/health");
    assert_eq!(h.status, 503, "{h:?}");
    let msg = error_body(&h, "health");
    assert_eq!(msg, "the database cannot be read", "{h:?}");
}

// ---------------------------------------------------------------------------
// The migration lock lives as long as the run

/// A server that ends sessions idle for 1 s (`idle_session_timeout`, as
/// managed services set it) must not end the lock's session, which sits
/// idle while a 3 s migration runs on another: the lock is still held
/// halfway through, and the run completes.
#[test]
fn the_migration_lock_outlives_a_short_idle_session_timeout() {
    use tests::fixtures::{SLOW, SlowMigrator};

    let db = TestDb::postgres();
    let name = db.url().rsplit('/').next().unwrap_or_default().to_owned();
    support::execute(
        &support::pg_admin_url(),
        &format!("ALTER DATABASE \"{name}\" SET idle_session_timeout = '1s'"),
    );
    let url = DatabaseUrl::parse(&db.url(), "test").expect("test URL");
    let run = std::thread::spawn(move || {
        support::block_on(async {
            let conn = runtime::connect(&url).await.expect("connect");
            let result =
                runtime::upgrade_to_head::<SlowMigrator>(&conn, &url, Duration::from_secs(10))
                    .await;
            let _ = conn.close().await;
            result
        })
    });
    std::thread::sleep(Duration::from_millis(2200));
    let held = support::query_strings(
        &support::pg_admin_url(),
        &format!(
            "SELECT count(*)::text FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = '{name}'"
        ),
    );
    let report = run
        .join()
        .expect("the upgrade thread")
        .unwrap_or_else(|e| panic!("the slow migration failed: {e}"));
    assert_eq!(held, ["1"], "the lock was lost while the migration ran");
    assert_eq!(report.applied.len(), 1);
    assert_eq!(db.applied(), Some(vec![SLOW.to_owned()]));
}

/// A migration whose own short `lock_timeout` gives up on a table locked for
/// a second is rolled back and tried again (bounded), and then applies.
#[test]
fn a_migration_with_its_own_lock_timeout_is_retried_until_the_table_is_free() {
    use crate::cli_common::HeldPg;
    use tests::fixtures::{SHORT_LOCK, ShortLockMigrator};

    let db = TestDb::postgres();
    db.execute("CREATE TABLE held (id integer)");
    let busy = HeldPg::new(&db.url(), "LOCK TABLE held IN ACCESS SHARE MODE", true);
    let url = DatabaseUrl::parse(&db.url(), "test").expect("test URL");
    let run = std::thread::spawn(move || {
        support::block_on(async {
            let conn = runtime::connect(&url).await.expect("connect");
            let result =
                runtime::upgrade_to_head::<ShortLockMigrator>(&conn, &url, Duration::from_secs(30))
                    .await;
            let _ = conn.close().await;
            result
        })
    });
    std::thread::sleep(Duration::from_millis(1200));
    busy.release();
    run.join()
        .expect("the upgrade thread")
        .unwrap_or_else(|e| panic!("not retried: {e}"));
    assert_eq!(db.applied(), Some(vec![SHORT_LOCK.to_owned()]));
    assert_eq!(
        db.query_strings("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'held' ORDER BY 1"),
        ["id", "x"]
    );
}
