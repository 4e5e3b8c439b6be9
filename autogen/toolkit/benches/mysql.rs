//! The autogenerate pipeline on synthetic MySQL/MariaDB schemas of N tables
//! (`seaorm_autogen::synthetic::synthetic_ddl_mysql`, the shape of the
//! PostgreSQL bench): introspection against a one-query floor, the entity
//! side (scratch database, then the content cache), and a whole no-op check
//! (connect, read, entities, diff).
//!
//!     cargo bench -p seaorm-autogen --bench mysql            # N = 1000
//!     BENCH_N=100,1000 BENCH_RUNS=5 cargo bench -p seaorm-autogen --bench mysql
//!
//! Needs MariaDB/MySQL at 127.0.0.1:3306 (root, no password), or
//! BENCH_MYSQL_URL (a server URL without a database). Prints median
//! (min–max) of BENCH_RUNS runs (default 5) after a warm-up.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use seaorm_autogen::diff::{DiffOptions, diff};
use seaorm_autogen::source::database::mysql;
use seaorm_autogen::source::entities;
use seaorm_autogen::synthetic::synthetic_ddl_mysql;

/// The physical floor: the facts the introspector reads, in one round trip
/// (one statement, one row: every catalog table aggregated as JSON;
/// MariaDB's CHECK_CONSTRAINTS names the table).
const FLOOR: &str = "SELECT \
 (SELECT JSON_ARRAYAGG(JSON_OBJECT('t', TABLE_NAME, 'k', TABLE_TYPE, 'c', TABLE_COMMENT)) \
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()) AS t, \
 (SELECT JSON_ARRAYAGG(JSON_OBJECT('t', TABLE_NAME, 'n', COLUMN_NAME, 'ty', COLUMN_TYPE, \
    'dt', DATA_TYPE, 'nl', IS_NULLABLE, 'd', COLUMN_DEFAULT, 'e', EXTRA, 'c', COLUMN_COMMENT)) \
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()) AS c, \
 (SELECT JSON_ARRAYAGG(JSON_OBJECT('t', TABLE_NAME, 'n', INDEX_NAME, 'u', NON_UNIQUE, \
    's', SEQ_IN_INDEX, 'c', COLUMN_NAME, 'p', SUB_PART, 'ty', INDEX_TYPE)) \
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()) AS i, \
 (SELECT JSON_ARRAYAGG(JSON_OBJECT('t', k.TABLE_NAME, 'n', k.CONSTRAINT_NAME, 'c', k.COLUMN_NAME, \
    'rt', k.REFERENCED_TABLE_NAME, 'rc', k.REFERENCED_COLUMN_NAME, 'u', r.UPDATE_RULE, 'd', r.DELETE_RULE)) \
    FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
      ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
     AND r.TABLE_NAME = k.TABLE_NAME \
    WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL) AS f, \
 (SELECT JSON_ARRAYAGG(JSON_OBJECT('t', TABLE_NAME, 'n', CONSTRAINT_NAME, 'c', CHECK_CLAUSE)) \
    FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()) AS k";

fn server_url() -> String {
    std::env::var("BENCH_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
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

/// Median (min–max) of `runs` timed calls after a warm-up.
async fn time<F, Fut, T>(runs: usize, mut f: F) -> (String, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut last = f().await;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = f().await;
        samples.push(start.elapsed());
    }
    (stats(&mut samples), last)
}

async fn connect(url: &str) -> DatabaseConnection {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1).sqlx_logging(false);
    Database::connect(opts).await.expect("connect")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let sizes: Vec<usize> = std::env::var("BENCH_N")
        .unwrap_or_else(|_| "1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let server = server_url();
    let admin = connect(&server).await;
    let cache = std::env::temp_dir().join(format!("autogen-bench-mysql-{}", std::process::id()));
    // SAFETY: single-threaded runtime, set before anything reads the environment.
    unsafe { std::env::set_var("AUTOGEN_CACHE_DIR", &cache) };
    println!("autogen pipeline on MySQL/MariaDB, median (min–max) of {runs} runs");
    for n in sizes {
        let name = format!("autogen_bench_{}_{n}", std::process::id());
        admin
            .execute_unprepared(&format!("CREATE DATABASE `{name}`"))
            .await
            .expect("create database");
        let url = format!("{}/{name}", server.trim_end_matches('/'));
        let db = connect(&url).await;
        db.execute_unprepared("SET SESSION group_concat_max_len = 1073741824")
            .await
            .expect("session");
        let ddl = synthetic_ddl_mysql(n, 0);
        let start = Instant::now();
        for stmt in &ddl {
            db.execute_unprepared(stmt).await.expect("synthetic DDL");
        }
        println!("\nN = {n} tables (created in {:.1?})", start.elapsed());

        let (t_introspect, live) = time(runs, || mysql::introspect(&db)).await;
        let live = live.expect("introspect");
        assert_eq!(live.tables.len(), n);
        println!("  introspection (6 catalog queries)          {t_introspect}");
        let (t_floor, _) = time(runs, || async {
            db.query_one_raw(Statement::from_string(DbBackend::MySql, FLOOR))
                .await
                .expect("floor")
        })
        .await;
        println!("  floor: one information_schema round trip   {t_floor}");

        let start = Instant::now();
        let target = entities::materialize_ddl(&db, &ddl)
            .await
            .expect("materialize");
        println!(
            "  entity side, cold (scratch database, 1 run) {:>8.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
        let (t_warm, warm) = time(runs, || async {
            entities::materialize_ddl(&db, &ddl)
                .await
                .expect("materialize")
        })
        .await;
        assert_eq!(warm, target, "the cached schema is the materialized one");
        println!("  entity side, warm (content cache)          {t_warm}");
        let opts = DiffOptions::default();
        let (t_diff, d) = time(runs, || async { diff(&live, &target, &opts) }).await;
        assert!(
            d.changes.is_empty(),
            "false positives: {:?}",
            &d.changes[..d.changes.len().min(3)]
        );
        println!("  diff (no changes)                          {t_diff}");
        let (t_noop, _) = time(runs, || async {
            let db = connect(&url).await;
            let live = mysql::introspect(&db).await.expect("introspect");
            let target = entities::materialize_ddl(&db, &ddl)
                .await
                .expect("materialize");
            assert!(diff(&live, &target, &opts).changes.is_empty());
            db.close().await.ok();
        })
        .await;
        println!("  whole no-op check, warm (connect+read+entities+diff) {t_noop}");
        db.close().await.ok();
        admin
            .execute_unprepared(&format!("DROP DATABASE `{name}`"))
            .await
            .expect("drop database");
    }
    let _ = std::fs::remove_dir_all(&cache);
}
