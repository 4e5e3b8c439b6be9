//! The library's entry point, as Alembic's `compare_metadata`: compare a
//! database with a project's entities ([`compare`]), plan the migration
//! ([`Comparison::plan`]), render it as a file or apply it ([`Plan`]).
//! The CLI, the tests and the benchmark all go through here.
//!
//! Renames are never guessed: a dropped and an added column (or table) of
//! the same shape is put to a [`Renames`] decider. The CLI's `[y/N]`
//! question on a terminal is one implementation; [`NoRenames`] (drop + add)
//! is the one for scripts.

use sea_orm_migration::sea_orm::DatabaseConnection;
use thiserror::Error;

use crate::change::Change;
use crate::config::Backend;
use crate::diff::{self as differ, Diff, DiffOptions, RenameCandidate};
use crate::render::{MigrationSource, RenderError, render_migration};
use crate::runtime::{Direction, run_migration};
use crate::schema::Schema;
use crate::source::entities::{self, EntitySource};
use crate::source::{SourceError, database};
use crate::step::{Step, StepsMigration};

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
    let target = entities::materialize(db, source).await?;
    let live = database::introspect_with(db, &target.schemas).await?;
    compare_schemas(
        Backend::from(db.get_database_backend()),
        live,
        target,
        options,
        renames,
    )
}

/// Compare two schemas already in hand (`live` → `target`) on `backend`.
pub fn compare_schemas(
    backend: Backend,
    live: Schema,
    target: Schema,
    mut options: DiffOptions,
    renames: &mut dyn Renames,
) -> Result<Comparison, CompareError> {
    let mut diff = differ::diff(&live, &target, &options);
    if decide_renames(&diff.rename_candidates, &mut options, renames)? {
        diff = differ::diff(&live, &target, &options);
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
    /// Nothing to do: the database is what the entities describe.
    pub fn in_sync(&self) -> bool {
        self.diff.changes.is_empty()
    }

    /// The migration that takes the database to the entities: the changes
    /// in the order they run, the `up()` steps and the derived `down()`.
    pub fn plan(&self) -> Plan {
        let (changes, up, down) =
            crate::plan::up_and_down(&self.diff.changes, &self.live, &self.target, self.backend);
        Plan { changes, up, down }
    }
}

/// A planned migration.
#[derive(Clone, Debug)]
pub struct Plan {
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
    /// The migration as a sea-orm-migration module.
    pub fn render(&self, header: &Header<'_>) -> Result<String, RenderError> {
        render_migration(&MigrationSource {
            revision: header.revision,
            parents: header.parents,
            message: header.message,
            created: header.created,
            changes: &self.changes,
            up: &self.up,
            down: &self.down,
            origin: header.origin,
        })
    }

    /// The migration as a `MigrationTrait` object, running the very steps
    /// the rendered file runs (without compiling it).
    pub fn migration(&self, name: &str) -> StepsMigration {
        StepsMigration {
            name: name.to_owned(),
            up: self.up.clone(),
            down: self.down.clone(),
        }
    }

    /// Run `up()` (or `down()`) on `db` as `autogen upgrade` runs a
    /// migration (one transaction where the backend allows, foreign keys
    /// checked before commit on SQLite), without recording it in
    /// `seaql_migrations`: a project's migrations go through its `Migrator`.
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
