//! The change-kind harness: for a schema *before* and a schema *after*
//! (both as SQL, a few lines each), prove on a real database that autogen
//! detects the change, that the generated steps take the database to the
//! target (fixpoint: comparing again finds nothing), and that `down()`
//! restores the previous schema exactly (round trip up, down, up).
//!
//! The steps run through the library's apply path (`step::StepsMigration`
//! via `autogen_runtime::run_migration`), which is what the rendered file
//! does, statement for statement; every case also renders the file, and
//! [`prove_rendered_files_compile`] compiles the files of all cases.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use autogen_runtime::Direction;
use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::{DiffOptions, diff};
use seaorm_autogen::schema::Schema;
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::{Header, NoRenames, OnlineOptions, Plan, PlanOptions, compare_schemas};

use crate::support::{MyDatabase, PgDatabase, SqliteFile, connect};

/// The expectation of a case that accepts whatever is detected.
pub const ANY: &[&str] = &["<any>"];

/// One change kind to prove.
pub struct Case<'a> {
    pub name: &'a str,
    pub before: &'a str,
    pub after: &'a str,
    /// The ops autogen must detect, in order (`Change` serialized `op` names).
    pub expect: &'a [&'a str],
    pub opts: DiffOptions,
    /// Rows inserted before the change, checked to survive up and the round trip.
    pub rows: Option<(&'a str, &'a str)>,
    /// How the migration is planned (online mode).
    pub plan: PlanOptions,
}

impl<'a> Case<'a> {
    pub fn new(name: &'a str, before: &'a str, after: &'a str, expect: &'a [&'a str]) -> Self {
        Self {
            name,
            before,
            after,
            expect,
            opts: DiffOptions {
                drop_unknown: true,
                ..DiffOptions::default()
            },
            rows: None,
            plan: PlanOptions::default(),
        }
    }

    /// Plan in online mode (PostgreSQL).
    pub fn online(mut self) -> Self {
        self.plan.online = Some(OnlineOptions::default());
        self
    }

    pub fn rename_column(mut self, table: &str, old: &str, new: &str) -> Self {
        self.opts
            .column_renames
            .insert((table.to_owned(), old.to_owned()), new.to_owned());
        self
    }

    pub fn rename_table(mut self, old: &str, new: &str) -> Self {
        self.opts
            .table_renames
            .insert(old.to_owned(), new.to_owned());
        self
    }

    /// `insert` runs after `before`; `count` must return the same value after every step.
    pub fn with_rows(mut self, insert: &'a str, count: &'a str) -> Self {
        self.rows = Some((insert, count));
        self
    }
}

/// Hands a case to a callback (the case borrows SQL built at run time).
pub type WithCase = fn(&mut dyn FnMut(&Case<'_>));

/// A case as a test binary declares it (its `case!` macro submits one), so
/// that a check over all cases of the binary can enumerate them.
pub struct Registered {
    pub name: &'static str,
    /// The backend the case is proved on (PostgreSQL and SQLite cases share names).
    pub backend: Backend,
    pub build: WithCase,
}

inventory::collect!(Registered);

/// The files the cases of this process rendered so far, by backend and case
/// name: the compile check takes them instead of preparing those cases again.
static RENDERED: Mutex<BTreeMap<(&'static str, String), Vec<String>>> = Mutex::new(BTreeMap::new());

/// What the harness saw, for the assertion message.
#[derive(Debug)]
pub struct Outcome {
    pub detected: Vec<String>,
    pub rendered: String,
}

fn ops(schema_from: &Schema, schema_to: &Schema, opts: &DiffOptions) -> Vec<String> {
    diff(schema_from, schema_to, opts)
        .changes
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v["op"].as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect()
}

/// Connect for a case (or any test). SQLite gets a pool of one connection, as the runtime
/// applies migrations: `PRAGMA foreign_keys = OFF` must reach the connection
/// that then runs the migration's transaction, and an in-memory database
/// exists only on the connection that created it.
pub async fn connect_case(url: &str) -> DatabaseConnection {
    let db = if url.starts_with("sqlite:") {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        Database::connect(opts).await
    } else {
        connect(url).await
    };
    db.unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

/// The schema `sql` creates, read back from a scratch database (SQLite: in memory).
pub async fn schema_of(backend: Backend, sql: &str, scratch_url: &str) -> Schema {
    let db = match backend {
        Backend::Sqlite => connect_case("sqlite::memory:").await,
        _ => connect_case(scratch_url).await,
    };
    if !sql.trim().is_empty() {
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("target schema SQL failed: {e}\n{sql}"));
    }
    let s = introspect(&db).await.expect("introspect target");
    let _ = db.close().await;
    s
}

pub async fn count(db: &DatabaseConnection, sql: &str) -> String {
    use sea_orm_migration::sea_orm::Statement;
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count query")
        .expect("count row");
    row.try_get_by_index::<i64>(0)
        .map(|n| n.to_string())
        .or_else(|_| row.try_get_by_index::<String>(0))
        .expect("count value")
}

/// A case set up on its live database: the `before` schema and rows, the
/// detected changes checked, the migration built and rendered.
struct Prepared {
    db: DatabaseConnection,
    before: Schema,
    target: Schema,
    expected_rows: Option<String>,
    detected: Vec<String>,
    rendered: String,
    plan: Plan,
}

async fn prepare(case: &Case<'_>, backend: Backend, live_url: &str, scratch_url: &str) -> Prepared {
    let db = connect_case(live_url).await;
    if !case.before.trim().is_empty() {
        db.execute_unprepared(case.before)
            .await
            .unwrap_or_else(|e| panic!("[{}] before SQL failed: {e}", case.name));
    }
    let expected_rows = match case.rows {
        Some((insert, count_sql)) => {
            db.execute_unprepared(insert)
                .await
                .unwrap_or_else(|e| panic!("[{}] insert failed: {e}", case.name));
            Some(count(&db, count_sql).await)
        }
        None => None,
    };
    let before = introspect(&db).await.expect("introspect before");
    let target = schema_of(backend, case.after, scratch_url).await;

    let comparison = compare_schemas(
        backend,
        before.clone(),
        target.clone(),
        case.opts.clone(),
        &mut NoRenames,
    )
    .unwrap_or_else(|e| panic!("[{}] {e}", case.name));
    let detected: Vec<String> = comparison
        .diff
        .changes
        .iter()
        .map(|c| c.describe())
        .collect();
    let got = ops(&before, &target, &case.opts);
    // A randomized case has no expectation of its own (`any()`): what it
    // proves is the round trip, whatever is detected.
    if case.expect != ANY {
        assert_eq!(got, case.expect, "[{}] detected {detected:#?}", case.name);
    }

    let plan = comparison.plan_with(&case.plan);
    // A plan of several migrations (enum values first) renders each.
    let files: Vec<String> = plan
        .parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            part.render(&Header {
                revision: &format!("m20990101_00000{i}_case"),
                parents: &[],
                message: case.name,
                created: "2099-01-01 00:00:00 UTC",
                origin: "test",
            })
            .unwrap_or_else(|e| panic!("[{}] {e}", case.name))
        })
        .collect();
    RENDERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert((backend.name(), case.name.to_owned()), files.clone());
    let rendered = files.concat();
    Prepared {
        db,
        before,
        target,
        expected_rows,
        detected,
        rendered,
        plan,
    }
}

async fn run(case: &Case<'_>, backend: Backend, live_url: &str, scratch_url: &str) -> Outcome {
    let Prepared {
        db,
        before,
        target,
        expected_rows,
        detected,
        rendered,
        plan,
    } = prepare(case, backend, live_url, scratch_url).await;
    let check_rows = |when: &'static str| {
        let db = &db;
        let expected = expected_rows.clone();
        async move {
            if let (Some((_, count_sql)), Some(want)) = (case.rows, expected) {
                assert_eq!(
                    count(db, count_sql).await,
                    want,
                    "[{}] rows changed {when}",
                    case.name
                );
            }
        }
    };

    if case.plan.online.is_some() {
        // What online mode writes lints clean (a type change is flagged on
        // purpose: it rewrites the table whatever the mode).
        for part in &plan.parts {
            let recorded = seaorm_autogen::offline::record_one(
                sea_orm_migration::sea_orm::DbBackend::Postgres,
                &part.migration(case.name),
                Direction::Up,
            )
            .await
            .unwrap_or_else(|e| panic!("[{}] record: {e}", case.name));
            let findings: Vec<_> = seaorm_autogen::lint::lint_recorded(
                &seaorm_autogen::lint::Target::of(Backend::Postgres),
                &recorded,
                None,
            )
            .into_iter()
            .filter(|f| f.rule != "changing-column-type")
            .collect();
            assert!(
                findings.is_empty(),
                "[{}] online mode does not lint clean: {findings:#?}\n{rendered}",
                case.name
            );
        }
        assert!(
            rendered.contains("autogen_runtime::online::")
                && rendered.contains("fn use_transaction"),
            "[{}] online mode wrote no online step\n{rendered}",
            case.name
        );
    }
    plan.apply(&db, case.name, Direction::Up)
        .await
        .unwrap_or_else(|e| panic!("[{}] up failed: {e}\n{rendered}", case.name));
    let after_up = introspect(&db).await.expect("introspect after up");
    let left = ops(
        &after_up,
        &target,
        &DiffOptions {
            drop_unknown: true,
            ..DiffOptions::default()
        },
    );
    assert!(
        left.is_empty(),
        "[{}] no fixpoint after up: {left:?}\n{rendered}",
        case.name
    );
    check_rows("by up").await;
    // What the model cannot describe (CHECK constraints, expression and
    // partial indexes, views, triggers) is never a migration's business.
    assert_eq!(
        after_up.unmanaged, before.unmanaged,
        "[{}] unmanaged objects changed by up\n{rendered}",
        case.name
    );

    plan.apply(&db, case.name, Direction::Down)
        .await
        .unwrap_or_else(|e| panic!("[{}] down failed: {e}\n{rendered}", case.name));
    let after_down = introspect(&db).await.expect("introspect after down");
    let left = ops(
        &after_down,
        &before,
        &DiffOptions {
            drop_unknown: true,
            ..DiffOptions::default()
        },
    );
    assert!(
        left.is_empty(),
        "[{}] down does not restore the schema: {left:?}\n{rendered}",
        case.name
    );
    assert_eq!(
        after_down.enums, before.enums,
        "[{}] enums after down",
        case.name
    );
    check_rows("by the round trip").await;
    assert_eq!(
        after_down.unmanaged, before.unmanaged,
        "[{}] unmanaged objects changed by the round trip",
        case.name
    );

    plan.apply(&db, case.name, Direction::Up)
        .await
        .unwrap_or_else(|e| panic!("[{}] second up failed: {e}\n{rendered}", case.name));
    let again = introspect(&db).await.expect("introspect after second up");
    let left = ops(
        &again,
        &target,
        &DiffOptions {
            drop_unknown: true,
            ..DiffOptions::default()
        },
    );
    assert!(
        left.is_empty(),
        "[{}] up, down, up differs: {left:?}",
        case.name
    );
    let _ = db.close().await;
    Outcome { detected, rendered }
}

/// Prove `case` on a fresh PostgreSQL database.
pub fn prove_postgres(case: &Case<'_>) -> Outcome {
    let live = PgDatabase::create();
    let scratch = PgDatabase::create();
    crate::support::block_on(run(case, Backend::Postgres, live.url(), scratch.url()))
}

/// Prove `case` on a fresh MySQL/MariaDB database (the target schema is
/// read from a second one on the same server).
pub fn prove_mysql(case: &Case<'_>) -> Outcome {
    let live = MyDatabase::create();
    let scratch = MyDatabase::create();
    crate::support::block_on(run(case, Backend::MySql, live.url(), scratch.url()))
}

/// Prove `case` on a fresh SQLite file.
pub fn prove_sqlite(case: &Case<'_>) -> Outcome {
    let live = SqliteFile::create();
    crate::support::block_on(run(case, Backend::Sqlite, &live.url(), ""))
}

/// Prove that `case`'s migration fails on a fresh SQLite file (its rows
/// break a constraint of the target) and that the failure leaves the file
/// exactly as it was: same bytes, no journal left behind, and therefore the
/// same schema and rows. Returns the error.
pub fn prove_sqlite_aborts(case: &Case<'_>) -> String {
    let live = SqliteFile::create();
    let url = live.url();
    crate::support::block_on(async {
        let p = prepare(case, Backend::Sqlite, &url, "").await;
        // Committed data is all in the main file (rollback journal mode), so
        // its bytes are the state to preserve.
        let bytes = std::fs::read(live.path()).expect("read the database file");
        let error = match p.plan.apply(&p.db, case.name, Direction::Up).await {
            Ok(()) => panic!(
                "[{}] the migration should have failed\n{}",
                case.name, p.rendered
            ),
            Err(e) => e.reason,
        };
        let mut journal = live.path().as_os_str().to_owned();
        journal.push("-journal");
        assert!(
            !std::path::Path::new(&journal).exists(),
            "[{}] a journal was left behind",
            case.name
        );
        assert!(
            std::fs::read(live.path()).expect("read the database file") == bytes,
            "[{}] the failed migration changed the database file ({error})",
            case.name
        );
        let after = introspect(&p.db).await.expect("introspect after failure");
        assert_eq!(after, p.before, "[{}] schema after failure", case.name);
        if let (Some((_, count_sql)), Some(want)) = (case.rows, &p.expected_rows) {
            assert_eq!(
                &count(&p.db, count_sql).await,
                want,
                "[{}] rows after failure",
                case.name
            );
        }
        let _ = p.db.close().await;
        error
    })
}

/// The rendered file(s) of `case`: the ones its proof recorded, or a fresh
/// rendering (detect and render only, nothing applied).
fn rendered_files(case: &Case<'_>, backend: Backend) -> Vec<String> {
    let recorded = RENDERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&(backend.name(), case.name.to_owned()))
        .cloned();
    if let Some(text) = recorded {
        return text;
    }
    let render = |live_url: String, scratch_url: String| {
        crate::support::block_on(async {
            let p = prepare(case, backend, &live_url, &scratch_url).await;
            let _ = p.db.close().await;
            RENDERED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&(backend.name(), case.name.to_owned()))
                .cloned()
                .unwrap_or_default()
        })
    };
    match backend {
        Backend::Postgres => {
            let (live, scratch) = (PgDatabase::create(), PgDatabase::create());
            render(live.url().to_owned(), scratch.url().to_owned())
        }
        Backend::MySql => {
            let (live, scratch) = (MyDatabase::create(), MyDatabase::create());
            render(live.url().to_owned(), scratch.url().to_owned())
        }
        Backend::Sqlite => {
            let live = SqliteFile::create();
            render(live.url(), String::new())
        }
    }
}

/// The rendered files of every case registered for `backend`, by module
/// name (the case's name; a plan's further parts as `<case>_part<i>`).
fn all_rendered_files(backend: Backend) -> BTreeMap<String, String> {
    let mut cases: Vec<&Registered> = inventory::iter::<Registered>
        .into_iter()
        .filter(|r| r.backend == backend)
        .collect();
    cases.sort_by_key(|r| r.name);
    assert!(
        !cases.is_empty(),
        "no change case is registered in this test binary"
    );
    // Rendering waits on the database, not the CPU: a few at a time.
    let next = AtomicUsize::new(0);
    let files = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(r) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    (r.build)(&mut |case| {
                        let texts = rendered_files(case, backend);
                        let mut files = files.lock().unwrap_or_else(PoisonError::into_inner);
                        for (i, text) in texts.into_iter().enumerate() {
                            let module = match i {
                                0 => r.name.to_owned(),
                                _ => format!("{}_part{i}", r.name),
                            };
                            files.insert(module, text);
                        }
                    });
                }
            });
        }
    });
    files.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// Prove that the rendered file of every case registered for `backend`
/// compiles: all of them as modules of one scratch crate, one
/// `cargo check`. A file that does not compile fails naming its case.
pub fn prove_rendered_files_compile(backend: Backend) {
    let files = all_rendered_files(backend);
    let name = match backend {
        Backend::Postgres => "rendered_cases_postgres",
        Backend::Sqlite => "rendered_cases_sqlite",
        Backend::MySql => "rendered_cases_mysql",
    };
    if let Err(report) = crate::rendered::check_compiles(name, &files) {
        panic!("{report}");
    }
}

/// Prove that the rendered file of every case registered for `backend` is,
/// byte for byte, the committed snapshot in
/// `tests/snapshots/rendered/<backend>/<module>.rs` (`AUTOGEN_BLESS=1`
/// rewrites them). A refactor of diff, plan or render must keep them.
pub fn prove_rendered_files_match_snapshots(backend: Backend) {
    let files = all_rendered_files(backend);
    let dir = crate::support::workspace_root()
        .join("tests/snapshots/rendered")
        .join(backend.name());
    if std::env::var_os("AUTOGEN_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the snapshot directory");
        for (module, text) in &files {
            std::fs::write(dir.join(format!("{module}.rs")), text).expect("bless a snapshot");
        }
        return;
    }
    let mut differ = Vec::new();
    for (module, text) in &files {
        let committed =
            std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap_or_default();
        if &committed != text {
            differ.push(format!("--- {module}.rs now renders ---\n{text}"));
        }
    }
    let committed: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".rs").map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let stale: Vec<&String> = committed
        .iter()
        .filter(|m| !files.contains_key(*m))
        .collect();
    assert!(
        differ.is_empty() && stale.is_empty(),
        "{} rendered file(s) differ from tests/snapshots/rendered/{} and {} snapshot(s) have no case {stale:?} (AUTOGEN_BLESS=1 rewrites them):\n{}",
        differ.len(),
        backend.name(),
        stale.len(),
        differ.join("\n")
    );
}

/// A PostgreSQL database made by `before` (at `live_url`), and the plan that
/// takes it to the schema `after` describes (read back from `scratch_url`),
/// planned with `options`: for tests that change a plan or how it runs.
pub async fn pg_plan(
    live_url: &str,
    scratch_url: &str,
    before: &str,
    after: &str,
    options: &PlanOptions,
) -> (DatabaseConnection, Plan, Schema) {
    let db = connect_case(live_url).await;
    db.execute_unprepared(before).await.expect("before");
    let live = introspect(&db).await.expect("introspect");
    let target = schema_of(Backend::Postgres, after, scratch_url).await;
    let plan = compare_schemas(
        Backend::Postgres,
        live,
        target.clone(),
        DiffOptions::default(),
        &mut NoRenames,
    )
    .expect("compare")
    .plan_with(options);
    (db, plan, target)
}
