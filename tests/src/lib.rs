//! End-to-end tests of the foundation against real databases.
//!
//! - [`support`]: fresh PostgreSQL databases and SQLite files, the built
//!   `app` binary run as a child process, a minimal HTTP client.
//! - [`changes`]: the change-kind harness; [`rendered`]: rendered
//!   migration files compiled in one scratch crate.
//! - [`fixtures`]: test-only migrators (one that fails halfway).
//! - [`zoo`]: entities of every column type, in two versions, and in the
//!   classic `sea-orm-cli` format.
//!
//! The tests live in one binary, `tests/tests/testsuite/` (a module per area); the no-op boot benchmark in
//! `src/bin/bench_boot.rs` (`cargo run --release -p tests --bin bench_boot`).
//!
//! PostgreSQL is expected at `postgres://postgres@127.0.0.1:5432/postgres`
//! (trust auth); set `TEST_POSTGRES_URL` to use another server. A test that
//! cannot reach it fails and says so; it never passes silently.

pub mod changes;
pub mod cluster;
pub mod fixtures;
pub mod galera;
pub mod legacy;
pub mod patroni;
pub mod random;
pub mod rendered;
pub mod support;
pub mod written;
pub mod zoo;
