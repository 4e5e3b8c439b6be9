//! DDL is not transactional on MySQL/MariaDB: a migration that fails midway
//! leaves its earlier statements applied. The runtime records them, the
//! error names them, and the next upgrade resumes after them.

use autogen_runtime::{Direction, RuntimeError, apply_steps};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use tests::support::{MyDatabase, connect, query_strings};

/// Four statements; the third alters a table that does not exist (yet).
struct FailsAtThird;

impl MigrationName for FailsAtThird {
    fn name(&self) -> &str {
        NAME
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FailsAtThird {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE TABLE p_one (id int PRIMARY KEY)")
            .await?;
        db.execute_unprepared("CREATE TABLE p_two (id int PRIMARY KEY)")
            .await?;
        db.execute_unprepared("ALTER TABLE p_missing ADD COLUMN x int")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("p_four")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["p_four", "p_two", "p_one"] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(FailsAtThird)]
    }
}

const NAME: &str = "m20990101_000001_fails_at_third";

fn tables(url: &str) -> Vec<String> {
    query_strings(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_failing_at_its_third_statement_resumes_after_the_two_that_ran() {
    let my = MyDatabase::create();
    let db = connect(my.url()).await.expect("connect");
    let steps = [NAME.to_owned()];

    let err = apply_steps::<Migrator>(&db, &steps, Direction::Up)
        .await
        .expect_err("the third statement fails");
    let message = err.to_string();
    match &err {
        RuntimeError::PartlyApplied { ran, .. } => assert_eq!(ran.len(), 2, "{message}"),
        other => panic!("expected PartlyApplied, got {other:?}"),
    }
    assert!(
        message.contains("after 2 of its statements had run")
            && message.contains("CREATE TABLE p_one")
            && message.contains("CREATE TABLE p_two")
            && message.contains("p_missing")
            && message.contains("autogen upgrade"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
    let url = my.url().to_owned();
    let (t, rows, progress) = tokio::task::spawn_blocking(move || {
        (
            tables(&url),
            query_strings(&url, "SELECT version FROM seaql_migrations"),
            query_strings(
                &url,
                "SELECT CONCAT(version, ':', direction, ':', statements) FROM autogen_progress",
            ),
        )
    })
    .await
    .expect("join");
    assert_eq!(
        t,
        [
            "autogen_checksums",
            "autogen_progress",
            "p_one",
            "p_two",
            "seaql_migrations"
        ],
        "the two statements that ran stay applied"
    );
    assert!(rows.is_empty(), "not recorded as applied: {rows:?}");
    assert_eq!(progress, [format!("{NAME}:up:2")]);

    // Nothing is rolled back under a half-applied migration.
    let refused = apply_steps::<Migrator>(&db, &steps, Direction::Down)
        .await
        .expect_err("downgrade is refused while a migration is half-applied");
    assert!(
        matches!(&refused, RuntimeError::Unfinished { ran: 2, .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("autogen upgrade"), "{refused}");

    // Fix the cause; the next upgrade skips the two statements (which
    // would fail if run again: the tables exist) and finishes.
    db.execute_unprepared("CREATE TABLE p_missing (id int PRIMARY KEY)")
        .await
        .expect("fix");
    let applied = apply_steps::<Migrator>(&db, &steps, Direction::Up)
        .await
        .expect("the second attempt resumes and completes");
    assert_eq!(applied.len(), 1);
    let url = my.url().to_owned();
    let (t, rows, progress, x) = tokio::task::spawn_blocking(move || {
        (
            tables(&url),
            query_strings(&url, "SELECT version FROM seaql_migrations"),
            query_strings(&url, "SELECT version FROM autogen_progress"),
            query_strings(
                &url,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'p_missing' AND column_name = 'x'",
            ),
        )
    })
    .await
    .expect("join");
    assert_eq!(
        t,
        [
            "autogen_checksums",
            "autogen_progress",
            "p_four",
            "p_missing",
            "p_one",
            "p_two",
            "seaql_migrations"
        ]
    );
    assert_eq!(rows, [NAME]);
    assert!(progress.is_empty(), "progress cleared: {progress:?}");
    assert_eq!(x, ["x"]);

    // And it rolls back like any other.
    apply_steps::<Migrator>(&db, &steps, Direction::Down)
        .await
        .expect("down");
    db.close().await.expect("close");
}

/// The migration lock is `GET_LOCK`, one per database: a second migrator of
/// the same database waits and times out, one of another database does not.
#[tokio::test]
async fn the_mysql_migration_lock_is_per_database_and_times_out() {
    use autogen_runtime::MigrationLock;
    use autogen_runtime::config::DatabaseUrl;
    use std::time::Duration;
    let (a, b) = (MyDatabase::create(), MyDatabase::create());
    let url = |db: &MyDatabase| DatabaseUrl::parse(db.url(), "test").expect("URL");
    let held = MigrationLock::acquire(&url(&a), Duration::from_secs(5))
        .await
        .expect("first lock");
    let started = std::time::Instant::now();
    let second = MigrationLock::acquire(&url(&a), Duration::from_secs(1)).await;
    assert!(
        matches!(second, Err(RuntimeError::LockTimeout(_))),
        "{:?}",
        second.err()
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    let other = MigrationLock::acquire(&url(&b), Duration::from_secs(1))
        .await
        .expect("another database is not blocked");
    other.release().await;
    held.release().await;
    let again = MigrationLock::acquire(&url(&a), Duration::from_secs(1))
        .await
        .expect("released");
    again.release().await;
}
