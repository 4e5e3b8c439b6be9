//! The boot-time lock on one SQLite file, through `autogen_runtime`: while
//! one process migrates (holding the migration lock and SQLite's write
//! lock, for longer than SQLite's busy timeout, as a big table rebuild
//! does), another booting process waits for it and then finds nothing to
//! do; "database is locked" never reaches it. The process-level race of
//! two `app` binaries is in `boot.rs`
//! (`two_replicas_on_one_sqlite_file_migrate_once`).

use std::time::{Duration, Instant};

use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{MigrationLock, connect, upgrade_to_head};
use sea_orm_migration::sea_orm::ConnectionTrait;
use tests::support::{HEAD, SqliteFile, block_on};

/// Longer than sqlx's default SQLite busy timeout (5 s).
const HOLD: Duration = Duration::from_secs(7);

#[test]
fn a_booting_process_waits_for_a_long_sqlite_migration_and_finds_nothing_to_do() {
    let file = SqliteFile::create();
    let url = DatabaseUrl::parse(&file.url(), "test").expect("test URL");
    block_on(async {
        // The first process has migrated, and now runs one more migration
        // under the lock whose transaction keeps SQLite's exclusive lock
        // for HOLD (what a big table rebuild that spills its cache does).
        let first = connect(&url).await.expect("connect first");
        let report = upgrade_to_head::<migration::Migrator>(&first, &url, Duration::from_secs(5))
            .await
            .expect("first migrates");
        assert_eq!(report.applied.len(), 1);
        let lock = MigrationLock::acquire(&url, Duration::from_secs(5))
            .await
            .expect("first takes the lock");
        first
            .execute_unprepared("BEGIN EXCLUSIVE")
            .await
            .expect("exclusive transaction");
        first
            .execute_unprepared("CREATE TABLE held (id integer)")
            .await
            .expect("write");
        let started = Instant::now();

        // The second process boots meanwhile.
        let second = async {
            let db = connect(&url).await.expect("connect second");
            let result =
                upgrade_to_head::<migration::Migrator>(&db, &url, Duration::from_secs(60)).await;
            let _ = db.close().await;
            result
        };
        let first_finishes = async {
            tokio::time::sleep(HOLD).await;
            first
                .execute_unprepared("ROLLBACK")
                .await
                .expect("rollback");
            lock.release().await;
        };
        let (result, ()) = tokio::join!(second, first_finishes);
        let report = result.unwrap_or_else(|e| panic!("the second process failed: {e}"));
        assert!(
            report.applied.is_empty(),
            "the second process applied {:?}",
            report.applied
        );
        assert_eq!(report.head.as_deref(), Some(HEAD));
        assert!(
            started.elapsed() >= HOLD,
            "the second process did not wait for the first"
        );
        let _ = first.close().await;
    });
}

/// `absolute` written as a path relative to this process's working
/// directory (which the runtime resolves it against, as SQLite does).
fn relative_to_cwd(absolute: &std::path::Path) -> String {
    let cwd = std::env::current_dir().expect("cwd");
    let ups = cwd.components().count().saturating_sub(1);
    let rest = absolute.strip_prefix("/").expect("absolute path");
    format!("{}{}", "../".repeat(ups), rest.display())
}

#[test]
fn every_form_of_a_sqlite_url_takes_the_same_lock() {
    let file = SqliteFile::create();
    let abs = file.path().display().to_string();
    let rel = relative_to_cwd(file.path());
    let forms = [
        format!("sqlite:{abs}"),
        format!("sqlite:{rel}"),
        format!("sqlite:{rel}?mode=rwc"),
        format!("sqlite://{rel}"),
        format!("sqlite://{abs}"),
        format!("sqlite://{abs}?mode=rwc&cache=shared"),
        format!("sqlite:{abs}?mode=rw"),
    ];
    let urls: Vec<DatabaseUrl> = forms
        .iter()
        .map(|f| DatabaseUrl::parse(f, "test").expect("test URL"))
        .collect();
    let expected = file
        .dir()
        .canonicalize()
        .expect("canonical dir")
        .join("remediation.db.migrate.lock");
    for (form, url) in forms.iter().zip(&urls) {
        let lock_file = MigrationLock::sqlite_lock_file(url).expect("lock file");
        assert_eq!(lock_file.as_deref(), Some(expected.as_path()), "{form}");
    }
    let memory = DatabaseUrl::parse("sqlite::memory:", "test").expect("memory URL");
    assert_eq!(
        MigrationLock::sqlite_lock_file(&memory).expect("no lock file"),
        None
    );

    // The lock itself: held through one form, every other form waits for it.
    block_on(async {
        for (i, holder) in urls.iter().enumerate() {
            let held = MigrationLock::acquire(holder, Duration::from_secs(5))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", forms[i]));
            for (j, other) in urls.iter().enumerate() {
                let result = MigrationLock::acquire(other, Duration::from_millis(100)).await;
                assert!(
                    matches!(result, Err(autogen_runtime::RuntimeError::LockTimeout(_))),
                    "{} held, {} got the lock anyway",
                    forms[i],
                    forms[j]
                );
            }
            held.release().await;
        }
    });
}
