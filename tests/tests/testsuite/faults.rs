//! Faults in the middle of a migration: the app, then the CLI, killed with
//! SIGKILL (PostgreSQL and SQLite), and the connection cut under a running
//! PostgreSQL migration (a small TCP proxy). Each time the migration rolls
//! back whole, the database stays at the previous revision with every row,
//! and the next run completes.
//!
//! The long migration is deterministic: a hand-written migration of a
//! workspace copy does its work (a column, a backfill, a big INSERT ...
//! SELECT), then, when `FAULTS_MARKER` is set, writes that marker file and
//! waits for `<marker>.release` inside its transaction. The test acts when
//! the marker exists: no timing guesses.

use crate::cli_common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cli_common::{Autogen, rows};
use tests::support::{App, HEAD, MIGRATED_OK, TestDb, temp_dir};

const ROWS: i64 = 300;

/// The workspace copy with the slow migration, its `autogen` and `app`
/// binaries, and the slow migration's name (built once per test process).
/// (Also the slow migration of `cluster_patroni`: one build for both.)
pub(crate) struct Slow {
    _ws: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) autogen: PathBuf,
    pub(crate) app: PathBuf,
    pub(crate) name: String,
}

pub(crate) fn slow() -> &'static Slow {
    static SLOW: OnceLock<Slow> = OnceLock::new();
    SLOW.get_or_init(|| {
        let ws = cli_common::copy_workspace();
        let root = ws.path().to_path_buf();
        Autogen::new("sqlite::memory:")
            .in_dir(&root)
            .run(&["revision", "--empty", "-m", "slow backfill"])
            .ok();
        let dir = root.join("migration/src");
        let file = std::fs::read_dir(&dir)
            .expect("ls")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|f| f.contains("slow_backfill"))
            .expect("the new migration");
        let path = dir.join(&file);
        let text = std::fs::read_to_string(&path).expect("read");
        let up = r#"use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let sql = |s: &str| Statement::from_string(backend, s.to_owned());
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .add_column(ColumnDef::new("backfilled").integer().null())
                    .to_owned(),
            )
            .await?;
        db.execute_raw(sql("UPDATE runbooks SET backfilled = id")).await?;
        db.execute_raw(sql(if backend == DbBackend::Sqlite {
            "CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT i FROM n"
        } else {
            "CREATE TABLE filler AS SELECT generate_series(1, 200000) AS i"
        }))
        .await?;
        // Half-way, for the fault tests: say so, then wait for the release.
        if let Ok(marker) = std::env::var("FAULTS_MARKER") {
            std::fs::write(&marker, "half-way").map_err(|e| DbErr::Custom(e.to_string()))?;
            let release = std::path::PathBuf::from(format!("{marker}.release"));
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            while !release.exists() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        db.execute_raw(sql("UPDATE runbooks SET backfilled = backfilled + 1")).await?;"#;
        let down = r#"manager
            .drop_table(Table::drop().table("filler").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .drop_column("backfilled")
                    .to_owned(),
            )
            .await?;"#;
        let written = text
            .replacen("let _ = manager;", up, 1)
            .replacen("let _ = manager;", down, 1);
        assert!(
            !written.contains("let _ = manager;"),
            "the template has a place for hand-written changes in up() and down()"
        );
        std::fs::write(&path, written).expect("write");
        let autogen = cli_common::build_copy(&root, "faults");
        let app = cli_common::build_copy_app(&root, "faults");
        Slow {
            _ws: ws,
            root,
            autogen,
            app,
            name: file.trim_end_matches(".rs").to_owned(),
        }
    })
}

fn autogen(db: &TestDb) -> Autogen {
    let s = slow();
    Autogen::new(&db.url()).in_dir(&s.root).binary(&s.autogen)
}

/// A database at the base revision with `ROWS` runbooks.
fn seeded(db: &TestDb) {
    autogen(db).run(&["upgrade", HEAD]).ok();
    db.execute(&format!(
        "INSERT INTO runbooks (name, category) SELECT 'r' || i, 'c' FROM ({}) AS s",
        match db.backend() {
            "postgres" => format!("SELECT generate_series(1, {ROWS}) AS i"),
            _ => format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) SELECT i FROM n"
            ),
        }
    ));
}

fn count(db: &TestDb, sql: &str) -> i64 {
    db.query_strings(&format!("SELECT CAST(({sql}) AS TEXT)"))
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

/// Still at the base revision, every row there, nothing of the slow
/// migration left.
fn at_base_with_every_row(db: &TestDb, after: &str) {
    assert_eq!(rows(db), vec![HEAD.to_owned()], "revision after {after}");
    assert_eq!(
        count(db, "SELECT count(*) FROM runbooks"),
        ROWS,
        "rows after {after}"
    );
    assert!(
        !db.has_table("filler"),
        "half a migration left after {after}"
    );
    let columns = db.query_strings(match db.backend() {
        "postgres" => "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'runbooks' AND table_schema = current_schema()",
        _ => "SELECT name FROM pragma_table_info('runbooks')",
    });
    assert!(
        !columns.iter().any(|c| c == "backfilled"),
        "half a migration left after {after}: {columns:?}"
    );
}

/// Applied whole: at the slow migration, every row backfilled.
fn applied_with_every_row(db: &TestDb, after: &str) {
    let s = slow();
    assert_eq!(
        rows(db),
        vec![HEAD.to_owned(), s.name.clone()],
        "after {after}"
    );
    assert_eq!(
        count(db, "SELECT count(*) FROM runbooks"),
        ROWS,
        "rows after {after}"
    );
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM runbooks WHERE backfilled = id + 1"
        ),
        ROWS,
        "backfill after {after}"
    );
}

fn wait_for(marker: &Path, what: &str, mut alive: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while !marker.exists() {
        assert!(
            alive(),
            "{what} exited before reaching the middle of the migration"
        );
        assert!(
            Instant::now() < deadline,
            "{what} never reached the middle of the migration"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn kill_mid_migration(db: TestDb) {
    let s = slow();
    let dir = temp_dir();
    seeded(&db);

    // The app, killed half-way, then booted again.
    let marker = dir.path().join("app-marker");
    let mut running = App::new(dir.path())
        .binary(&s.app)
        .database(&db.url())
        .env("FAULTS_MARKER", &marker)
        .migrate_only()
        .spawn();
    wait_for(&marker, "the app", || !running.has_exited());
    let killed = running.kill();
    assert!(!killed.success(), "{}", killed.log);
    at_base_with_every_row(&db, "SIGKILL of the app");
    let exit = App::new(dir.path())
        .binary(&s.app)
        .database(&db.url())
        .migrate_only()
        .run(Duration::from_secs(120));
    exit.assert_success("the boot after a SIGKILL");
    assert_eq!(exit.lines_with(MIGRATED_OK).len(), 1, "{}", exit.log);
    applied_with_every_row(&db, "the boot after a SIGKILL");

    // The CLI, killed half-way, then run again.
    autogen(&db).run(&["downgrade", "-1", "--yes"]).ok();
    at_base_with_every_row(&db, "downgrade");
    let marker = dir.path().join("cli-marker");
    let mut child = autogen(&db)
        .command(&["upgrade"])
        .env("FAULTS_MARKER", &marker)
        .spawn()
        .expect("spawn autogen");
    wait_for(&marker, "autogen upgrade", || {
        matches!(child.try_wait(), Ok(None))
    });
    child.kill().expect("SIGKILL autogen");
    let _ = child.wait();
    at_base_with_every_row(&db, "SIGKILL of autogen upgrade");
    autogen(&db).run(&["upgrade"]).ok();
    applied_with_every_row(&db, "autogen upgrade after a SIGKILL");
}

#[test]
fn sigkill_mid_migration_on_postgres_rolls_back_and_the_restart_completes() {
    kill_mid_migration(TestDb::postgres());
}

#[test]
fn sigkill_mid_migration_on_sqlite_rolls_back_and_the_restart_completes() {
    kill_mid_migration(TestDb::sqlite());
}

/// A TCP proxy on loopback to PostgreSQL whose connections can be cut.
/// Bounded: it serves at most `MAX_CONNECTIONS` connections, on threads
/// that end when either side closes.
struct Proxy {
    port: u16,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    cut: Arc<AtomicBool>,
}

impl Proxy {
    const MAX_CONNECTIONS: usize = 16;

    fn to(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy on loopback");
        let port = listener.local_addr().expect("proxy address").port();
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let cut = Arc::new(AtomicBool::new(false));
        let upstream = upstream.to_owned();
        let (registry, refuse) = (Arc::clone(&streams), Arc::clone(&cut));
        std::thread::spawn(move || {
            for client in listener.incoming().take(Self::MAX_CONNECTIONS) {
                let Ok(client) = client else { continue };
                if refuse.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let pairs = [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ];
                {
                    let mut all = registry.lock().unwrap_or_else(|p| p.into_inner());
                    all.extend([client, server]);
                }
                for (from, to) in pairs {
                    if let (Ok(from), Ok(to)) = (from, to) {
                        std::thread::spawn(move || pipe(from, to));
                    }
                }
            }
        });
        Self { port, streams, cut }
    }

    /// Cut every connection, in both directions, and refuse new ones.
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for s in self
            .streams
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

/// The connection to PostgreSQL is cut while the app's migration runs: the
/// migration rolls back (the server ends the session), the app exits
/// non-zero with one error line, and the next boot applies it.
#[test]
fn a_connection_cut_mid_migration_rolls_back_and_the_next_boot_succeeds() {
    let s = slow();
    let db = TestDb::postgres();
    seeded(&db);
    let url = db.url();
    let proxy = Proxy::to("127.0.0.1:5432");
    let proxied = url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(
        proxied, url,
        "the test database is expected at 127.0.0.1:5432"
    );

    let dir = temp_dir();
    let marker = dir.path().join("marker");
    let mut running = App::new(dir.path())
        .binary(&s.app)
        .database(&proxied)
        .env("FAULTS_MARKER", &marker)
        .env("DB_CONNECT_RETRY_SECS", "0")
        .migrate_only()
        .spawn();
    wait_for(&marker, "the app", || !running.has_exited());
    proxy.cut();
    std::fs::write(format!("{}.release", marker.display()), "go").expect("release");
    let exit = running.wait(Duration::from_secs(120));
    assert!(
        !exit.success(),
        "the app succeeded without its database:\n{}",
        exit.log
    );
    let errors = exit.lines_with("❌");
    assert_eq!(errors.len(), 1, "one error line:\n{}", exit.log);
    assert!(
        exit.lines_with("ERROR").len() == 1 && !errors[0].contains('\n'),
        "{}",
        exit.log
    );
    // The server ends the cut session, and its transaction with it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(
        &db,
        &format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            url.rsplit('/').next().unwrap_or_default()
        ),
    ) > 0
    {
        assert!(Instant::now() < deadline, "the cut sessions linger");
        std::thread::sleep(Duration::from_millis(20));
    }
    at_base_with_every_row(&db, "a connection cut");
    let exit = App::new(dir.path())
        .binary(&s.app)
        .database(&url)
        .migrate_only()
        .run(Duration::from_secs(120));
    exit.assert_success("the boot after a connection cut");
    applied_with_every_row(&db, "the boot after a connection cut");
}
