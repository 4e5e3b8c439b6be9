//! The autogenerate pipeline on synthetic PostgreSQL schemas of N tables
//! (the schema of `shared/bench/gen_models.py`, see `seaorm_autogen::synthetic`),
//! timed stage by stage against the physical floor, then as whole `autogen`
//! processes, then applying generated migrations.
//!
//!     cargo bench -p seaorm-autogen --bench pipeline            # N = 100, 1000
//!     BENCH_N=100,1000,5000 cargo bench -p seaorm-autogen --bench pipeline
//!
//! Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), or
//! BENCH_POSTGRES_URL. Prints median (min–max) of BENCH_RUNS runs (default
//! 5) after a warm-up, and the peak memory of each measurement: in-process
//! stages reset the process's high-water mark (`/proc/self/clear_refs`)
//! before they start; whole processes report their own high-water mark
//! (`VmHWM`) as they end.
//!
//! Whole-process runs re-execute this binary as the `autogen` CLI
//! (`seaorm_autogen::cli::main`, the same code as the `autogen` binary) whose
//! target schema is the synthetic DDL (`Project::extra_ddl`) instead of
//! compiled entities: 1 000 SeaORM entities take 12 min and 16 GB to compile
//! on the development machine, so the entity crate cannot be the vehicle at
//! this scale. The registry part this skips (SeaORM writing the entities'
//! DDL) costs microseconds per entity.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use seaorm_autogen::cli::{self, Project};
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::{DiffOptions, diff};
use seaorm_autogen::runtime::{Direction, Squashed, run_migration};
use seaorm_autogen::schema::Schema;
use seaorm_autogen::source::database::postgres;
use seaorm_autogen::source::entities;
use seaorm_autogen::step::StepsMigration;
use seaorm_autogen::synthetic::{synthetic_ddl, synthetic_ddl_changed, synthetic_ddl_mysql};
use seaorm_autogen::{Header, NoRenames, compare_schemas};

/// Set (to N) in the re-executed child: run as the `autogen` CLI.
const CHILD_ENV: &str = "AUTOGEN_BENCH_CHILD_N";
/// Set (to a table number) in the child: that entity was just edited.
const EDIT_ENV: &str = "AUTOGEN_BENCH_CHILD_EDIT";
/// Where the child writes its own peak RSS (MB) when it ends. (`ru_maxrss`
/// from `wait4` would count the parent's pages the child had before exec.)
const PEAK_ENV: &str = "AUTOGEN_BENCH_CHILD_PEAK_FILE";

/// Tables the child's target schema holds besides entities: the synthetic schema.
fn child_ddl(backend: DbBackend) -> Vec<String> {
    let n = std::env::var(CHILD_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let edit = std::env::var(EDIT_ENV)
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    match backend {
        DbBackend::Postgres => {
            let mut ddl = synthetic_ddl(n, false);
            if let Some(edit) = edit {
                let table = format!("CREATE TABLE \"t{edit:05}\"");
                if let Some(stmt) = ddl.iter_mut().find(|s| s.starts_with(&table)) {
                    *stmt = stmt.replacen(
                        "\"description\" text",
                        "\"description\" text, \"new_field\" varchar(100)",
                        1,
                    );
                }
            }
            ddl
        }
        // The same schema as MySQL writes it (`benches/mysql.rs`), for
        // whole processes against MariaDB (`BENCH_SETUP` makes the database).
        DbBackend::MySql => {
            let mut ddl = synthetic_ddl_mysql(n, 0);
            if let Some(edit) = edit {
                let table = format!("CREATE TABLE `t{edit:05}`");
                if let Some(stmt) = ddl.iter_mut().find(|s| s.starts_with(&table)) {
                    *stmt = stmt.replacen(
                        "`description` text",
                        "`description` text, `new_field` varchar(100)",
                        1,
                    );
                }
            }
            ddl
        }
        DbBackend::Sqlite => {
            let mut ddl = synthetic_ddl_sqlite(n);
            if let Some(edit) = edit {
                let table = format!("CREATE TABLE \"t{edit:05}\"");
                if let Some(stmt) = ddl.iter_mut().find(|s| s.starts_with(&table)) {
                    *stmt = stmt.replacen(
                        "\"description\" text",
                        "\"description\" text, \"new_field\" varchar(100)",
                        1,
                    );
                }
            }
            ddl
        }
        _ => Vec::new(),
    }
}

/// The synthetic schema as SeaORM writes it for SQLite (text for the
/// enum, json and uuid columns; a foreign key on every table but the first).
fn synthetic_ddl_sqlite(n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let t = format!("t{i:05}");
        let mut cols = vec![
            "\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT".to_owned(),
            "\"name\" varchar(255) NOT NULL UNIQUE".into(),
            "\"description\" text".into(),
            "\"enabled\" boolean NOT NULL DEFAULT TRUE".into(),
            "\"counter\" integer NOT NULL DEFAULT 0".into(),
            "\"big\" bigint".into(),
            "\"created_at\" timestamp_with_timezone_text NOT NULL DEFAULT CURRENT_TIMESTAMP".into(),
            "\"payload\" json_text".into(),
            "\"ext_id\" uuid_text".into(),
        ];
        if i % 3 == 0 {
            cols.push("\"status\" enum_text NOT NULL DEFAULT 'pending'".into());
        }
        if i > 0 {
            cols.push("\"parent_id\" integer".into());
            cols.push(format!(
                "CONSTRAINT \"fk-{t}-parent_id\" FOREIGN KEY (\"parent_id\") REFERENCES \"t00000\" (\"id\") ON DELETE CASCADE"
            ));
        }
        out.push(format!("CREATE TABLE \"{t}\" ( {} )", cols.join(", ")));
        out.push(format!(
            "CREATE INDEX \"idx-{t}-created_at\" ON \"{t}\" (\"created_at\")"
        ));
    }
    out
}

/// The child's migration history: none (the synthetic database was made by DDL).
struct NoMigrations;

impl MigratorTrait for NoMigrations {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Vec::new()
    }
}

impl Squashed for NoMigrations {}

/// The child: exactly `autogen`'s `main`, wired to the synthetic schema.
fn child() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter("warn,sqlx=error")
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let project = Project {
        // No entity is registered under this prefix: the target is `extra_ddl` alone.
        registry_prefix: "autogen_bench_synthetic::*",
        extra_indexes: Vec::new,
        extra_ddl: child_ddl,
        migration_src: "migration/src",
        version: None,
        default_sqlite: None,
    };
    let code = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(cli::main::<NoMigrations>(project)),
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::from(2)
        }
    };
    if let Some(path) = std::env::var_os(PEAK_ENV) {
        let _ = std::fs::write(path, format!("{}", peak_rss_mb()));
    }
    code
}

/// One whole `autogen` process: wall time, peak RSS in MB, exit code.
fn run_autogen(
    n: usize,
    url: &str,
    cache: &Path,
    migration_dir: &Path,
    args: &[&str],
    edit: Option<usize>,
) -> (Duration, f64, i32) {
    let exe = std::env::current_exe().expect("own path");
    let start = Instant::now();
    let peak_file = std::env::temp_dir().join(format!("autogen-bench-peak-{}", std::process::id()));
    let _ = std::fs::remove_file(&peak_file);
    let mut command = Command::new(exe);
    command.env(PEAK_ENV, &peak_file);
    if let Some(table) = edit {
        command.env(EDIT_ENV, table.to_string());
    }
    let mut child = command
        .arg("--migration-dir")
        .arg(migration_dir)
        .args(args)
        .env(CHILD_ENV, n.to_string())
        .env("DATABASE_URL", url)
        .env("AUTOGEN_CACHE_DIR", cache)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn autogen");
    let status = child.wait().expect("wait for autogen");
    let elapsed = start.elapsed();
    let code = status.code().unwrap_or(-1);
    let peak = std::fs::read_to_string(&peak_file)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN);
    (elapsed, peak, code)
}

/// The physical floor: the same facts as the introspector reads, in one round trip.
const FLOOR: &str = r#"
SELECT json_agg(json_build_object(
  'table', c.relname,
  'columns', (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
        'not_null', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid), 'identity', a.attidentity) ORDER BY a.attnum)
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'constraints', (SELECT json_agg(json_build_object('name', con.conname, 'type', con.contype, 'keys', con.conkey,
        'ref', con.confrelid::regclass::text, 'refkeys', con.confkey, 'del', con.confdeltype, 'upd', con.confupdtype))
      FROM pg_constraint con WHERE con.conrelid = c.oid),
  'indexes', (SELECT json_agg(json_build_object('name', i.relname, 'unique', ix.indisunique, 'keys', ix.indkey::int2[]))
      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = c.oid)))::text AS facts
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'"#;

fn admin_url() -> String {
    std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn stats(samples: &mut [Duration]) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{:>8.1} ms ({:.1}–{:.1})",
        ms(samples[samples.len() / 2]),
        ms(samples[0]),
        ms(samples[samples.len() - 1])
    )
}

/// Median (min–max) of `runs` timed calls after a warm-up, and the peak
/// memory of the process during them.
async fn time<F, Fut, T>(runs: usize, mut f: F) -> (String, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    reset_peak_rss();
    let mut last = f().await; // warm-up
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = f().await;
        samples.push(start.elapsed());
    }
    let peak = peak_rss_mb();
    (format!("{}  peak {peak:.0} MB", stats(&mut samples)), last)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Reset the process's peak RSS to its current RSS (Linux 4.0+), so that the
/// next `peak_rss_mb` is the peak of what ran in between.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn median_of(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A migration directory with no migrations, for the whole-process runs.
fn empty_migration_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("autogen-bench-migrations-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("lib.rs"),
        "pub struct Migrator;\n// autogen:migrations:begin\n// autogen:migrations:end\n",
    )
    .expect("lib.rs");
    dir
}

/// The entity cache a whole-process run starts with.
#[derive(Clone, Copy, PartialEq)]
enum CacheState {
    /// Empty: the first run after a build with new entities elsewhere.
    Empty,
    /// Holding this very schema.
    Warm,
    /// Holding the schema before one entity (a different one each run) was edited.
    OneEntityEdited,
}

/// Whole `autogen` processes: `runs` of them (after a warm-up run that
/// fills the cache, unless it must start empty).
#[allow(clippy::too_many_arguments)]
fn time_processes(
    runs: usize,
    n: usize,
    url: &str,
    cache: &Path,
    dir: &Path,
    args: &[&str],
    state: CacheState,
) -> String {
    let mut samples = Vec::with_capacity(runs);
    let mut peaks = Vec::with_capacity(runs);
    if state != CacheState::Empty {
        let (_, _, code) = run_autogen(n, url, cache, dir, args, None);
        assert_eq!(code, 0, "autogen {args:?} exited {code}");
    }
    for run in 0..runs {
        if state == CacheState::Empty {
            let _ = std::fs::remove_dir_all(cache);
        }
        let edit = (state == CacheState::OneEntityEdited).then_some(1 + run % (n - 1).max(1));
        let (elapsed, peak, code) = run_autogen(n, url, cache, dir, args, edit);
        assert_eq!(
            code, 0,
            "autogen {args:?} exited {code} (1: false positives)"
        );
        samples.push(elapsed);
        peaks.push(peak);
    }
    format!("{}  peak {:.0} MB", stats(&mut samples), median_of(peaks))
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child();
    }
    if let Ok(url) = std::env::var("BENCH_SETUP") {
        return setup(&url);
    }
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => {
            rt.block_on(bench());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `BENCH_SETUP=<url of an empty database> BENCH_N=<n>`: create the
/// synthetic schema of n tables there (PostgreSQL, MySQL/MariaDB or SQLite) and
/// stop, for timing whole child processes (`AUTOGEN_BENCH_CHILD_N=n ... check`)
/// from outside, e.g. one build against another.
fn setup(url: &str) -> ExitCode {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let run = async {
        let db = Database::connect(url).await?;
        let backend = db.get_database_backend();
        let ddl = match backend {
            DbBackend::MySql => synthetic_ddl_mysql(n, 0),
            DbBackend::Sqlite => synthetic_ddl_sqlite(n),
            _ => synthetic_ddl(n, false),
        };
        if backend == DbBackend::Sqlite {
            db.execute_unprepared(&format!("BEGIN; {}; COMMIT", ddl.join(";\n")))
                .await?;
        } else if backend == DbBackend::MySql {
            for stmt in &ddl {
                db.execute_unprepared(stmt).await?;
            }
        } else {
            for chunk in ddl.chunks(500) {
                db.execute_unprepared(&chunk.join(";\n")).await?;
            }
        }
        db.close().await
    };
    match tokio::runtime::Runtime::new().map(|rt| rt.block_on(run)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("cannot create the synthetic schema: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Up then down of `migration`, `runs` times after a warm-up pair: the
/// timings of each direction and the peak memory of the whole. A failure
/// (PostgreSQL's lock table is finite) is reported as the result.
async fn time_up_down(
    runs: usize,
    db: &DatabaseConnection,
    migration: &StepsMigration,
) -> (String, String) {
    reset_peak_rss();
    let (mut ups, mut downs) = (Vec::new(), Vec::new());
    for run in 0..=runs {
        let start = Instant::now();
        if let Err(e) = run_migration(db, migration, Direction::Up).await {
            return (format!("fails: {e}"), "not run".into());
        }
        let up = start.elapsed();
        let start = Instant::now();
        if let Err(e) = run_migration(db, migration, Direction::Down).await {
            return (stats(&mut [up]), format!("fails: {e}"));
        }
        if run > 0 {
            ups.push(up);
            downs.push(start.elapsed());
        }
    }
    let peak = peak_rss_mb();
    (
        format!("{}  peak {peak:.0} MB", stats(&mut ups)),
        stats(&mut downs),
    )
}

/// The migration `autogen -m` would generate from `live` to `target`, as steps.
fn generated(
    name: &str,
    live: &Schema,
    target: &Schema,
    expected_changes: usize,
) -> StepsMigration {
    let comparison = compare_schemas(
        Backend::Postgres,
        live.clone(),
        target.clone(),
        DiffOptions::default(),
        &mut NoRenames,
    )
    .expect("compare");
    assert_eq!(
        comparison.diff.changes.len(),
        expected_changes,
        "changes detected"
    );
    let plan = comparison.plan();
    let part = plan.single().expect("one migration");
    part.migration(name)
}

async fn create_database(admin: &DatabaseConnection, name: &str) -> (String, DatabaseConnection) {
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .ok();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create db");
    // Through the toolkit's own URL handling (no TLS on loopback), as the CLI connects.
    let raw = format!(
        "{}/{name}",
        admin_url()
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or_default()
    );
    let url = seaorm_autogen::config::DatabaseUrl::parse(&raw, "bench")
        .expect("url")
        .expose()
        .to_owned();
    let db = Database::connect(&url).await.expect("connect");
    (url, db)
}

async fn bench() {
    let sizes: Vec<usize> = std::env::var("BENCH_N")
        .unwrap_or_else(|_| "100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let admin = Database::connect(admin_url())
        .await
        .expect("PostgreSQL at BENCH_POSTGRES_URL");
    let migration_dir = empty_migration_dir();
    println!("autogen pipeline on PostgreSQL, median (min–max) of {runs} runs, peak RSS");
    for n in sizes {
        let name = format!("autogen_bench_{}_{n}", std::process::id());
        let (url, db) = create_database(&admin, &name).await;
        let ddl = synthetic_ddl(n, false);
        for chunk in ddl.chunks(500) {
            db.execute_unprepared(&chunk.join(";\n"))
                .await
                .expect("create synthetic schema");
        }
        let changed = synthetic_ddl(n, true);
        println!("\nN = {n} tables");

        println!("  stages, in process:");
        let (t_introspect, live) = time(runs, || postgres::introspect(&db, None)).await;
        let live = live.expect("introspect");
        println!("  introspection (5 catalog queries)      {t_introspect}");
        let (t_floor, _) = time(runs, || async {
            db.query_one_raw(Statement::from_string(DbBackend::Postgres, FLOOR))
                .await
                .expect("floor")
        })
        .await;
        println!("  floor: one bulk pg_catalog query       {t_floor}");
        if n <= 100 {
            let (t_seaschema, discovered) = time(1.min(runs), || async {
                sea_schema::postgres::discovery::SchemaDiscovery::new_no_exec("public")
                    .discover_with(&db)
                    .await
                    .expect("sea-schema discovery")
            })
            .await;
            println!(
                "  sea-schema discovery ({} tables)      {t_seaschema}",
                discovered.tables.len()
            );
        }
        let cache =
            std::env::temp_dir().join(format!("autogen-bench-cache-{}", std::process::id()));
        let mut cold_runs = 0;
        let (t_entity, target) = time(runs, || {
            cold_runs += 1;
            let empty = cache.join(format!("cold-{cold_runs}"));
            // SAFETY: single-threaded runtime; nothing else reads the environment meanwhile.
            unsafe { std::env::set_var("AUTOGEN_CACHE_DIR", &empty) };
            let db = &db;
            let ddl = &ddl;
            async move {
                entities::materialize_ddl(db, ddl)
                    .await
                    .expect("materialize")
            }
        })
        .await;
        let _ = std::fs::remove_dir_all(&cache);
        println!("  entity side, cold (scratch schema, empty cache) {t_entity}");
        // SAFETY: single-threaded runtime, set before any other thread reads the environment.
        unsafe { std::env::set_var("AUTOGEN_CACHE_DIR", &cache) };
        let (t_warm, warm) = time(runs, || async {
            entities::materialize_ddl(&db, &ddl)
                .await
                .expect("materialize")
        })
        .await;
        assert_eq!(warm, target, "the cached schema is the materialized one");
        println!("  entity side, warm (content cache)      {t_warm}");
        let opts = DiffOptions::default();
        let (t_diff, d) = time(runs, || async { diff(&live, &target, &opts) }).await;
        assert!(
            d.changes.is_empty(),
            "false positives: {:?}",
            &d.changes[..d.changes.len().min(3)]
        );
        println!("  diff (no changes)                      {t_diff}");
        let (t_noop, _) = time(runs, || async {
            let db = Database::connect(&url).await.expect("connect");
            let live = postgres::introspect(&db, None).await.expect("introspect");
            let target = entities::materialize_ddl(&db, &ddl)
                .await
                .expect("materialize");
            let d = diff(&live, &target, &opts);
            assert!(d.changes.is_empty());
            db.close().await.ok();
        })
        .await;
        println!("  whole no-op, warm (connect+read+entities+diff) {t_noop}");
        let (t_one, rendered) = time(runs, || async {
            let db = Database::connect(&url).await.expect("connect");
            let live = postgres::introspect(&db, None).await.expect("introspect");
            let target = entities::materialize_ddl(&db, &changed)
                .await
                .expect("materialize");
            let comparison = compare_schemas(
                Backend::Postgres,
                live,
                target,
                opts.clone(),
                &mut NoRenames,
            )
            .expect("compare");
            assert_eq!(comparison.diff.changes.len(), 1);
            let plan = comparison.plan();
            let text = plan
                .single()
                .expect("one migration")
                .render(&Header {
                    revision: "m20990101_000000_bench",
                    parents: &[],
                    message: "bench",
                    created: "2099-01-01 00:00:00 UTC",
                    origin: "bench",
                })
                .expect("render the migration");
            db.close().await.ok();
            text
        })
        .await;
        println!(
            "  whole one-column change (+ plan, render; entity side warm after run 1) {t_one}  ({} bytes)",
            rendered.len()
        );

        println!("  whole `autogen` processes (tool time: spawn to exit):");
        let _ = std::fs::remove_dir_all(&cache);
        for (label, args, state) in [
            (
                "autogen check, cold entity cache      ",
                &["check"][..],
                CacheState::Empty,
            ),
            (
                "autogen check (no-op)                 ",
                &["check"],
                CacheState::Warm,
            ),
            (
                "autogen -m noop (no changes)          ",
                &["-m", "noop"],
                CacheState::Warm,
            ),
            (
                "autogen diff, one entity just edited  ",
                &["diff"],
                CacheState::OneEntityEdited,
            ),
        ] {
            let t = time_processes(runs, n, &url, &cache, &migration_dir, args, state);
            println!("  {label} {t}");
        }

        println!("  applying generated migrations (one transaction each):");
        let touched = n.min(100);
        let target_touched = entities::materialize_ddl(&db, &synthetic_ddl_changed(n, touched))
            .await
            .expect("materialize");
        let migration = generated("touch", &live, &target_touched, touched);
        let (up, down) = time_up_down(runs, &db, &migration).await;
        println!("  add a column to {touched} tables: up       {up}");
        println!("  ... and its down                        {down}");
        let empty_name = format!("{name}_empty");
        let (_, empty_db) = create_database(&admin, &empty_name).await;
        let empty = postgres::introspect(&empty_db, None)
            .await
            .expect("introspect");
        let base = generated("base", &empty, &target, n + 1);
        let (up, down) = time_up_down(runs, &empty_db, &base).await;
        println!("  base migration of {n} tables on an empty database: up {up}");
        println!("  ... and its down                        {down}");
        empty_db.close().await.ok();

        let _ = std::fs::remove_dir_all(&cache);
        db.close().await.ok();
        for name in [name, empty_name] {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .ok();
        }
    }
    let _ = std::fs::remove_dir_all(&migration_dir);
}
