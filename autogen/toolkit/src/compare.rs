//! The library's entry point, as Alembic's `compare_metadata`: compare a
//! database with a project's entities ([`compare`]), plan the migration
//! ([`Comparison::plan`]), render it as a file or apply it ([`Plan`]).
//! The CLI, the tests and the benchmark all go through here.
//!
//! Renames are never guessed: a dropped and an added column (or table) of
//! the same shape is put to a [`Renames`] decider. The CLI's `[y/N]`
//! question on a terminal is one implementation; [`NoRenames`] (drop + add)
//! is the one for scripts.

use std::collections::BTreeSet;

use sea_orm_migration::sea_orm::DatabaseConnection;
use thiserror::Error;

use crate::change::Change;
use crate::config::Backend;
use crate::diff::{self as differ, Diff, DiffOptions, RenameCandidate};
use crate::render::{MigrationSource, RenderError, render_migration};
use crate::runtime::{Direction, run_migration};
use crate::schema::Schema;
use crate::source::entities::{self, EntitySource, Recorded};
use crate::source::{SourceError, database};
use crate::step::{Step, StepsMigration};

pub use crate::plan::{OnlineOptions, PartKind};

/// Decides whether a drop-plus-add pair that looks like a rename is one.
pub trait Renames {
    /// `true`: `candidate` is a rename. An error aborts the comparison.
    fn is_rename(&mut self, candidate: &RenameCandidate) -> std::io::Result<bool>;
}

/// Never a rename: such pairs stay a drop and an add (and are reported).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRenames;

impl Renames for NoRenames {
    fn is_rename(&mut self, _: &RenameCandidate) -> std::io::Result<bool> {
        Ok(false)
    }
}

#[derive(Debug, Error)]
pub enum CompareError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot decide the renames: {0}")]
    Renames(#[from] std::io::Error),
}

/// Both sides of a comparison and their difference.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub backend: Backend,
    /// The database as it is.
    pub live: Schema,
    /// The database as the entities describe it.
    pub target: Schema,
    pub diff: Diff,
}

/// Compare the schema `db` works on with the entities of `source`.
///
/// The entity side is SeaORM's own DDL run in a throw-away place on the
/// same server and read back with the same code as the live side; the live
/// side covers the connection's schema and every PostgreSQL schema the
/// entities name.
pub async fn compare(
    db: &DatabaseConnection,
    source: &EntitySource,
    options: DiffOptions,
    renames: &mut dyn Renames,
) -> Result<Comparison, CompareError> {
    let recorded = entities::record(source, db.get_database_backend()).await?;
    let schemas = live_schemas(db, &recorded);
    // The live side comes from the cache when the catalog is one read before.
    let live_key = database::live_key(db, &schemas).await?;
    // Boxed and type-erased: the sides nest every backend's driver, and a
    // caller's crate (the default recursion limit of 128) could not lay the
    // future of `compare` out otherwise.
    let sides: Sides<'_> = Box::pin(read_sides(db, &recorded, &schemas, live_key.as_deref()));
    let (live, target) = sides.await?;
    compare_schemas(
        Backend::from(db.get_database_backend()),
        live,
        target,
        options,
        renames,
    )
}

/// The future of [`read_sides`], boxed (see [`compare`]).
type Sides<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(Schema, Schema), SourceError>> + Send + 'a>,
>;

/// The schemas the live side must cover besides the connection's: those
/// the entities' DDL names (PostgreSQL), known before it runs.
pub(crate) fn live_schemas(db: &DatabaseConnection, recorded: &Recorded) -> BTreeSet<String> {
    match db.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => entities::ddl_schemas(&recorded.ddl),
        _ => Default::default(),
    }
}

/// Both sides of [`compare`] (live, target), of entities already recorded,
/// the live side from the cache under `live_key` (from
/// [`database::live_key`]) when it is given.
pub(crate) async fn read_sides(
    db: &DatabaseConnection,
    recorded: &Recorded,
    schemas: &BTreeSet<String>,
    live_key: Option<&str>,
) -> Result<(Schema, Schema), SourceError> {
    // The two sides are read at once, on two connections of the pool: the
    // live catalog is the server's work, the entity side (from the cache)
    // mostly the client's.
    let (target, live) = tokio::join!(
        entities::materialize_recorded(db, recorded),
        database::introspect_keyed(db, schemas, live_key)
    );
    Ok((live?, target?))
}

/// Compare two schemas already in hand (`live` → `target`) on `backend`.
pub fn compare_schemas(
    backend: Backend,
    live: Schema,
    target: Schema,
    mut options: DiffOptions,
    renames: &mut dyn Renames,
) -> Result<Comparison, CompareError> {
    // Unmanaged columns and indexes take the database's definition in the
    // target itself: the plan (a SQLite rebuild copies the target table)
    // then keeps them too, not only the diff.
    let mut notes = Vec::new();
    let target = differ::keep_unmanaged(&live, &target, &options, &mut notes);
    options.unmanaged_columns.clear();
    options.unmanaged_indexes.clear();
    let mut diff = differ::diff(&live, &target, &options);
    if decide_renames(&diff.rename_candidates, &mut options, renames)? {
        diff = differ::diff(&live, &target, &options);
    }
    diff.unmanaged = notes;
    if backend == Backend::Postgres {
        differ::hold_back_view_columns(&mut diff, &live);
    }
    Ok(Comparison {
        backend,
        live,
        target,
        diff,
    })
}

/// Put each candidate to `renames` (one answer per dropped name); the
/// renames taken go into `options`. Whether any was taken.
fn decide_renames(
    candidates: &[RenameCandidate],
    options: &mut DiffOptions,
    renames: &mut dyn Renames,
) -> std::io::Result<bool> {
    let mut taken = Vec::new();
    for candidate in candidates {
        let key = match candidate {
            RenameCandidate::Table { from, .. } => from.clone(),
            RenameCandidate::Column { table, from, .. } => format!("{table}.{from}"),
        };
        if taken.contains(&key) || !renames.is_rename(candidate)? {
            continue;
        }
        taken.push(key);
        match candidate {
            RenameCandidate::Table { from, to } => {
                options.table_renames.insert(from.clone(), to.clone());
            }
            RenameCandidate::Column { table, from, to } => {
                options
                    .column_renames
                    .insert((table.clone(), from.clone()), to.clone());
            }
        }
    }
    Ok(!taken.is_empty())
}

impl Comparison {
    /// What the data-loss gate stops at: the changes that would drop or
    /// rewrite tables or columns holding rows, narrow their type, or drop
    /// a NOT NULL column's default, on a table that holds rows in `db`
    /// (one `LIMIT 1` query per such table; none when no change is risky).
    pub async fn data_loss(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Vec<crate::change::loss::AtRisk>, SourceError> {
        let rebuilt = crate::plan::rebuilt_tables(&self.diff.changes, &self.live, self.backend);
        let mut found = Vec::new();
        for candidate in crate::change::loss::at_risk(&self.diff.changes, &self.live, &rebuilt) {
            if database::holds_rows(db, &candidate.table, candidate.column.as_deref()).await? {
                found.push(candidate);
            }
        }
        Ok(found)
    }

    /// Nothing to do: the database is what the entities describe.
    pub fn in_sync(&self) -> bool {
        self.diff.changes.is_empty()
    }

    /// The migration(s) that take the database to the entities, as
    /// [`Comparison::plan_with`] plans them by default.
    pub fn plan(&self) -> Plan {
        self.plan_with(&PlanOptions::default())
    }

    /// The migration(s) that take the database to the entities: the changes
    /// in the order they run, each part's `up()` steps and derived `down()`.
    /// Usually one part; see [`PartKind`] for when there are more.
    pub fn plan_with(&self, options: &PlanOptions) -> Plan {
        let parts = crate::plan::parts(
            &self.diff.changes,
            &self.live,
            &self.target,
            self.backend,
            options.online.as_ref(),
        );
        Plan {
            changes: parts.iter().flat_map(|p| p.changes.clone()).collect(),
            parts: parts
                .into_iter()
                .map(|p| Part {
                    backend: self.backend,
                    kind: p.kind,
                    changes: p.changes,
                    up: p.up,
                    down: p.down,
                })
                .collect(),
        }
    }
}

/// How to plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Online mode (PostgreSQL): what would block writes goes to a
    /// non-transactional migration in the forms that do not.
    pub online: Option<OnlineOptions>,
}

/// A planned change of the schema: one migration or a few, in order.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Every change, in the order the parts make them.
    pub changes: Vec<Change>,
    pub parts: Vec<Part>,
}

/// One planned migration.
#[derive(Clone, Debug)]
pub struct Part {
    /// The backend it is planned for (its risk labels are said of it).
    pub backend: Backend,
    pub kind: PartKind,
    /// The changes, in the order `up()` makes them.
    pub changes: Vec<Change>,
    pub up: Vec<Step>,
    pub down: Vec<Step>,
}

/// The header of a migration file.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    /// The module name, e.g. `m20261129_120000_add_field`.
    pub revision: &'a str,
    /// Parent revision(s); empty for the first migration.
    pub parents: &'a [String],
    pub message: &'a str,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub created: &'a str,
    /// Where the file comes from (a sentence).
    pub origin: &'a str,
}

impl Plan {
    /// The part's message: `message`, with what the part is for when the
    /// plan has several.
    pub fn message(&self, part: &Part, message: &str) -> String {
        match (self.parts.len() > 1, part.kind.suffix()) {
            (true, Some(suffix)) => format!("{message} ({suffix})"),
            _ => message.to_owned(),
        }
    }

    /// The only part of a plan that has one (a plan from scratch, say).
    pub fn single(&self) -> Option<&Part> {
        match self.parts.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Run every part's `up()` in order (or every `down()` in reverse) as
    /// [`Part::apply`] does; the parts are named `name`, `name (online)`...
    pub async fn apply(
        &self,
        db: &DatabaseConnection,
        name: &str,
        direction: Direction,
    ) -> Result<(), ApplyError> {
        let mut parts: Vec<&Part> = self.parts.iter().collect();
        if direction == Direction::Down {
            parts.reverse();
        }
        for part in parts {
            part.apply(db, &self.message(part, name), direction).await?;
        }
        Ok(())
    }
}

impl Part {
    /// Whether `upgrade` runs it in a transaction of its own.
    pub fn transactional(&self) -> bool {
        self.kind.transactional()
    }

    /// The migration as a sea-orm-migration module.
    pub fn render(&self, header: &Header<'_>) -> Result<String, RenderError> {
        render_migration(&MigrationSource {
            revision: header.revision,
            parents: header.parents,
            message: header.message,
            created: header.created,
            changes: &self.changes,
            backend: self.backend,
            up: &self.up,
            down: &self.down,
            origin: header.origin,
            note: self.kind.note(),
            transactional: self.transactional(),
        })
    }

    /// The migration as a `MigrationTrait` object, running the very steps
    /// the rendered file runs (without compiling it).
    pub fn migration(&self, name: &str) -> StepsMigration {
        StepsMigration {
            name: name.to_owned(),
            up: self.up.clone(),
            down: self.down.clone(),
            transactional: self.transactional(),
        }
    }

    /// Run `up()` (or `down()`) on `db` as `autogen upgrade` runs a
    /// migration (one transaction where the backend allows, foreign keys
    /// checked before commit on SQLite), without recording it in
    /// `seaql_migrations`: a project's migrations go through its `Migrator`.
    /// A non-transactional (online) part sets session settings such as
    /// `lock_timeout`: give it a connection of its own, as
    /// [`crate::runtime::connect_for_migrations`] makes, not a shared pool.
    pub async fn apply(
        &self,
        db: &DatabaseConnection,
        name: &str,
        direction: Direction,
    ) -> Result<(), ApplyError> {
        run_migration(db, &self.migration(name), direction)
            .await
            .map_err(|reason| ApplyError {
                name: name.to_owned(),
                reason,
            })
    }
}

/// A planned migration failed on the database; it was rolled back where
/// the backend allows.
#[derive(Debug, Error)]
#[error("migration {name} failed: {reason}")]
pub struct ApplyError {
    pub name: String,
    pub reason: String,
}
