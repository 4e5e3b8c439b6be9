//! Every end-to-end test of the workspace, in one test binary with a module
//! per area (as cargo's own `tests/testsuite`): one link of sqlx and sea-orm
//! instead of one per file. Run one area with `cargo test -p tests --test
//! testsuite <module>::`, e.g. `changes_sqlite::`.
//!
//! PostgreSQL is expected at `postgres://postgres@127.0.0.1:5432/postgres`
//! (trust auth; `TEST_POSTGRES_URL` overrides it), MariaDB at
//! `mysql://root@127.0.0.1:3306` (`TEST_MYSQL_URL` overrides it). Each test makes and drops
//! its own uniquely named database; SQLite tests use files of their own.

mod cli_common;

/// A change case of `changes_pg`/`changes_sqlite`: the case as data
/// (registered with its backend for the compile check of rendered files),
/// then a test proving it with `$prove` (detect, apply, fixpoint, round trip).
macro_rules! change_case {
    ($backend:ident, $prove:ident, $test:ident, $before:expr, $after:expr, [$($op:literal),*] $(, $m:ident($($a:expr),*))*) => {
        mod $test {
            #[allow(unused_imports)]
            use super::*;
            pub fn build(f: &mut dyn FnMut(&Case<'_>)) {
                let before: String = $before.into();
                let after: String = $after.into();
                f(&Case::new(stringify!($test), &before, &after, &[$($op),*])$(.$m($($a),*))*);
            }
        }
        inventory::submit! {
            Registered {
                name: stringify!($test),
                backend: seaorm_autogen::config::Backend::$backend,
                build: $test::build,
            }
        }
        #[test]
        fn $test() {
            $test::build(&mut |case| {
                $prove(case);
            });
        }
    };
}

// The change kinds, proved on real databases (detect, apply, fixpoint, round trip).
mod changes_mysql;
mod changes_pg;
mod changes_sqlite;
mod legacy;
mod portability;
mod roundtrip;

// Column types and attributes as SeaORM entities declare them.
mod classic_entities;
mod pg_schemas;
mod types_pg;
mod types_sqlite;
mod types_vector;

// Introspection and the entity side.
mod entity_cache;
mod entity_writer;
mod introspection_equiv;
mod introspection_equiv_mysql;
mod live_cache;

// The `autogen` command line.
mod adopt;
mod build_features;
mod cli_bad_input;
mod cli_lint;
mod cli_lock;
mod cli_merge;
mod cli_migration_dir;
mod cli_offline;
mod cli_squash;
mod cli_workflow;
mod fleet;
mod generate_errors;
mod newcomer;

// The app: boot-time migration, locks, the whole flow.
mod boot;
mod checksums;
mod e2e_pg;
mod e2e_sqlite;
mod harness;
mod mysql_progress;
mod prechecks;
// MySQL/MariaDB end to end: the command line and replicas booting.
mod boot_mysql;
mod cli_mysql;
mod faults;
mod sqlite_foreign_keys;
mod sqlite_lock;

// Clusters and poolers, each started for real by the test.
mod cluster_galera;
mod cluster_patroni;
mod cluster_pgbouncer;
mod cluster_standby;
