//! Benchmark: through PgBouncer (`pool_mode = transaction`,
//! `tests::cluster::PgBouncer`) against the same PostgreSQL directly.
//!
//! ```sh
//! cargo run --release -p tests --bin bench_pgbouncer          # BENCH_RUNS=10
//! ```
//!
//! Each measure runs direct and through the pooler, on a fresh database of
//! the test server (`TEST_POSTGRES_URL`) with a PgBouncer of its own:
//!
//! - (a) `app --migrate-only` on an empty database (the base migration),
//!   process wall time, one fresh database per run;
//! - (b) `app --migrate-only` on a database at head (a no-op boot);
//! - (c) API latency of the served app: `POST /runbooks`, then
//!   `GET /runbooks/{id}` of it, 200 of each per run, loopback HTTP;
//! - (d) one statement (`SELECT $1`) on an open connection, 500 per run:
//!   direct (sea-orm's pool, statement cache on), through PgBouncer on the
//!   serving path (`ServingConnection`: a transaction per statement), and
//!   through PgBouncer on the runtime's pool (every checkout a transaction,
//!   committed as it goes back: what migrations use);
//! - the round trips of (d) as PgBouncer counts them (`SHOW STATS`:
//!   `total_query_count` per statement, each answered by a ReadyForQuery).
//!
//! It prints the median and min–max over the runs of each (for (c) and
//! (d), of each run's median).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use autogen_runtime::config::DatabaseUrl;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::json;
use tests::cluster::PgBouncer;
use tests::support::{self, App, PgDatabase, free_port, http, summarize, temp_dir};

const TIMEOUT: Duration = Duration::from_secs(60);
const REQUESTS: usize = 200;
const STATEMENTS: usize = 500;

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(10);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("PgBouncer (transaction pooling) vs direct, {runs} runs, {profile} build");
    println!("app: {}", support::app_binary().display());
    println!();
    println!("{:<66} {:>10}  {:>19}", "measure", "median", "min–max");

    // (a) the base migration on an empty database.
    for through in [Path::Direct, Path::Pooler] {
        let samples: Vec<Duration> = (0..runs)
            .map(|_| {
                let db = PgDatabase::create();
                let bouncer = pooler(&db);
                let dir = temp_dir();
                let exit = App::new(dir.path())
                    .database(through.url(&db, &bouncer))
                    .migrate_only()
                    .run(TIMEOUT);
                exit.assert_success("app --migrate-only on an empty database");
                exit.elapsed
            })
            .collect();
        row(
            &format!("(a) base migration, app --migrate-only, {through}"),
            &samples,
        );
    }

    // (b)–(d) on one database at head.
    let db = PgDatabase::create();
    let bouncer = pooler(&db);
    let dir = temp_dir();
    App::new(dir.path())
        .database(db.url())
        .migrate_only()
        .run(TIMEOUT)
        .assert_success("bringing the database to head");
    for through in [Path::Direct, Path::Pooler] {
        let samples: Vec<Duration> = (0..runs)
            .map(|_| {
                let exit = App::new(dir.path())
                    .database(through.url(&db, &bouncer))
                    .migrate_only()
                    .run(TIMEOUT);
                exit.assert_success("a no-op app --migrate-only");
                exit.elapsed
            })
            .collect();
        row(
            &format!("(b) no-op boot, app --migrate-only, {through}"),
            &samples,
        );
    }

    for through in [Path::Direct, Path::Pooler] {
        let (posts, gets) = api_latency(through.url(&db, &bouncer), &through.to_string(), runs);
        row(&format!("(c) POST /runbooks, {through}"), &posts);
        row(
            &format!("(c) GET /runbooks/{{id}} right after it, {through}"),
            &gets,
        );
    }

    let direct = DatabaseUrl::parse(db.url(), "bench").expect("database URL");
    let pooled = DatabaseUrl::parse(&bouncer.url, "bench").expect("database URL");
    support::block_on(async {
        let conn = autogen_runtime::connect(&direct).await.expect("connect");
        let serving = autogen_runtime::connect_serving(conn, &direct)
            .await
            .expect("serving");
        row(
            "(d) SELECT $1, direct (statement cache)",
            &statements(&serving, runs).await,
        );
        let _ = serving.close().await;

        let conn = autogen_runtime::connect(&pooled).await.expect("connect");
        let serving = autogen_runtime::connect_serving(conn, &pooled)
            .await
            .expect("serving");
        assert!(serving.is_pinned(), "PgBouncer was not recognised");
        let before = query_count(&bouncer, db.name()).await;
        let samples = statements(&serving, runs).await;
        let after = query_count(&bouncer, db.name()).await;
        row(
            "(d) SELECT $1, PgBouncer, serving path (transaction each)",
            &samples,
        );
        let _ = serving.close().await;

        // The runtime's pool through the pooler (what migrations run on).
        let runtime = autogen_runtime::connect(&pooled).await.expect("connect");
        let samples = statements(&runtime, runs).await;
        row(
            "(d) SELECT $1, PgBouncer, runtime pool (COMMIT after release)",
            &samples,
        );
        let _ = runtime.close().await;

        if let (Some(before), Some(after)) = (before, after) {
            let per = (after - before) as f64 / (runs * STATEMENTS) as f64;
            println!();
            println!(
                "PgBouncer's total_query_count per statement on the serving path: {per:.2} (BEGIN, Parse/Describe, Bind/Execute, COMMIT)"
            );
        } else {
            println!();
            println!("(PgBouncer's SHOW STATS was not readable: no round-trip count)");
        }
    });
}

#[derive(Clone, Copy)]
enum Path {
    Direct,
    Pooler,
}

impl Path {
    fn url<'a>(self, db: &'a PgDatabase, bouncer: &'a PgBouncer) -> &'a str {
        match self {
            Path::Direct => db.url(),
            Path::Pooler => &bouncer.url,
        }
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Path::Direct => "direct",
            Path::Pooler => "PgBouncer",
        })
    }
}

fn pooler(db: &PgDatabase) -> PgBouncer {
    PgBouncer::start(db.name()).unwrap_or_else(|e| panic!("{e}"))
}

/// Per run: the median latency of a POST and of the GET right after it.
fn api_latency(url: &str, tag: &str, runs: usize) -> (Vec<Duration>, Vec<Duration>) {
    let dir = temp_dir();
    let port = free_port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut running = App::new(dir.path())
        .database(url)
        .env("PORT", port.to_string())
        .env("ACCESS_LOG", "false")
        .spawn();
    let up = support::wait_for(TIMEOUT, Duration::from_millis(5), || {
        if running.has_exited() {
            return Some(false);
        }
        matches!(http::get(addr, "/health"), Ok(r) if r.status == 200).then_some(true)
    });
    if up != Some(true) {
        panic!("app never answered /health:\n{}", running.kill().log);
    }
    let mut posts = Vec::new();
    let mut gets = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let mut post = Vec::with_capacity(REQUESTS);
        let mut get = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            n += 1;
            let body = json!({"name": format!("bench {tag} {n} {}", std::process::id()), "category": "ops"});
            let started = Instant::now();
            let created = http::send_json(addr, "POST", "/runbooks", &body).expect("POST");
            post.push(started.elapsed());
            assert_eq!(created.status, 201, "{created:?}");
            let id = created.json()["id"].as_i64().expect("id");
            let started = Instant::now();
            let read = http::get(addr, &format!("/runbooks/{id}")).expect("GET");
            get.push(started.elapsed());
            assert_eq!(read.status, 200, "the GET after the POST: {read:?}");
        }
        posts.push(summarize(&post).0);
        gets.push(summarize(&get).0);
    }
    running.terminate();
    running.wait(TIMEOUT).assert_success("SIGTERM");
    (posts, gets)
}

/// Per run: the median time of one `SELECT $1` on `conn`.
async fn statements<C: ConnectionTrait>(conn: &C, runs: usize) -> Vec<Duration> {
    let mut medians = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut samples = Vec::with_capacity(STATEMENTS);
        for i in 0..STATEMENTS {
            let stmt = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT $1::int AS n",
                [Value::Int(Some(i as i32))],
            );
            let started = Instant::now();
            let row = conn.query_one_raw(stmt).await.expect("SELECT $1");
            samples.push(started.elapsed());
            assert!(row.is_some(), "SELECT $1 returned no row");
        }
        medians.push(summarize(&samples).0);
    }
    medians
}

/// PgBouncer's `total_query_count` for `database` (its admin console).
async fn query_count(bouncer: &PgBouncer, database: &str) -> Option<i64> {
    use sea_orm_migration::sea_orm::sqlx::{self, Connection, Row};
    let admin = format!("postgres://postgres@127.0.0.1:{}/pgbouncer", bouncer.port);
    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
    let rows = sqlx::raw_sql("SHOW STATS")
        .fetch_all(&mut conn)
        .await
        .ok()?;
    let row = rows
        .iter()
        .find(|r| r.try_get::<String, _>("database").ok().as_deref() == Some(database))?;
    let count = row.try_get::<i64, _>("total_query_count").ok().or_else(|| {
        row.try_get::<String, _>("total_query_count")
            .ok()
            .and_then(|s| s.parse().ok())
    });
    let _ = conn.close().await;
    count
}

fn row(what: &str, samples: &[Duration]) {
    let (median, min, max) = summarize(samples);
    println!(
        "{:<66} {:>10}  {:>19}",
        what,
        ms(median),
        format!("{}–{}", ms(min), ms(max)),
    );
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
