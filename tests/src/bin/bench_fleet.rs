//! Fleet benchmark: one one-column migration across 200 tenant databases
//! (PostgreSQL) and across 200 schemas of one database, at `--parallel` 1,
//! 4 and 16, through the fleet runner and `fleet::upgrade_target` (what
//! `autogen upgrade --fleet` runs per target: connect, lock, apply, close).
//! Prints wall time, speed-up over parallel 1, time per tenant, the peak of
//! connections (pg_stat_activity, sampled every 10 ms) and the process's
//! peak RSS.
//!
//!     cargo run --release -p tests --bin bench_fleet            # 200 tenants
//!     BENCH_TENANTS=50 cargo run --release -p tests --bin bench_fleet
//!
//! PostgreSQL at 127.0.0.1:5432 (user postgres, trust), or TEST_POSTGRES_URL.
//! Everything it creates (databases `bench_fleet_<pid>_<n>`) is dropped at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use autogen_runtime::checksum::OnEdited;
use autogen_runtime::config::DatabaseUrl;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use sea_orm_migration::{MigrationName, MigrationTrait, MigratorTrait, SchemaManager};
use seaorm_autogen::fleet::{self, RunOptions, Target};

const LEVELS: [usize; 3] = [1, 4, 16];

/// `CREATE TABLE tenant_data`, then one `ADD COLUMN` per parallelism level:
/// each level's migrator has one more, so each run applies exactly one.
struct Base;
struct AddColumn(usize);

impl MigrationName for Base {
    fn name(&self) -> &str {
        "m20260101_000000_bench_base"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Base {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE TABLE tenant_data (id serial PRIMARY KEY, name varchar(100) NOT NULL)",
            )
            .await
            .map(|_| ())
    }
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP TABLE tenant_data")
            .await
            .map(|_| ())
    }
}

impl MigrationName for AddColumn {
    fn name(&self) -> &str {
        [
            "m20260101_000001_add_c1",
            "m20260101_000002_add_c4",
            "m20260101_000003_add_c16",
        ][self.0]
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddColumn {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let sql = format!(
            "ALTER TABLE tenant_data ADD COLUMN c{} varchar(100)",
            LEVELS[self.0]
        );
        m.get_connection()
            .execute_unprepared(&sql)
            .await
            .map(|_| ())
    }
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let sql = format!("ALTER TABLE tenant_data DROP COLUMN c{}", LEVELS[self.0]);
        m.get_connection()
            .execute_unprepared(&sql)
            .await
            .map(|_| ())
    }
}

macro_rules! migrator {
    ($name:ident, $n:expr) => {
        struct $name;
        impl MigratorTrait for $name {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                let mut all: Vec<Box<dyn MigrationTrait>> = vec![Box::new(Base)];
                for step in (0..LEVELS.len()).take($n) {
                    all.push(Box::new(AddColumn(step)));
                }
                all
            }
        }
        impl autogen_runtime::Squashed for $name {}
    };
}
migrator!(AtBase, 0);
migrator!(Level1, 1);
migrator!(Level4, 2);
migrator!(Level16, 3);

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn url_of(db: &str) -> String {
    let mut u = url::Url::parse(&admin_url()).expect("TEST_POSTGRES_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Upgrade every target to `M`'s head through the fleet runner.
async fn upgrade_all<M: MigratorTrait + autogen_runtime::Squashed>(
    targets: &[Target],
    parallel: usize,
) -> (Duration, usize) {
    let flag = AtomicBool::new(false);
    let started = Instant::now();
    let (slots, _) = fleet::run(
        targets.len(),
        RunOptions {
            parallel,
            canary: 0,
            continue_on_error: true,
        },
        &flag,
        |i| {
            let t = &targets[i];
            async move {
                let r =
                    fleet::upgrade_target::<M>(t, Duration::from_secs(60), OnEdited::Refuse).await;
                match r.error {
                    Some(e) => Err(e),
                    None => Ok(r.applied.len()),
                }
            }
        },
        |r: &Result<usize, String>| r.is_err(),
        |_| {},
    )
    .await;
    let elapsed = started.elapsed();
    let mut applied = 0;
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some((Ok(n), _)) => applied += n,
            Some((Err(e), _)) => panic!("target {} failed: {e}", targets[i].name),
            None => panic!("target {} not run", targets[i].name),
        }
    }
    (elapsed, applied)
}

/// Sample `count(*) FROM pg_stat_activity` (client backends of `like`) until stopped.
fn sample_connections(
    monitor: DatabaseConnection,
    like: String,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let sql = format!(
            "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname LIKE '{like}'"
        );
        while !stop.load(Ordering::SeqCst) {
            if let Ok(Some(row)) = monitor
                .query_one_raw(Statement::from_string(
                    monitor.get_database_backend(),
                    sql.clone(),
                ))
                .await
                && let Ok(n) = row.try_get::<i64>("", "n")
            {
                peak.fetch_max(n.clamp(0, i64::MAX) as u64, Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn bench(kind: &str, targets: &[Target], monitor: &DatabaseConnection, like: &str) {
    upgrade_all::<AtBase>(targets, 16).await;
    println!(
        "\n{kind}: {} tenants, one ADD COLUMN migration each",
        targets.len()
    );
    println!("| --parallel | wall time | speed-up | per tenant | peak connections | peak RSS |");
    println!("|---|---|---|---|---|---|");
    let mut first = None;
    for (i, parallel) in LEVELS.into_iter().enumerate() {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let sampler = sample_connections(
            monitor.clone(),
            like.to_owned(),
            Arc::clone(&stop),
            Arc::clone(&peak),
        );
        let (elapsed, applied) = match i {
            0 => upgrade_all::<Level1>(targets, parallel).await,
            1 => upgrade_all::<Level4>(targets, parallel).await,
            _ => upgrade_all::<Level16>(targets, parallel).await,
        };
        stop.store(true, Ordering::SeqCst);
        let _ = sampler.await;
        assert_eq!(applied, targets.len(), "one migration per tenant");
        let base = *first.get_or_insert(elapsed);
        println!(
            "| {parallel} | {:.2} s | {:.1}× | {:.1} ms | {} | {:.0} MB |",
            elapsed.as_secs_f64(),
            base.as_secs_f64() / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1000.0 / targets.len() as f64,
            peak.load(Ordering::SeqCst),
            peak_rss_mb()
        );
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_TENANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let admin =
        autogen_runtime::connect(&DatabaseUrl::parse(&admin_url(), "bench").expect("admin url"))
            .await
            .expect("connect to PostgreSQL");
    let prefix = format!("bench_fleet_{}", std::process::id());
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}_{i}")).collect();
    let schemas_db = format!("{prefix}_schemas");
    for name in names.iter().chain([&schemas_db]) {
        exec(&admin, &format!("CREATE DATABASE \"{name}\"")).await;
    }
    let result = async {
        let dbs: Vec<Target> = names
            .iter()
            .map(|name| Target::database(DatabaseUrl::parse(&url_of(name), "bench").expect("url")))
            .collect();
        bench(
            "Database per tenant",
            &dbs,
            &admin,
            &format!("{prefix}\\_%"),
        )
        .await;
        let base = DatabaseUrl::parse(&url_of(&schemas_db), "bench").expect("url");
        let schemas: Vec<Target> = (0..n)
            .map(|i| Target::schema(&base, &format!("tenant_{i}")).expect("schema target"))
            .collect();
        let owner = autogen_runtime::connect(&base).await.expect("connect");
        for s in &schemas {
            exec(&owner, &format!("CREATE SCHEMA \"{}\"", s.name)).await;
        }
        let _ = owner.close().await;
        bench(
            "Schema per tenant (one database)",
            &schemas,
            &admin,
            &schemas_db,
        )
        .await;
    };
    result.await;
    for name in names.iter().chain([&schemas_db]) {
        exec(
            &admin,
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
        .await;
    }
}
