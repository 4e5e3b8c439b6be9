//! Fleets through the real binary: `upgrade --fleet FILE` brings PostgreSQL
//! databases and SQLite files at mixed revisions to head in one command; a
//! broken tenant fails alone (rolled back, named in the table and the JSON)
//! under `--continue-on-error` and stops the run without it; a canary's
//! failure stops the rest; schema-per-tenant targets come from a query;
//! `check --fleet` names a tenant changed by hand; each target takes its own
//! migration lock; Ctrl-C lets the running target finish and prints the
//! table; passwords never appear.

use crate::cli_common;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use cli_common::{Autogen, Run, hold_pg_migration_lock, hold_sqlite_migration_lock};
use serde_json::Value;
use tests::support::{self, HEAD, PgDatabase};

/// A password the trust-auth server ignores, to prove it is never printed.
const SECRET: &str = "fleet-s3cret";

/// `postgres://postgres:SECRET@host/db` for a test database.
fn with_password(db: &PgDatabase) -> String {
    let mut url = url::Url::parse(db.url()).expect("url");
    url.set_password(Some(SECRET)).expect("password");
    url.to_string()
}

/// SQLite tenant files `tenant-<name>.db` in one directory.
struct SqliteFleet {
    dir: tempfile::TempDir,
}

impl SqliteFleet {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("tenant-{name}.db"))
    }

    fn url(&self, name: &str) -> String {
        format!("sqlite://{}?mode=rwc", self.path(name).display())
    }

    /// A fleet file listing `urls`, with a comment and a blank line.
    fn write_list(&self, urls: &[String]) -> PathBuf {
        let file = self.dir.path().join("fleet.txt");
        let mut text = String::from("# tenants of the test\n\n");
        for u in urls {
            text.push_str(u);
            text.push('\n');
        }
        std::fs::write(&file, text).expect("write the fleet file");
        file
    }
}

/// The autogen binary with nothing of its own configured (every target
/// comes from the fleet).
fn autogen() -> Autogen {
    Autogen::new("sqlite::memory:")
}

fn fleet_run(args: &[&str], file: &Path) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    let file = file.to_str().expect("utf-8 path");
    all.extend(["--fleet", file]);
    autogen().run(&all)
}

fn applied(url: &str) -> Vec<String> {
    support::query_strings(url, "SELECT version FROM seaql_migrations ORDER BY version")
}

/// The tables of a tenant, bookkeeping left out.
fn user_tables(url: &str) -> Vec<String> {
    let bookkeeping = ["seaql_migrations", "autogen_checksums", "autogen_progress"];
    support::tables(url)
        .into_iter()
        .filter(|t| !bookkeeping.contains(&t.as_str()))
        .collect()
}

fn has_migration_table(url: &str) -> bool {
    support::tables(url).iter().any(|t| t == "seaql_migrations")
}

/// The JSON entry of the target called `name`.
fn entry<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["targets"]
        .as_array()
        .and_then(|t| t.iter().find(|e| e["name"] == name))
        .unwrap_or_else(|| panic!("no target {name} in {doc}"))
}

/// The table line of the target called `name`.
fn line<'a>(run: &'a Run, name: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no line for {name}:\n{run}"))
}

#[test]
fn mixed_revisions_go_to_head_and_a_broken_tenant_fails_alone_under_continue_on_error() {
    let (pg_empty, pg_head, pg_broken) = (
        PgDatabase::create(),
        PgDatabase::create(),
        PgDatabase::create(),
    );
    let sq = SqliteFleet::new();
    Autogen::new(pg_head.url()).run(&["upgrade"]).ok();
    Autogen::new(&sq.url("head")).run(&["upgrade"]).ok();
    // The broken tenant already has a table the base migration creates.
    support::execute(pg_broken.url(), "CREATE TABLE runbooks (x integer)");
    let file = sq.write_list(&[
        with_password(&pg_empty),
        with_password(&pg_head),
        with_password(&pg_broken),
        sq.url("empty"),
        sq.url("head"),
    ]);

    let run = fleet_run(&["upgrade", "--continue-on-error", "--json"], &file);
    assert_eq!(
        run.code, 2,
        "a failed tenant makes the exit non-zero:\n{run}"
    );
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{run}"
    );
    let doc = run.json();
    assert_eq!(doc["total"], 5, "{doc}");
    assert_eq!(
        (doc["ok"].as_u64(), doc["failed"].as_u64()),
        (Some(4), Some(1)),
        "{doc}"
    );
    let broken = entry(&doc, pg_broken.name());
    assert_eq!(broken["status"], "failed", "{broken}");
    assert_eq!(broken["at_head"], false);
    let error = broken["error"].as_str().expect("an error");
    assert!(
        error.contains("already exists") && error.contains("rolled back"),
        "{error}"
    );
    for name in [
        pg_empty.name(),
        pg_head.name(),
        "tenant-empty.db",
        "tenant-head.db",
    ] {
        let e = entry(&doc, name);
        assert_eq!(
            (&e["status"], &e["at_head"], &e["after"]),
            (&"ok".into(), &true.into(), &HEAD.into()),
            "{e}"
        );
        assert!(
            e["url"].as_str().is_some_and(|u| !u.contains(SECRET)),
            "{e}"
        );
    }
    assert_eq!(
        entry(&doc, pg_empty.name())["applied"],
        serde_json::json!([HEAD])
    );
    assert_eq!(
        entry(&doc, pg_head.name())["applied"],
        serde_json::json!([]),
        "at head already: nothing applied"
    );
    assert_eq!(entry(&doc, pg_empty.name())["before"], Value::Null);
    // Every other tenant at head, the broken one exactly as it was.
    for url in [pg_empty.url(), pg_head.url()] {
        assert_eq!(applied(url), [HEAD]);
    }
    for name in ["empty", "head"] {
        assert_eq!(applied(&sq.url(name)), [HEAD]);
    }
    assert_eq!(
        user_tables(pg_broken.url()),
        ["runbooks"],
        "the failed migration was rolled back"
    );
    assert!(applied(pg_broken.url()).is_empty());

    // The table names it on a line that says it failed; the summary too.
    let run = fleet_run(&["upgrade", "--continue-on-error"], &file);
    assert_eq!(run.code, 2, "{run}");
    assert!(line(&run, pg_broken.name()).contains("FAILED"), "{run}");
    assert!(line(&run, "tenant-empty.db").contains(HEAD), "{run}");
    let summary = run.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("5 target(s): 4 at head, 1 failed (")
            && summary.contains(pg_broken.name()),
        "{run}"
    );
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{run}"
    );

    // Repaired, the whole fleet is at head: exit 0; `current --fleet` agrees.
    support::execute(pg_broken.url(), "DROP TABLE runbooks");
    fleet_run(&["upgrade"], &file).ok();
    let current = fleet_run(&["current", "--json"], &file);
    current.ok();
    assert_eq!(current.json()["ok"], 5, "{current}");
}

#[test]
fn without_continue_on_error_the_first_failure_stops_new_targets_and_a_canary_stops_the_rest() {
    let sq = SqliteFleet::new();
    support::execute(&sq.url("a-broken"), "CREATE TABLE runbooks (x integer)");
    let names = ["a-broken", "b", "c", "d"];
    let file = sq.write_list(&names.map(|n| sq.url(n)));

    let run = fleet_run(&["upgrade", "--parallel", "1", "--json"], &file);
    assert_eq!(run.code, 2, "{run}");
    let doc = run.json();
    assert_eq!(
        entry(&doc, "tenant-a-broken.db")["status"],
        "failed",
        "{doc}"
    );
    assert_eq!(doc["stopped"], "failure", "{doc}");
    for n in ["b", "c", "d"] {
        assert_eq!(
            entry(&doc, &format!("tenant-{n}.db"))["status"],
            "not_run",
            "{doc}"
        );
        assert!(
            !sq.path(n).exists() || !has_migration_table(&sq.url(n)),
            "tenant {n} was touched"
        );
    }
    assert_eq!(
        user_tables(&sq.url("a-broken")),
        ["runbooks"],
        "rolled back"
    );

    // A canary that fails stops the rest even with --continue-on-error.
    let run = fleet_run(
        &[
            "upgrade",
            "--canary",
            "1",
            "--continue-on-error",
            "--parallel",
            "4",
        ],
        &file,
    );
    assert_eq!(run.code, 2, "{run}");
    assert!(line(&run, "tenant-a-broken.db").contains("FAILED"), "{run}");
    for n in ["b", "c", "d"] {
        assert!(
            line(&run, &format!("tenant-{n}.db")).contains("not run: a canary target failed"),
            "{run}"
        );
    }

    // --skip leaves the broken one out; --only picks by glob.
    let run = fleet_run(
        &[
            "upgrade",
            "--skip",
            "*broken*",
            "--only",
            "tenant-b*",
            "--only",
            "tenant-a*",
        ],
        &file,
    );
    run.ok();
    assert_eq!(
        run.stdout.lines().count(),
        3,
        "header, tenant-b, summary:\n{run}"
    );
    assert_eq!(applied(&sq.url("b")), [HEAD]);
    let run = fleet_run(&["upgrade", "--canary", "2", "--skip", "*broken*"], &file);
    run.ok();
    for n in ["b", "c", "d"] {
        assert_eq!(applied(&sq.url(n)), [HEAD]);
    }
}

#[test]
fn schema_per_tenant_targets_from_a_query_upgrade_check_and_name_drift() {
    let db = PgDatabase::create();
    support::execute(
        db.url(),
        "CREATE TABLE tenants (schema_name text); INSERT INTO tenants VALUES ('tenant_a'), ('tenant_b'), ('tenant_c')",
    );
    let ag = Autogen::new(&with_password(&db));
    let query = "SELECT schema_name FROM tenants ORDER BY 1";
    let run = ag.run(&["upgrade", "--fleet-query", query, "--parallel", "3"]);
    run.ok();
    for s in ["tenant_a", "tenant_b", "tenant_c"] {
        assert!(line(&run, s).contains(&format!("<base> → {HEAD}")), "{run}");
        let n = support::query_strings(
            db.url(),
            &format!(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{s}' AND table_name NOT IN ('seaql_migrations', 'autogen_checksums') ORDER BY 1"
            ),
        );
        assert_eq!(n, support::BASE_TABLES, "{s}");
        let rows = support::query_strings(
            db.url(),
            &format!("SELECT version FROM {s}.seaql_migrations"),
        );
        assert_eq!(rows, [HEAD], "{s} has its own bookkeeping");
    }
    assert_eq!(
        support::tables(db.url()),
        ["tenants"],
        "public is not a tenant"
    );
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{run}"
    );
    ag.run(&["check", "--fleet-query", query]).ok();

    // A tenant changed by hand: check names it and exits 1.
    support::execute(
        db.url(),
        "ALTER TABLE tenant_b.runbooks ADD COLUMN added_by_hand integer",
    );
    let run = ag.run(&["check", "--fleet-query", query]);
    assert_eq!(run.code, 1, "{run}");
    let l = line(&run, "tenant_b");
    assert!(l.contains("DRIFT") && l.contains("added_by_hand"), "{run}");
    assert!(line(&run, "tenant_a").contains("ok"), "{run}");
    assert!(run.stdout.contains("1 drifted (tenant_b)"), "{run}");
    let doc = ag.run(&["check", "--fleet-query", query, "--json"]).json();
    assert_eq!(entry(&doc, "tenant_b")["status"], "drift", "{doc}");
    assert_eq!(entry(&doc, "tenant_c")["status"], "ok", "{doc}");

    // Rolled back as a fleet, behind `--yes`.
    let run = ag.run(&["downgrade", "base", "--fleet-query", query]);
    assert!(run.one_line_error().contains("pass --yes"), "{run}");
    support::execute(
        db.url(),
        "ALTER TABLE tenant_b.runbooks DROP COLUMN added_by_hand",
    );
    ag.run(&["downgrade", "base", "--yes", "--fleet-query", query])
        .ok();
    let left = support::query_strings(
        db.url(),
        "SELECT count(*)::text FROM information_schema.tables WHERE table_schema LIKE 'tenant_%' AND table_name NOT IN ('seaql_migrations', 'autogen_checksums')",
    );
    assert_eq!(left, ["0"]);
    let run = ag.run(&["current", "--fleet-query", query]);
    assert_eq!(run.code, 1, "behind head: exit 1\n{run}");
    assert!(run.stdout.contains("3 behind head"), "{run}");
}

#[test]
fn a_tenant_whose_migration_lock_is_held_is_left_to_its_holder() {
    let (busy, free) = (PgDatabase::create(), PgDatabase::create());
    let sq = SqliteFleet::new();
    let file = sq.write_list(&[busy.url().to_owned(), free.url().to_owned()]);
    // As an app booting on that tenant holds it.
    let held = hold_pg_migration_lock(busy.url());
    let run = fleet_run(
        &["upgrade", "--continue-on-error", "--lock-timeout", "1"],
        &file,
    );
    assert_eq!(run.code, 2, "{run}");
    assert!(
        line(&run, busy.name()).contains("the migration lock is held by another process"),
        "{run}"
    );
    assert!(
        !has_migration_table(busy.url()),
        "nothing applied beside the holder"
    );
    assert_eq!(applied(free.url()), [HEAD]);
    held.release();
    fleet_run(&["upgrade"], &file).ok();
    assert_eq!(applied(busy.url()), [HEAD]);
}

/// A child process killed (and reaped) if the test fails before it ends.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn ctrl_c_lets_the_running_target_finish_starts_no_other_and_prints_the_table() {
    let sq = SqliteFleet::new();
    let file = sq.write_list(&["a", "b", "c"].map(|n| sq.url(n)));
    // The first target waits for its lock, so the run is surely under way.
    support::execute(&sq.url("a"), "SELECT 1");
    let held = hold_sqlite_migration_lock(&sq.path("a"));
    let cmd = autogen()
        .command(&[
            "upgrade",
            "--parallel",
            "1",
            "--lock-timeout",
            "30",
            "--fleet",
            file.to_str().expect("utf-8"),
        ])
        .spawn()
        .expect("spawn autogen");
    let mut guard = Guard(Some(cmd));
    std::thread::sleep(Duration::from_millis(1500));
    let pid = guard.0.as_ref().map(Child::id).expect("child").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    std::thread::sleep(Duration::from_millis(300));
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(30);
    while guard
        .0
        .as_mut()
        .and_then(|c| c.try_wait().ok().flatten())
        .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "autogen did not end after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = Autogen::wait(guard.0.take().expect("child"));
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("Interrupted"), "{run}");
    assert!(
        line(&run, "tenant-a.db").contains(HEAD),
        "the running target finished:\n{run}"
    );
    for n in ["b", "c"] {
        assert!(
            line(&run, &format!("tenant-{n}.db")).contains("not run: interrupted"),
            "{run}"
        );
        assert!(!sq.path(n).exists(), "tenant {n} was started");
    }
    assert_eq!(applied(&sq.url("a")), [HEAD]);
}

#[test]
fn fleet_mistakes_get_one_line_and_change_nothing() {
    let sq = SqliteFleet::new();
    let missing = sq.dir.path().join("no-such-fleet.txt");
    for (args, expected) in [
        (
            vec!["upgrade", "--parallel", "2"],
            "--parallel is an option of fleet runs",
        ),
        (
            vec!["check", "--only", "x*"],
            "--only is an option of fleet runs",
        ),
        (
            vec!["upgrade", "--fleet", missing.to_str().expect("utf-8")],
            "cannot read the fleet file",
        ),
        (
            vec!["upgrade", "--fleet"],
            "sets no `file`, `targets` or `query`",
        ),
    ] {
        let run = autogen().run(&args);
        assert!(run.one_line_error().contains(expected), "{args:?}: {run}");
    }
    let file = sq.write_list(&[sq.url("a"), format!("oracle://u:{SECRET}@h/x")]);
    for (args, expected) in [
        (
            vec!["upgrade"],
            "line 4: the target has the unsupported scheme `oracle`",
        ),
        (vec!["check"], "line 4"),
    ] {
        let run = fleet_run(&args, &file);
        let e = run.one_line_error();
        assert!(e.contains(expected), "{args:?}: {run}");
        assert!(!e.contains(SECRET), "{e}");
    }
    let file = sq.write_list(&[sq.url("a")]);
    for (args, expected) in [
        (vec!["upgrade", "--sql"], "for one database at a time"),
        (vec!["upgrade", "+1"], "upgrade --fleet goes to head"),
        (vec!["upgrade", "--parallel", "0"], "--parallel 0"),
        (
            vec!["upgrade", "--only", "zzz*"],
            "leave no target of the 1",
        ),
    ] {
        let run = fleet_run(&args, &file);
        assert!(run.one_line_error().contains(expected), "{args:?}: {run}");
    }
    assert!(!sq.path("a").exists(), "no target was touched");
}

/// Issue 23, item 6: a migration creating more tables in one transaction
/// than PostgreSQL's lock table holds is refused before anything runs, in
/// one line naming the setting and the value to raise it to. Sized from
/// the server's own setting (the check only records the statements, so
/// the refused migration costs nothing), with a small one as the control.
mod lock_capacity {
    use autogen_runtime::{Direction, apply_steps};
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
    use sea_orm_migration::{MigrationName, MigrationTrait, MigratorTrait, SchemaManager};
    use tests::support::{self, PgDatabase};

    static TABLES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    const NAME: &str = "m20260101_000000_many_tables";

    struct ManyTables;

    impl MigrationName for ManyTables {
        fn name(&self) -> &str {
            NAME
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for ManyTables {
        async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
            let n = TABLES.load(std::sync::atomic::Ordering::SeqCst);
            for i in 0..n {
                m.get_connection()
                    .execute_unprepared(&format!(
                        "CREATE TABLE many_{i} (id serial PRIMARY KEY, v text)"
                    ))
                    .await?;
            }
            Ok(())
        }
    }

    struct Many;

    impl MigratorTrait for Many {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(ManyTables)]
        }
    }

    #[test]
    fn a_migration_too_big_for_the_lock_table_is_refused_before_it_runs() {
        let db = PgDatabase::create();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let capacity: usize = support::query_strings(
            db.url(),
            "SELECT (current_setting('max_locks_per_transaction')::int * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int))::text",
        )[0]
        .parse()
        .expect("a number");
        rt.block_on(async {
            let conn = support::connect(db.url()).await.expect("connect");
            // 5 locks a table (table, key, sequence, TOAST table and index): a quarter of the capacity overflows it.
            TABLES.store(capacity / 4, std::sync::atomic::Ordering::SeqCst);
            let e = apply_steps::<Many>(&conn, &[NAME.to_owned()], Direction::Up)
                .await
                .expect_err("refused")
                .to_string();
            assert!(
                e.starts_with(&format!(
                    "migration {NAME} was not run: it creates or drops {} tables",
                    capacity / 4
                )),
                "{e}"
            );
            assert!(
                e.contains("raise max_locks_per_transaction to at least"),
                "{e}"
            );
            assert!(!e.contains('\n'), "one line: {e}");
            let created = support::query_strings(
                db.url(),
                "SELECT count(*)::text FROM pg_tables WHERE tablename LIKE 'many\\_%'",
            );
            assert_eq!(created, ["0"], "nothing ran");
            // A migration that fits runs as before.
            TABLES.store(20, std::sync::atomic::Ordering::SeqCst);
            apply_steps::<Many>(&conn, &[NAME.to_owned()], Direction::Up)
                .await
                .expect("20 tables fit");
            let created = support::query_strings(
                db.url(),
                "SELECT count(*)::text FROM pg_tables WHERE tablename LIKE 'many\\_%'",
            );
            assert_eq!(created, ["20"]);
            let _ = conn.close().await;
        });
    }
}

/// Schema tenants of one database each have their own migration lock (keyed
/// by the schema): two of them lock side by side, while one schema stays
/// exclusive, so a fleet run and an app boot on one tenant never both
/// apply and the other tenants go on.
#[test]
fn schemas_of_one_database_lock_apart_and_one_schema_stays_exclusive() {
    use autogen_runtime::config::DatabaseUrl;
    use autogen_runtime::{MigrationLock, RuntimeError};
    use seaorm_autogen::fleet::Target;

    let db = PgDatabase::create();
    support::execute(
        db.url(),
        "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; \
         CREATE TABLE tenants (schema_name text); INSERT INTO tenants VALUES ('tenant_a'), ('tenant_b')",
    );
    let base = DatabaseUrl::parse(db.url(), "test").expect("URL");
    let schema = |s: &str| Target::schema(&base, s).expect("schema target").url;
    support::block_on(async {
        let a = MigrationLock::acquire(&schema("tenant_a"), Duration::from_secs(5))
            .await
            .expect("tenant_a's lock");
        let started = Instant::now();
        let b = MigrationLock::acquire(&schema("tenant_b"), Duration::from_secs(5))
            .await
            .expect("tenant_b is not blocked by tenant_a");
        assert!(started.elapsed() < Duration::from_secs(2), "no wait");
        let again = MigrationLock::acquire(&schema("tenant_a"), Duration::from_secs(1)).await;
        assert!(
            matches!(again, Err(RuntimeError::LockTimeout(_))),
            "the same schema stays exclusive: {:?}",
            again.err()
        );
        // The default schema keeps the key earlier versions took.
        let public = MigrationLock::acquire(&base, Duration::from_secs(5))
            .await
            .expect("public is apart from the tenants");
        public.release().await;
        b.release().await;
        a.release().await;
        let again = MigrationLock::acquire(&schema("tenant_a"), Duration::from_secs(1))
            .await
            .expect("released: the unlock named the key that was locked");
        again.release().await;
    });

    // Through the CLI: an app booting on tenant_a holds its lock (the key
    // as the runtime computes it); the fleet brings tenant_b to head and
    // leaves tenant_a to its holder.
    let held = cli_common::HeldPg::new(
        db.url(),
        "SET search_path TO tenant_a; SELECT pg_advisory_lock(7022647215779048993::bigint # hashtextextended('tenant_a', 0))",
        false,
    );
    let ag = Autogen::new(db.url());
    let query = "SELECT schema_name FROM tenants ORDER BY 1";
    let run = ag.run(&[
        "upgrade",
        "--fleet-query",
        query,
        "--parallel",
        "2",
        "--continue-on-error",
        "--lock-timeout",
        "1",
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        line(&run, "tenant_a").contains("the migration lock is held by another process"),
        "{run}"
    );
    assert!(line(&run, "tenant_b").contains(HEAD), "{run}");
    let rows = |s: &str| {
        support::query_strings(
            db.url(),
            &format!(
                "SELECT count(*)::text FROM information_schema.tables WHERE table_schema = '{s}' AND table_name = 'seaql_migrations'"
            ),
        )
    };
    assert_eq!(rows("tenant_a"), ["0"], "nothing applied beside the holder");
    assert_eq!(rows("tenant_b"), ["1"]);
    held.release();
    ag.run(&["upgrade", "--fleet-query", query]).ok();
    assert_eq!(
        support::query_strings(db.url(), "SELECT version FROM tenant_a.seaql_migrations"),
        [HEAD]
    );
}

/// A fleet target is all or nothing where the backend has transactional
/// DDL: a target whose third pending migration fails is left at the
/// revision it started from (no table, no bookkeeping or checksum row of
/// the run). On MySQL the report says what was kept and why.
mod whole_target {
    use autogen_runtime::Squashed;
    use autogen_runtime::checksum::OnEdited;
    use autogen_runtime::config::DatabaseUrl;
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};
    use sea_orm_migration::{MigrationName, MigrationTrait, MigratorTrait, SchemaManager};
    use seaorm_autogen::fleet::{Report, State, Target, TargetReport, upgrade_target};
    use std::time::Duration;
    use tests::support::{self, MyDatabase, PgDatabase, SqliteFile};

    const NAMES: [&str; 3] = [
        "m20260101_000001_whole_one",
        "m20260101_000002_whole_two",
        "m20260101_000003_whole_broken",
    ];

    /// Migration `i`: creates `whole_<i>`; the third creates `whole_0` again, which fails.
    struct Step(usize);

    impl MigrationName for Step {
        fn name(&self) -> &str {
            NAMES[self.0]
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Step {
        async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
            let table = if self.0 == 2 { 0 } else { self.0 };
            m.get_connection()
                .execute_unprepared(&format!("CREATE TABLE whole_{table} (id integer)"))
                .await
                .map(|_| ())
        }
        async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE whole_{}", self.0))
                .await
                .map(|_| ())
        }
    }

    /// All three (the last fails).
    struct Broken;
    impl MigratorTrait for Broken {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            (0..3).map(|i| Box::new(Step(i)) as _).collect()
        }
    }
    impl Squashed for Broken {}

    /// The first two.
    struct Good;
    impl MigratorTrait for Good {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            (0..2).map(|i| Box::new(Step(i)) as _).collect()
        }
    }
    impl Squashed for Good {}

    fn upgrade<M: MigratorTrait + Squashed>(url: &str) -> TargetReport {
        let target = Target::database(DatabaseUrl::parse(url, "test").expect("URL"));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(upgrade_target::<M>(
            &target,
            Duration::from_secs(5),
            OnEdited::Refuse,
        ))
    }

    /// The rows of a bookkeeping table (both have `version`).
    fn count(url: &str, table: &str) -> usize {
        support::query_strings(url, &format!("SELECT version FROM {table}")).len()
    }

    /// The broken run leaves `url` untouched; then the good one applies both, in one transaction.
    fn all_or_nothing(url: &str) {
        let r = upgrade::<Broken>(url);
        assert_eq!(r.status, State::Failed, "{r:?}");
        assert_eq!((&r.before, &r.after), (&None, &None), "{r:?}");
        assert_eq!(r.atomic, Some(true), "{r:?}");
        let error = r.error.clone().unwrap_or_default();
        assert!(
            error.starts_with(&format!(
                "migration {} failed and was rolled back, the database stays at base:",
                NAMES[2]
            )) && error.contains("the 2 migration(s) before it in this run")
                && !error.contains("kept"),
            "{error}"
        );
        let tables: Vec<String> = support::tables(url)
            .into_iter()
            .filter(|t| t.starts_with("whole_"))
            .collect();
        assert!(tables.is_empty(), "nothing of the run is left: {tables:?}");
        assert_eq!(count(url, "seaql_migrations"), 0);
        assert_eq!(count(url, "autogen_checksums"), 0);
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["atomic"], true, "{json}");
        let table = Report::new("upgrade", vec![r], None, Duration::ZERO).table();
        assert!(
            table.contains("rolled back") && !table.contains("kept"),
            "{table}"
        );

        let r = upgrade::<Good>(url);
        assert_eq!(r.status, State::Ok, "{r:?}");
        assert_eq!((r.atomic, r.applied.len()), (Some(true), 2), "{r:?}");
        assert!(r.details.is_empty(), "{r:?}");
        assert_eq!(count(url, "seaql_migrations"), 2);
        assert_eq!(count(url, "autogen_checksums"), 2);
    }

    #[test]
    fn on_postgres_a_target_whose_third_migration_fails_stays_where_it_started() {
        let db = PgDatabase::create();
        all_or_nothing(db.url());
    }

    #[test]
    fn on_sqlite_a_target_whose_third_migration_fails_stays_where_it_started() {
        let file = SqliteFile::create();
        all_or_nothing(&file.url());
    }

    #[test]
    fn on_mysql_the_report_says_which_migrations_were_kept_and_why() {
        let db = MyDatabase::create();
        let r = upgrade::<Broken>(db.url());
        assert_eq!(r.status, State::Failed, "{r:?}");
        assert_eq!(r.atomic, Some(false), "{r:?}");
        assert_eq!(r.after.as_deref(), Some(NAMES[1]), "{r:?}");
        let error = r.error.clone().unwrap_or_default();
        assert!(
            error.contains(NAMES[2])
                && error.ends_with(
                    "; kept 2 applied migration(s) of this run: the backend has no transactional DDL"
                ),
            "{error}"
        );
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["atomic"], false, "{json}");
        assert!(
            json["error"].as_str().is_some_and(|e| e.contains("kept 2")),
            "{json}"
        );
        assert_eq!(count(db.url(), "seaql_migrations"), 2);
    }
}
