//! PgBouncer in transaction pooling mode (`tests::cluster::PgBouncer`,
//! four server connections) in front of the test PostgreSQL, started by
//! each test; the app and `autogen` connect through it as they would in
//! production:
//!
//! - eight concurrent `app --migrate-only` boots on a fresh database all
//!   exit 0, each version is recorded once, no advisory lock is left on a
//!   pooled server connection, and the next boot exits 0 too (it also
//!   prints the no-op boot time through the pooler and direct);
//! - `autogen upgrade` through the pooler applies the history and the app
//!   serving through it answers its API (a runbook created and read back);
//! - a migration outside a transaction (`CREATE INDEX CONCURRENTLY`) is
//!   refused through the pooler in one line naming `DIRECT_DATABASE_URL`,
//!   and applies with a direct URL (library level, a test-only migrator);
//! - a write the app answered (201, 200, 204) through the pooler is seen
//!   by the very next request, 20 times over (each statement commits before
//!   its result returns: `autogen_runtime::ServingConnection`).

use std::time::{Duration, Instant};

use crate::cli_common::{Autogen, Run};
use serde_json::json;
use tests::cluster::PgBouncer;
use tests::support::{App, MIGRATED_OK, PgDatabase, query_strings, summarize, temp_dir};

const BOOTS: usize = 8;
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

fn pooler(db: &PgDatabase) -> PgBouncer {
    PgBouncer::start(db.name()).unwrap_or_else(|e| panic!("{e}"))
}

fn all_versions() -> Vec<String> {
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

/// Advisory locks held on the server in `db` (by any connection, pooled ones too).
fn advisory_locks(url: &str, db: &str) -> i64 {
    query_strings(
        url,
        &format!(
            "SELECT CAST(count(*) AS TEXT) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = '{db}'"
        ),
    )
    .first()
    .and_then(|v| v.parse().ok())
    .unwrap_or(-1)
}

/// `autogen` with a bound: killed (and the test failed) after `timeout`.
fn autogen_bounded(autogen: &Autogen, args: &[&str], timeout: Duration) -> Run {
    let mut child = autogen
        .command(args)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run autogen: {e}"));
    let deadline = Instant::now() + timeout;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let run = Autogen::wait(child);
            panic!("autogen {args:?} did not finish within {timeout:?}:\n{run}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Autogen::wait(child)
}

fn no_op_boot(url: &str) -> Duration {
    let dir = temp_dir();
    let exit = App::new(dir.path())
        .database(url)
        .migrate_only()
        .run(BOOT_TIMEOUT);
    exit.assert_success("a no-op boot");
    exit.elapsed
}

#[test]
fn eight_concurrent_boots_through_pgbouncer_apply_each_version_once_and_leave_no_lock() {
    let db = PgDatabase::create();
    let bouncer = pooler(&db);
    let dir = temp_dir();
    // Built (or found built) before the clock starts.
    tests::support::app_binary();

    let started = Instant::now();
    let boots: Vec<_> = (0..BOOTS)
        .map(|_| {
            App::new(dir.path())
                .database(&bouncer.url)
                .migrate_only()
                .spawn()
        })
        .collect();
    let exits: Vec<_> = boots.into_iter().map(|b| b.wait(BOOT_TIMEOUT)).collect();
    let took = started.elapsed();
    for (i, exit) in exits.iter().enumerate() {
        exit.assert_success(&format!(
            "boot {} of {BOOTS} through PgBouncer (transaction pooling)",
            i + 1
        ));
    }
    assert!(
        exits.iter().any(|e| e.log.contains(MIGRATED_OK)),
        "no boot says it migrated:\n{}",
        exits[0].log
    );
    assert_eq!(
        recorded(db.url()),
        all_versions(),
        "after {BOOTS} concurrent boots through PgBouncer each version is recorded once"
    );
    assert_eq!(
        advisory_locks(db.url(), db.name()),
        0,
        "an advisory lock is left on a pooled server connection (the next deploy would wait on it)"
    );

    // The next deploy through the same pooler: nothing deadlocks it.
    let again = no_op_boot(&bouncer.url);
    assert_eq!(recorded(db.url()), all_versions());

    // The no-op boot time, through the pooler and direct (medians of 3).
    let through: Vec<_> = (0..3).map(|_| no_op_boot(&bouncer.url)).collect();
    let direct: Vec<_> = (0..3).map(|_| no_op_boot(db.url())).collect();
    let (t, d) = (summarize(&through).0, summarize(&direct).0);
    eprintln!(
        "pgbouncer: {BOOTS} concurrent boots in {took:?}; next boot {again:?}; \
         no-op boot median through PgBouncer {t:?}, direct {d:?}"
    );
    assert!(
        !bouncer.log().contains("FATAL"),
        "PgBouncer logged a fatal error:\n{}",
        bouncer.log()
    );
}

#[test]
fn autogen_upgrade_through_pgbouncer_works_and_the_app_serves_through_it() {
    let db = PgDatabase::create();
    let bouncer = pooler(&db);

    let run = autogen_bounded(
        &Autogen::new(&bouncer.url),
        &["upgrade"],
        Duration::from_secs(60),
    );
    run.ok();
    assert_eq!(
        recorded(db.url()),
        all_versions(),
        "autogen upgrade through PgBouncer: {run}"
    );
    assert_eq!(advisory_locks(db.url(), db.name()), 0);

    let dir = temp_dir();
    let server = App::new(dir.path()).database(&bouncer.url).serve();
    let created = server.send_json(
        "POST",
        "/runbooks",
        &json!({"name": "through the pooler", "category": "ops"}),
    );
    assert_eq!(created.status, 201, "{created:?}\n{}", server.log());
    let id = created.json()["id"].as_i64().expect("id");
    // Read back at once: the write was committed before the 201.
    let read = server.get(&format!("/runbooks/{id}"));
    assert_eq!(read.status, 200, "{read:?}\n{}", server.log());
    assert_eq!(read.json()["name"], json!("through the pooler"), "{read:?}");
    let listed = server.get("/runbooks");
    assert_eq!(listed.status, 200, "{listed:?}");
    assert!(
        listed.body.contains("through the pooler"),
        "GET /runbooks misses the runbook: {listed:?}"
    );
    // What the app wrote is on the server.
    assert_eq!(
        query_strings(db.url(), "SELECT name FROM runbooks"),
        vec!["through the pooler".to_owned()]
    );
    server
        .stop(Duration::from_secs(20))
        .assert_success("stop the app");
}

/// A write the API acknowledged is visible to the next request. Behind a
/// transaction pooler the app serves through a pool on which every
/// statement is a transaction of its own, committed before the result
/// returns; the next request, on whatever server connection the pooler
/// gives it, sees the row (the pool checkout that committed as the
/// connection went back to the pool, after the 201, missed 6 of 20).
#[test]
fn a_runbook_created_through_pgbouncer_is_read_back_by_the_next_request() {
    let db = PgDatabase::create();
    let bouncer = pooler(&db);
    Autogen::new(db.url()).run(&["upgrade"]).ok();
    let dir = temp_dir();
    let server = App::new(dir.path()).database(&bouncer.url).serve();
    let tries = 20;
    let mut missed = Vec::new();
    for i in 0..tries {
        let created = server.send_json(
            "POST",
            "/runbooks",
            &json!({"name": format!("r{i}"), "category": "ops"}),
        );
        assert_eq!(created.status, 201, "{created:?}");
        let id = created.json()["id"].as_i64().expect("id");
        let path = format!("/runbooks/{id}");
        let read = server.get(&path);
        if read.status != 200 {
            missed.push(format!("{id}: created, GET {}", read.status));
            continue;
        }
        let renamed = format!("r{i} renamed");
        let put = server.send_json("PUT", &path, &json!({"name": renamed, "category": "ops"}));
        assert_eq!(put.status, 200, "{put:?}");
        let read = server.get(&path);
        if read.json()["name"] != json!(renamed) {
            missed.push(format!("{id}: renamed, GET {}", read.body));
        }
        if i % 2 == 0 {
            let deleted = server.delete(&path);
            assert_eq!(deleted.status, 204, "{deleted:?}");
            let read = server.get(&path);
            if read.status != 404 {
                missed.push(format!("{id}: deleted, GET {}", read.status));
            }
        }
    }
    server
        .stop(Duration::from_secs(20))
        .assert_success("stop the app");
    assert!(
        missed.is_empty(),
        "{} of {tries} writes answered through PgBouncer were not seen by the GET right after: {missed:?}",
        missed.len()
    );
    // And they are on the server: the 10 runbooks left, renamed.
    let left = query_strings(db.url(), "SELECT name FROM runbooks ORDER BY id");
    let expected: Vec<String> = (0..tries)
        .filter(|i| i % 2 == 1)
        .map(|i| format!("r{i} renamed"))
        .collect();
    assert_eq!(left, expected);
}

// ---------------------------------------------------------------------------
// A migration outside a transaction, behind the pooler (library level: the
// workspace's own history has none; `CREATE INDEX CONCURRENTLY` needs one).

mod session_only {
    use sea_orm_migration::prelude::*;

    pub const CREATE_T: &str = "m20990101_000001_create_t";
    pub const INDEX_T: &str = "m20990101_000002_index_t_concurrently";

    /// A table, then an index built concurrently (outside a transaction).
    pub struct Migrator;

    #[async_trait::async_trait]
    impl MigratorTrait for Migrator {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(CreateT), Box::new(IndexT)]
        }
    }

    impl autogen_runtime::Squashed for Migrator {}

    struct CreateT;

    impl MigrationName for CreateT {
        fn name(&self) -> &str {
            CREATE_T
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for CreateT {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .get_connection()
                .execute_unprepared("CREATE TABLE t (id integer PRIMARY KEY, v integer)")
                .await
                .map(|_| ())
        }
    }

    struct IndexT;

    impl MigrationName for IndexT {
        fn name(&self) -> &str {
            INDEX_T
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for IndexT {
        fn use_transaction(&self) -> Option<bool> {
            Some(false)
        }

        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .get_connection()
                .execute_unprepared("CREATE INDEX CONCURRENTLY t_v ON t (v)")
                .await
                .map(|_| ())
        }
    }
}

#[test]
fn a_non_transactional_migration_through_pgbouncer_is_refused_naming_direct_database_url_and_applies_with_it()
 {
    use autogen_runtime::config::DatabaseUrl;
    use autogen_runtime::{self as runtime, RuntimeError};
    use tests::support::block_on;

    let db = PgDatabase::create();
    let bouncer = pooler(&db);
    let pooled = DatabaseUrl::parse(&bouncer.url, "DATABASE_URL").expect("the pooler's URL");
    let upgrade = |url: DatabaseUrl| {
        block_on(async move {
            let conn = runtime::connect(&url).await?;
            let result = runtime::upgrade_to_head::<session_only::Migrator>(
                &conn,
                &url,
                Duration::from_secs(10),
            )
            .await;
            let _ = conn.close().await;
            result
        })
    };

    let err =
        upgrade(pooled.clone()).expect_err("a migration outside a transaction behind the pooler");
    let message = err.to_string();
    assert!(
        matches!(&err, RuntimeError::NeedsSession { name, .. } if name == session_only::INDEX_T),
        "expected NeedsSession for {}: {err:?}",
        session_only::INDEX_T
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(
        message.contains("DIRECT_DATABASE_URL") && message.contains(session_only::INDEX_T),
        "the refusal names the migration and DIRECT_DATABASE_URL: {message}"
    );
    let tables = |url: &str| {
        query_strings(
            url,
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name = 't'",
        )
    };
    assert_eq!(
        tables(db.url()),
        Vec::<String>::new(),
        "refused before anything ran"
    );

    // The same pooled URL with the server's own address for migrations
    // (what DIRECT_DATABASE_URL / `[database] direct_url` give): it applies.
    let direct = pooled.with_settings(None, Some(db.url().to_owned()));
    upgrade(direct).unwrap_or_else(|e| panic!("with a direct URL the migration applies: {e}"));
    assert_eq!(
        recorded(db.url()),
        vec![
            session_only::CREATE_T.to_owned(),
            session_only::INDEX_T.to_owned()
        ]
    );
    assert_eq!(
        query_strings(
            db.url(),
            "SELECT CAST(i.indisvalid AS TEXT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = 't_v'"
        ),
        vec!["true".to_owned()],
        "the concurrent index is built and valid"
    );
    assert_eq!(advisory_locks(db.url(), db.name()), 0);
}
