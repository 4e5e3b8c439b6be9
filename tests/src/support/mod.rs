//! Helpers shared by the end-to-end tests and the boot benchmark.
//!
//! Everything here is synchronous so that tests can be plain `#[test]`
//! functions that run child processes; database work runs on a private
//! tokio runtime (see [`block_on`]), so it is also safe to call from inside
//! `#[tokio::test]`.

mod app;
mod db;
pub mod http;
mod mysql;

use std::future::Future;
use std::time::Duration;

pub use app::{App, Exit, Running, Server, app_binary, free_port, workspace_root};
pub use db::{
    PgDatabase, SqliteFile, TestDb, connect, execute, pg_admin_url, pg_enum_types, query_strings,
    tables,
};
pub use mysql::{DEFAULT_MYSQL_URL, MyDatabase, mysql_admin_url};

/// The six tables of the base schema.
pub const BASE_TABLES: [&str; 6] = [
    "alerts",
    "executions",
    "runbook_steps",
    "runbook_versions",
    "runbooks",
    "schedules",
];

/// The head revision of the workspace's migrations.
pub const HEAD: &str = "m20260101_000001_initial_base_schema";

/// The line `app` logs after a successful migration run.
pub const MIGRATED_OK: &str = "✅ Database migrations completed successfully";

/// The line `app` logs when it refuses to boot.
pub const MIGRATION_FAILED: &str = "❌ Database migrations failed:";

/// A fresh temporary directory, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("autogen-e2e-")
        .tempdir()
        .expect("cannot create a temporary directory")
}

/// Run a future to completion on a private current-thread runtime, in a
/// scoped thread so that it works whether or not the caller is already
/// inside a runtime. Connections made here must not outlive the call.
pub fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    use_test_cache();
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("cannot build a tokio runtime")
                .block_on(fut)
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// The entity-schema cache of the tests: a directory of their own under the
/// target directory, never the user's `~/.cache/autogen`.
pub fn test_cache_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("test-cache")
}

/// Point this process's entity-schema cache at [`test_cache_dir`] (once).
pub fn use_test_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| seaorm_autogen::source::set_cache_dir(Some(test_cache_dir())));
}

/// Remove ANSI escape sequences (the app's log colours).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // CSI: parameters and intermediates, then one final byte in @..~
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Poll `check` every `every` until it returns `Some`, or give up after `timeout`.
pub fn wait_for<T>(
    timeout: Duration,
    every: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}

/// Median, minimum and maximum of a sample, for the benchmark.
pub fn summarize(samples: &[Duration]) -> (Duration, Duration, Duration) {
    assert!(!samples.is_empty(), "no samples");
    let mut v = samples.to_vec();
    v.sort();
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    };
    (median, v[0], v[n - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_is_stripped() {
        let s = "\u{1b}[2m2026\u{1b}[0m \u{1b}[31mERROR\u{1b}[0m ❌ boom";
        assert_eq!(strip_ansi(s), "2026 ERROR ❌ boom");
    }

    #[test]
    fn median_of_even_and_odd_samples() {
        let ms = Duration::from_millis;
        assert_eq!(summarize(&[ms(3), ms(1), ms(2)]), (ms(2), ms(1), ms(3)));
        assert_eq!(
            summarize(&[ms(4), ms(1), ms(2), ms(3)]).0,
            Duration::from_micros(2500)
        );
    }
}
