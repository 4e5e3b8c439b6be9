//! Write stall: how long do writes to a big, busy table wait while a
//! generated migration changes it, planned plainly and in online mode?
//!
//!     cargo bench -p seaorm-autogen --bench write_stall                 # 1 000 000 rows
//!     WRITE_STALL_ROWS=10000000 cargo bench -p seaorm-autogen --bench write_stall
//!
//! A fresh database holds `customers` (10 000 rows) and `orders` (N rows,
//! default 1 000 000, filled by `INSERT ... SELECT generate_series`). A
//! writer task on its own connection runs single-row `INSERT`s and
//! `UPDATE`s on `orders` back to back (paced at WRITE_STALL_RATE operations
//! per second, default 500; 0: as fast as it can), recording when each
//! started and how long it took. Its commits wait for the WAL flush as the
//! server is set up (WRITE_STALL_SYNCHRONOUS_COMMIT=off: they do not).
//!
//! Each change (add an index, a foreign key, SET NOT NULL, a UNIQUE
//! constraint) is planned with the library (`compare_schemas` →
//! `plan_with`), once plainly and once with online mode, and applied as
//! `autogen upgrade` applies it (`Plan::apply` on a migration connection of
//! its own, a pool of one as `connect_for_migrations` makes it). The
//! database is checked in sync with the target after the change, and is put
//! back by the plan's `down()` (checked too) before the next run. For each
//! run: the migration's duration and the writes that overlapped it, with
//! their p50 / p99 / max latency, and how long the writer's server process
//! was seen waiting on a lock (`pg_stat_activity`, sampled every 5 ms from
//! a third connection): a slow write with no lock wait was slowed by the
//! build's I/O or CPU, not blocked by it.
//!
//! Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), or
//! BENCH_POSTGRES_URL; creates and drops its own database.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use seaorm_autogen::config::{Backend, DatabaseUrl};
use seaorm_autogen::runtime::{DEFAULT_LOCK_TIMEOUT, Direction, connect_for_migrations};
use seaorm_autogen::schema::{FkAction, ForeignKey, Index, Schema};
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::{DiffOptions, NoRenames, OnlineOptions, Plan, PlanOptions, compare_schemas};

/// Customers the orders point at.
const CUSTOMERS: i64 = 10_000;

fn admin_url() -> String {
    std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ' '], "").parse().ok())
        .unwrap_or(default)
}

/// One write of the writer.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// When it started, from the bench's epoch.
    start: Duration,
    latency: Duration,
    ok: bool,
}

/// The writer: a task on its own connection, writing until told to stop.
struct Writer {
    /// The server process of its connection.
    pid: i32,
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    errors: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    async fn start(url: &str, epoch: Instant, rows: i64, rate: u64) -> Writer {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .sqlx_logging(false);
        // WRITE_STALL_SYNCHRONOUS_COMMIT=off: the writer's commits do not
        // wait for the WAL flush, which the builds make slower.
        if let Ok(value) = std::env::var("WRITE_STALL_SYNCHRONOUS_COMMIT") {
            opts.map_sqlx_postgres_opts(move |o| {
                o.options([("synchronous_commit", value.as_str())])
            });
        }
        let conn = Database::connect(opts).await.expect("writer connection");
        let pid: i32 = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_backend_pid()",
            ))
            .await
            .expect("pid")
            .expect("a row")
            .try_get_by_index(0)
            .expect("int");
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::with_capacity(1 << 20)));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(write(
            conn,
            epoch,
            rows,
            rate,
            stop.clone(),
            samples.clone(),
            errors.clone(),
        ));
        Writer {
            pid,
            stop,
            samples,
            errors,
            task,
        }
    }

    /// The writes that overlapped `[from, to]` (from the epoch).
    fn during(&self, from: Duration, to: Duration) -> Vec<Sample> {
        let samples = self.samples.lock().expect("samples");
        samples
            .iter()
            .filter(|s| s.start <= to && s.start + s.latency >= from)
            .copied()
            .collect()
    }

    async fn stop(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.errors.lock().expect("errors").clone()
    }
}

/// What the writer's server process waits on, sampled every
/// [`Monitor::EVERY`] from `pg_stat_activity` on a connection of its own:
/// tells a write blocked by the migration's lock (`Lock`) from one slowed
/// by the build's I/O or CPU (`IO`, `LWLock`, no wait at all).
struct Monitor {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Probe>>>,
    task: tokio::task::JoinHandle<()>,
}

/// One sample of the monitor: when, and `wait_event_type:wait_event`
/// (`None`: not waiting).
type Probe = (Duration, Option<String>);

/// What the monitor saw of the writer in a stretch of time.
struct Seen {
    /// Time it was seen waiting on a lock.
    locked: Duration,
    /// Samples taken.
    samples: usize,
    /// Each wait seen, and how often, most seen first.
    waits: Vec<(String, usize)>,
}

impl Seen {
    fn describe(&self) -> String {
        let waiting: usize = self.waits.iter().map(|(_, n)| n).sum();
        let mut parts: Vec<String> = self
            .waits
            .iter()
            .map(|(w, n)| format!("{w} ×{n}"))
            .collect();
        parts.push(format!(
            "not waiting (running, or done) ×{}",
            self.samples - waiting
        ));
        parts.join(", ")
    }
}

impl Monitor {
    const EVERY: Duration = Duration::from_millis(5);

    async fn start(url: &str, epoch: Instant, pid: i32) -> Monitor {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let conn = Database::connect(opts).await.expect("monitor connection");
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::with_capacity(1 << 20)));
        let (flag, out) = (stop.clone(), samples.clone());
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Self::EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            while !flag.load(Ordering::Relaxed) {
                ticker.tick().await;
                let at = epoch.elapsed();
                let row = conn
                    .query_one_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT wait_event_type || ':' || wait_event FROM pg_stat_activity \
                         WHERE pid = $1 AND state = 'active' AND wait_event_type <> 'Client'",
                        [pid.into()],
                    ))
                    .await;
                let wait = match row {
                    Ok(Some(row)) => row.try_get_by_index::<Option<String>>(0).ok().flatten(),
                    _ => None,
                };
                out.lock().expect("samples").push((at, wait));
            }
            let _ = conn.close().await;
        });
        Monitor {
            stop,
            samples,
            task,
        }
    }

    /// What was seen in `[from, to]`.
    fn during(&self, from: Duration, to: Duration) -> Seen {
        let samples = self.samples.lock().expect("samples");
        let mut locked = Duration::ZERO;
        let mut count = 0;
        let mut waits = std::collections::BTreeMap::<String, usize>::new();
        for pair in samples.windows(2) {
            let ((at, wait), (next, _)) = (&pair[0], &pair[1]);
            if *at < from || *at > to {
                continue;
            }
            count += 1;
            if let Some(wait) = wait {
                if wait.starts_with("Lock:") {
                    locked += *next - *at;
                }
                *waits.entry(wait.clone()).or_default() += 1;
            }
        }
        let mut waits: Vec<(String, usize)> = waits.into_iter().collect();
        waits.sort_by_key(|w| std::cmp::Reverse(w.1));
        Seen {
            locked,
            samples: count,
            waits,
        }
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
    }
}

async fn write(
    conn: DatabaseConnection,
    epoch: Instant,
    rows: i64,
    rate: u64,
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    errors: Arc<Mutex<Vec<String>>>,
) {
    let mut ticker = (rate > 0).then(|| {
        let mut t = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        t
    });
    // xorshift64: spread the updates over the table without a dependency.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut seq: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Some(t) = ticker.as_mut() {
            t.tick().await;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        seq += 1;
        let stmt = if seq.is_multiple_of(2) {
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO orders (customer_id, email, note, amount) VALUES ($1, $2, $3, $4)",
                [
                    (1 + (x % CUSTOMERS as u64) as i64).into(),
                    format!("writer{seq}@example.com").into(),
                    "written during the bench".into(),
                    (((x >> 20) % 1000) as i32).into(),
                ],
            )
        } else {
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE orders SET amount = amount + 1 WHERE id = $1",
                [(1 + (x % rows as u64) as i64).into()],
            )
        };
        let start = Instant::now();
        let result = conn.execute_raw(stmt).await;
        let latency = start.elapsed();
        let ok = result.is_ok();
        if let Err(e) = result {
            errors.lock().expect("errors").push(e.to_string());
        }
        samples.lock().expect("samples").push(Sample {
            start: start - epoch,
            latency,
            ok,
        });
    }
    let _ = conn.close().await;
}

/// Latencies of a window: count, p50, p99, max (ms).
struct Window {
    writes: usize,
    failed: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

fn window(samples: &[Sample]) -> Window {
    let mut ms: Vec<f64> = samples
        .iter()
        .map(|s| s.latency.as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    // Nearest rank.
    let rank = |p: f64| {
        if ms.is_empty() {
            f64::NAN
        } else {
            ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1]
        }
    };
    Window {
        writes: ms.len(),
        failed: samples.iter().filter(|s| !s.ok).count(),
        p50: rank(0.50),
        p99: rank(0.99),
        max: ms.last().copied().unwrap_or(f64::NAN),
    }
}

/// The changes measured.
#[derive(Clone, Copy, Debug)]
enum Change {
    Index,
    ForeignKey,
    SetNotNull,
    Unique,
}

impl Change {
    fn label(self) -> &'static str {
        match self {
            Change::Index => "add index (orders.created_at)",
            Change::ForeignKey => "add foreign key (orders.customer_id → customers)",
            Change::SetNotNull => "set NOT NULL (orders.note)",
            Change::Unique => "add unique (orders.email)",
        }
    }

    /// `live` with this change made, as an entity edit would make it.
    fn target(self, live: &Schema) -> Schema {
        let mut target = live.clone();
        let orders = target.tables.get_mut("orders").expect("orders table");
        match self {
            Change::Index => orders.indexes.push(Index {
                name: "idx_orders_created_at".into(),
                columns: vec!["created_at".into()],
                unique: false,
                constraint: false,
            }),
            Change::ForeignKey => orders.foreign_keys.push(ForeignKey {
                name: "fk_orders_customer".into(),
                columns: vec!["customer_id".into()],
                ref_table: "customers".into(),
                ref_schema: None,
                ref_columns: vec!["id".into()],
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
            }),
            Change::SetNotNull => {
                let note = orders
                    .columns
                    .iter_mut()
                    .find(|c| c.name == "note")
                    .expect("orders.note");
                assert!(note.nullable, "orders.note starts nullable");
                note.nullable = false;
            }
            Change::Unique => orders.indexes.push(Index {
                name: "orders_email_key".into(),
                columns: vec!["email".into()],
                unique: true,
                constraint: true,
            }),
        }
        target
    }
}

fn plan(live: &Schema, target: &Schema, online: bool) -> Plan {
    let comparison = compare_schemas(
        Backend::Postgres,
        live.clone(),
        target.clone(),
        DiffOptions::default(),
        &mut NoRenames,
    )
    .expect("compare");
    assert_eq!(comparison.diff.changes.len(), 1, "one change");
    comparison.plan_with(&PlanOptions {
        online: online.then(OnlineOptions::default),
    })
}

/// Panics unless the database is `expected`.
async fn assert_in_sync(db: &DatabaseConnection, expected: &Schema, when: &str) {
    let now = introspect(db).await.expect("introspect");
    let comparison = compare_schemas(
        Backend::Postgres,
        now,
        expected.clone(),
        DiffOptions::default(),
        &mut NoRenames,
    )
    .expect("compare");
    assert!(
        comparison.in_sync(),
        "{when}: the database differs: {:?}",
        comparison.diff.changes
    );
}

struct Row {
    change: &'static str,
    mode: &'static str,
    duration: Duration,
    window: Window,
    /// Time the writer was seen waiting on a lock.
    locked: Duration,
}

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
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

async fn bench() {
    let rows = env_num("WRITE_STALL_ROWS", 1_000_000) as i64;
    let rate = env_num("WRITE_STALL_RATE", 500);
    let admin = Database::connect(admin_url())
        .await
        .expect("PostgreSQL at BENCH_POSTGRES_URL");
    let name = format!("autogen_write_stall_{}", std::process::id());
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .ok();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let raw = format!(
        "{}/{name}",
        admin_url()
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or_default()
    );
    let url = DatabaseUrl::parse(&raw, "bench").expect("url");
    let db = Database::connect(url.expose())
        .await
        .expect("connect to the bench database");

    let fill = Instant::now();
    for sql in [
        "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)".to_owned(),
        format!(
            "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, {CUSTOMERS}) g"
        ),
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, \
         email varchar(255) NOT NULL, note text NULL, amount integer NOT NULL, \
         created_at timestamptz NOT NULL DEFAULT now())"
            .to_owned(),
        format!(
            "INSERT INTO orders (customer_id, email, note, amount, created_at) \
             SELECT 1 + g % {CUSTOMERS}, 'user' || g || '@example.com', 'note ' || g, g % 1000, \
             timestamptz '2026-01-01' + (g::bigint * 7919 % {rows}) * interval '1 second' \
             FROM generate_series(1, {rows}) g"
        ),
        "VACUUM ANALYZE customers".to_owned(),
        "VACUUM ANALYZE orders".to_owned(),
    ] {
        db.execute_unprepared(&sql).await.expect("fill the tables");
    }
    let size: String = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_size_pretty(pg_total_relation_size('orders'))",
        ))
        .await
        .expect("size")
        .expect("a row")
        .try_get_by_index(0)
        .expect("text");
    println!(
        "write stall: orders of {rows} rows ({size}) filled in {:.1} s; writer paced at {}",
        fill.elapsed().as_secs_f64(),
        if rate == 0 {
            "as fast as it can".to_owned()
        } else {
            format!("{rate} writes/s")
        }
    );

    let base = introspect(&db).await.expect("introspect");
    // As `autogen upgrade` applies migrations: a pool of one with the
    // session's lock_timeout set.
    let migrations = connect_for_migrations(&db, &url, DEFAULT_LOCK_TIMEOUT)
        .await
        .expect("migration connection");

    let epoch = Instant::now();
    let writer = Writer::start(url.expose(), epoch, rows, rate).await;
    let monitor = Monitor::start(url.expose(), epoch, writer.pid).await;
    let mut table = Vec::new();

    // The writer alone, for reference.
    let from = epoch.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = epoch.elapsed() - from;
    let writes = writer.during(from, from + idle);
    if let Some(slowest) = writes.iter().max_by_key(|s| s.latency) {
        println!(
            "  no migration: slowest write {:.1} ms; the writer's server process meanwhile: {}",
            ms(slowest.latency),
            monitor
                .during(slowest.start, slowest.start + slowest.latency)
                .describe()
        );
    }
    table.push(Row {
        change: "no migration (writer alone, 3 s)",
        mode: "-",
        duration: idle,
        window: window(&writes),
        locked: monitor.during(from, from + idle).locked,
    });

    for change in [
        Change::Index,
        Change::ForeignKey,
        Change::SetNotNull,
        Change::Unique,
    ] {
        let target = change.target(&base);
        for online in [false, true] {
            let mode = if online { "online" } else { "plain" };
            let plan = plan(&base, &target, online);
            migrations
                .execute_unprepared("CHECKPOINT")
                .await
                .expect("checkpoint");
            tokio::time::sleep(Duration::from_millis(500)).await;
            let from = epoch.elapsed();
            let start = Instant::now();
            let applied = plan.apply(&migrations, "write_stall", Direction::Up).await;
            let duration = start.elapsed();
            // Let the writes that were waiting finish before reading them.
            tokio::time::sleep(Duration::from_millis(200)).await;
            if let Err(e) = applied {
                panic!("{} ({mode}) failed: {e}", change.label());
            }
            let writes = writer.during(from, from + duration);
            let seen = monitor.during(from, from + duration);
            let row = Row {
                change: change.label(),
                mode,
                duration,
                window: window(&writes),
                locked: seen.locked,
            };
            println!(
                "  {:<50} {mode:<6} {:>9.1} ms  {:>6} writes  p50 {:>6.2} ms  p99 {:>8.2} ms  max {:>8.2} ms",
                row.change,
                ms(row.duration),
                row.window.writes,
                row.window.p50,
                row.window.p99,
                row.window.max
            );
            println!(
                "      the writer's server process, sampled every {} ms: {}",
                Monitor::EVERY.as_millis(),
                seen.describe()
            );
            if let Some(slowest) = writes.iter().max_by_key(|s| s.latency) {
                println!(
                    "      during the slowest write ({:.1} ms): {}",
                    ms(slowest.latency),
                    monitor
                        .during(slowest.start, slowest.start + slowest.latency)
                        .describe()
                );
            }
            table.push(row);
            assert_in_sync(&migrations, &target, "after up").await;
            plan.apply(&migrations, "write_stall", Direction::Down)
                .await
                .unwrap_or_else(|e| panic!("{} ({mode}) down failed: {e}", change.label()));
            assert_in_sync(&migrations, &base, "after down").await;
        }
    }

    monitor.stop().await;
    let errors = writer.stop().await;
    migrations.close().await;
    db.close().await.ok();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .ok();

    println!(
        "\n| change | mode | migration | writes during it | p50 | p99 | max (stall) | writer waiting on a lock |\n|---|---|---|---|---|---|---|---|"
    );
    for row in &table {
        let failed = match row.window.failed {
            0 => String::new(),
            n => format!(" ({n} failed)"),
        };
        println!(
            "| {} | {} | {} | {}{failed} | {:.2} ms | {:.2} ms | {} | {:.0} ms |",
            row.change,
            row.mode,
            if row.mode == "-" {
                "-".to_owned()
            } else {
                format!("{:.0} ms", ms(row.duration))
            },
            row.window.writes,
            row.window.p50,
            row.window.p99,
            if row.window.max >= 100.0 {
                format!("**{:.0} ms**", row.window.max)
            } else {
                format!("{:.1} ms", row.window.max)
            },
            ms(row.locked)
        );
    }
    if !errors.is_empty() {
        println!(
            "\nthe writer saw {} errors, the first: {}",
            errors.len(),
            errors[0]
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
