//! Load test of the API on loopback: many concurrent clients against a
//! serving `app` for a fixed time, with a bounded request count.
//!
//! ```sh
//! cargo run --release -p tests --bin bench_load              # 200 clients, 10 s
//! LOAD_CLIENTS=200 LOAD_SECS=10 LOAD_MAX_REQUESTS=200000 cargo run --release -p tests --bin bench_load
//! LOAD_BACKENDS=sqlite LOAD_APP_BIN=/path/to/an/older/app cargo run --release -p tests --bin bench_load
//! ```
//!
//! `LOAD_BACKENDS` (`sqlite`, `postgres`, or both comma-separated, the
//! default) picks the backends; `LOAD_APP_BIN` serves with that `app`
//! binary instead of building the working tree's (a before/after pair).
//!
//! For PostgreSQL (a fresh database on the test server, dropped afterwards)
//! and SQLite (a file in a temporary directory): the app boots (applying the
//! migrations), 100 runbooks are seeded, then each client sends requests one
//! after another, each on a new connection: 8 of 10 `GET /runbooks?limit=20`,
//! 1 `GET /runbooks/{id}`, 1 `POST /runbooks` (a write). It stops at the time
//! limit or when the request budget is spent. An error is a failed
//! connection or read, or any status other than the one expected (200, or
//! 201 for a POST). It prints requests, errors, throughput, p50, p99 and max
//! latency, and exits non-zero if any request failed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tests::support::{App, TestDb, http, temp_dir};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

fn main() {
    let clients = env_or("LOAD_CLIENTS", 200);
    let secs = env_or("LOAD_SECS", 10);
    let budget = env_or("LOAD_MAX_REQUESTS", 200_000);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "{clients} concurrent clients, {secs} s, at most {budget} requests, {profile} build, loopback"
    );
    println!(
        "{:<9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "backend", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    let mut failed = false;
    let backends = std::env::var("LOAD_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let bin = std::env::var_os("LOAD_APP_BIN").map(std::path::PathBuf::from);
    for name in backends.split(',').map(str::trim) {
        let db = match name {
            "sqlite" => TestDb::sqlite(),
            "postgres" => TestDb::postgres(),
            other => {
                eprintln!("LOAD_BACKENDS: unknown backend `{other}` (sqlite, postgres)");
                std::process::exit(2);
            }
        };
        failed |= run(
            &db,
            clients,
            Duration::from_secs(secs as u64),
            budget,
            bin.as_deref(),
        );
    }
    if failed {
        std::process::exit(1);
    }
}

/// One backend; true when any request failed.
fn run(
    db: &TestDb,
    clients: usize,
    duration: Duration,
    budget: usize,
    bin: Option<&std::path::Path>,
) -> bool {
    let dir = temp_dir();
    let mut app = App::new(dir.path()).database(&db.url());
    if let Some(bin) = bin {
        app = app.binary(bin);
    }
    let server = app.serve();
    let addr = server.addr;
    let mut ids = Vec::new();
    for i in 0..100 {
        let r = http::send_json(
            addr,
            "POST",
            "/runbooks",
            &json!({ "name": format!("seed-{i}"), "category": "load" }),
        )
        .expect("seed a runbook");
        assert_eq!(r.status, 201, "seeding: {}", r.body);
        ids.push(r.json()["id"].as_i64().unwrap_or(1));
    }
    let ids = Arc::new(ids);
    let sent = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (ids, sent) = (Arc::clone(&ids), Arc::clone(&sent));
            std::thread::spawn(move || client(c, addr, &ids, &sent, budget, deadline))
        })
        .collect();
    let mut all = Outcome::default();
    for t in threads {
        let o = t.join().expect("client thread");
        all.latencies.extend(o.latencies);
        all.errors.extend(o.errors);
    }
    let elapsed = started.elapsed();
    server.running.terminate();
    let _ = server.running.wait(Duration::from_secs(30));
    all.latencies.sort();
    let pick = |q: f64| {
        let n = all.latencies.len();
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
        all.latencies[i].as_secs_f64() * 1000.0
    };
    let requests = all.latencies.len() + all.errors.len();
    println!(
        "{:<9} {:>9} {:>7} {:>9.0} {:>9.2} {:>9.2} {:>9.2}",
        db.backend(),
        requests,
        all.errors.len(),
        requests as f64 / elapsed.as_secs_f64(),
        pick(0.50),
        pick(0.99),
        pick(1.0),
    );
    for e in all.errors.iter().take(5) {
        println!("  error: {e}");
    }
    !all.errors.is_empty()
}

fn client(
    c: usize,
    addr: SocketAddr,
    ids: &[i64],
    sent: &AtomicUsize,
    budget: usize,
    deadline: Instant,
) -> Outcome {
    let mut out = Outcome::default();
    let mut i = 0usize;
    while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < budget {
        i += 1;
        let started = Instant::now();
        let (result, expected) = match i % 10 {
            0 => (
                http::send_json(
                    addr,
                    "POST",
                    "/runbooks",
                    &json!({ "name": format!("load-{c}-{i}"), "category": "load" }),
                ),
                201,
            ),
            5 => (
                http::get(addr, &format!("/runbooks/{}", ids[(c + i) % ids.len()])),
                200,
            ),
            _ => (http::get(addr, "/runbooks?limit=20"), 200),
        };
        match result {
            Ok(r) if r.status == expected => out.latencies.push(started.elapsed()),
            Ok(r) => out.errors.push(format!(
                "status {} (expected {expected}): {}",
                r.status, r.body
            )),
            Err(e) => out.errors.push(format!("{e}")),
        }
    }
    out
}
