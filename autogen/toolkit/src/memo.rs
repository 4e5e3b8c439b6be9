//! A memo of comparisons that found nothing to do: a no-op `check` computes
//! the two sides' cache keys (one catalog query each) and reads a small
//! entry instead of loading, parsing and diffing both schemas.
//!
//! The key is made of everything the comparison's outcome depends on: the
//! live side's key (SQLite: its `sqlite_master` rows; PostgreSQL: the
//! digest of its catalog rows' versions), the entity side's key (the DDL,
//! the server version, comments and declared renames), the diff options
//! (which carry the settings and flags that change the diff), the caller's
//! other inputs, the source of the comparing code and the running
//! executable's identity. Where the live side has no cheap key
//! (MySQL/MariaDB), nothing is memoized. Only in-sync outcomes are kept:
//! a comparison that finds changes is always made in full.

use sea_orm_migration::sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::compare::{
    CompareError, Comparison, NoRenames, compare_schemas, live_schemas, read_sides,
};
use crate::config::Backend;
use crate::diff::{Diff, DiffOptions};
use crate::schema::{Schema, Unmanaged};
use crate::source::cache;
use crate::source::database;
use crate::source::entities::{self, EntitySource};

/// The code an in-sync outcome depends on beyond the two schemas (whose
/// code is in their own keys).
const CODE: u64 = cache::fnv_const(&[
    include_str!("memo.rs"),
    include_str!("compare.rs"),
    include_str!("diff.rs"),
    include_str!("diff/columns.rs"),
    include_str!("diff/comments.rs"),
    include_str!("diff/foreign_keys.rs"),
    include_str!("diff/indexes.rs"),
    include_str!("diff/keys.rs"),
    include_str!("diff/unmanaged.rs"),
]);

/// What an in-sync comparison reports besides "no changes".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InSync {
    /// Tables in the database that no entity describes.
    pub unknown_tables: Vec<String>,
    /// Columns and indexes left alone as unmanaged ([`Diff::unmanaged`]).
    pub unmanaged: Vec<String>,
    /// What the live schema holds that the model does not manage.
    pub live_unmanaged: Vec<Unmanaged>,
}

impl InSync {
    fn of(cmp: &Comparison) -> Self {
        InSync {
            unknown_tables: cmp.diff.unknown_tables.clone(),
            unmanaged: cmp.diff.unmanaged.clone(),
            live_unmanaged: cmp.live.unmanaged.clone(),
        }
    }

    /// The comparison as far as an in-sync one reports: no changes, and a
    /// live schema holding only its unmanaged objects (no tables: nothing
    /// to plan from, which in sync there is not).
    pub fn into_comparison(self, backend: Backend) -> Comparison {
        Comparison {
            backend,
            live: Schema {
                unmanaged: self.live_unmanaged,
                ..Schema::default()
            },
            target: Schema::default(),
            diff: Diff {
                unknown_tables: self.unknown_tables,
                unmanaged: self.unmanaged,
                ..Diff::default()
            },
        }
    }
}

/// The outcome of [`compare_memoized`].
#[derive(Clone, Debug)]
pub enum Memoized {
    /// The same inputs were found in sync before, on this backend.
    InSync(Backend, InSync),
    /// Compared in full (and memoized if in sync).
    Compared(Box<Comparison>),
}

impl Memoized {
    /// The comparison, hollow when memoized (see [`InSync::into_comparison`]).
    pub fn into_comparison(self) -> Comparison {
        match self {
            Memoized::InSync(backend, memo) => memo.into_comparison(backend),
            Memoized::Compared(cmp) => *cmp,
        }
    }
}

/// [`crate::compare`] without renames (drop + add), answered from the memo
/// when the same inputs were found in sync before. `salt` is whatever else
/// the caller's outcome depends on (e.g. its settings, printed).
pub async fn compare_memoized(
    db: &DatabaseConnection,
    source: &EntitySource,
    options: DiffOptions,
    salt: &str,
) -> Result<Memoized, CompareError> {
    let recorded = entities::record(source, db.get_database_backend()).await?;
    let schemas = live_schemas(db, &recorded);
    let (live_key, entity_key) = tokio::try_join!(
        database::live_key(db, &schemas),
        entities::recorded_key(db, &recorded)
    )?;
    let memo_key = live_key
        .as_deref()
        .and_then(|live| key(live, &entity_key, &options, salt));
    if let Some(memo) = memo_key.as_deref().and_then(cache::load::<InSync>) {
        tracing::debug!("in sync, as memoized");
        return Ok(Memoized::InSync(db.get_database_backend().into(), memo));
    }
    let (live, target) = read_sides(db, &recorded, &schemas, live_key.as_deref()).await?;
    let backend = db.get_database_backend().into();
    let cmp = compare_schemas(backend, live, target, options, &mut NoRenames)?;
    if let Some(memo_key) = &memo_key
        && cmp.in_sync()
    {
        cache::store(memo_key, &InSync::of(&cmp));
    }
    Ok(Memoized::Compared(Box::new(cmp)))
}

/// The memo's key; `None` (no memo) when the executable cannot be told apart.
fn key(live: &str, entity: &str, options: &DiffOptions, salt: &str) -> Option<String> {
    let exe = executable()?;
    let code = format!("{CODE:016x}");
    let options = format!("{options:?}");
    Some(format!(
        "memo-{}",
        cache::key(&["memo", &code, &exe, live, entity, &options, salt])
    ))
}

/// The running executable's path, size and modification time: another
/// build (of the toolkit, the CLI or anything linked in) is another memo.
fn executable() -> Option<String> {
    let path = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{}:{}:{}",
        path.display(),
        meta.len(),
        modified.as_nanos()
    ))
}
