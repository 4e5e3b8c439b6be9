//! Randomized round trips: on random schemas (types, nullability, defaults,
//! single and composite indexes, unique or not, foreign keys with actions,
//! an enum), each random edit is detected, applied (fixpoint: comparing
//! again finds nothing), rolled back to exactly the schema before, and
//! applied again, through the same harness as the change kinds.
//!
//! CI runs a fixed budget (`ROUNDTRIP_CASES`, default 16 schemas of up to 3
//! edits per backend); `ROUNDTRIP_CASES=1000 cargo test -p tests --test
//! testsuite roundtrip::` is the long mode. Failing inputs are saved by
//! proptest under `tests/tests/testsuite/proptest-regressions/` and replayed
//! first on every run.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use seaorm_autogen::config::Backend;
use tests::changes::{ANY, Case, prove_postgres, prove_sqlite};
use tests::random::{Dice, Schema};

fn config() -> Config {
    let cases = std::env::var("ROUNDTRIP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// Every edit of `edits` (each a few random numbers) applied in turn to the
/// random schema drawn by `draw`: each step proved as a change case.
fn prove(backend: Backend, draw: &[u32], edits: &[Vec<u32>]) {
    let mut schema = Schema::random(backend, &mut Dice::new(draw));
    for (n, edit) in edits.iter().enumerate() {
        let before = schema.sql();
        let what = schema.edit(&mut Dice::new(edit));
        let after = schema.sql();
        if before == after {
            continue;
        }
        let name = format!("random edit {n}: {what}");
        let case = Case::new(&name, &before, &after, ANY);
        match backend {
            Backend::Postgres => prove_postgres(&case),
            _ => prove_sqlite(&case),
        };
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_edits_round_trip_on_sqlite(
        draw in vec(any::<u32>(), 40),
        edits in vec(vec(any::<u32>(), 12), 1..=3),
    ) {
        prove(Backend::Sqlite, &draw, &edits);
    }

    #[test]
    fn random_edits_round_trip_on_postgres(
        draw in vec(any::<u32>(), 40),
        edits in vec(vec(any::<u32>(), 12), 1..=3),
    ) {
        prove(Backend::Postgres, &draw, &edits);
    }
}
