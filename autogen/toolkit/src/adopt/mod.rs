//! `autogen init`: adopt a SeaORM workspace as it is (laid out by
//! `sea-orm-cli` or by hand). Finds the entity crate(s) and the migration
//! crate from their manifests, then computes the edits that wire autogen in:
//! the `entity-registry` feature, the `autogen` binary of the migration
//! crate and its dependencies, and `autogen.toml`. Nothing is written here
//! until [`Adoption::write`]; what is already in place is left as it is, so
//! a second run changes nothing.

use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::settings;
use crate::workspace::Written;

mod files;
mod manifest;
mod members;
mod paths;
#[cfg(test)]
mod tests;

use files::{binary, settings_file};
use manifest::{enable_feature, wire_migration};
pub(crate) use manifest::{enable_features_in, lib_name};
use members::{Member, default_members, members, names, pick_migration};
use paths::{relative_between, slash};

/// Version of the toolkit a project depends on when not given a checkout.
const TOOLKIT_VERSION: &str = "0.1";
/// The binary `autogen init` writes in the migration crate.
const BIN: &str = "src/bin/autogen.rs";

#[derive(Debug, Error)]
pub enum AdoptError {
    #[error(
        "no Cargo.toml in {0}: run `autogen init` from the root of a SeaORM workspace, nothing was changed"
    )]
    NoManifest(PathBuf),
    #[error(
        "no migration crate found (a member depending on sea-orm-migration with a `Migrator` in src/lib.rs): create one with `sea-orm-cli migrate init`, nothing was changed"
    )]
    NoMigrationCrate,
    #[error(
        "several crates hold a `Migrator` with migration files ({0}): name the one autogen writes to with `autogen init --migration-crate NAME`, nothing was changed"
    )]
    SeveralMigrationCrates(String),
    #[error(
        "--migration-crate {0}: no member of this workspace by that name depends on sea-orm-migration (members that do: {1}), nothing was changed"
    )]
    UnknownMigrationCrate(String, String),
    #[error(
        "the only entities found ({0}) are in crates that depend on the migration crate {1}, which cannot depend on them in turn: move the entities to a crate of their own, nothing was changed"
    )]
    EntitiesDependOnMigration(String, String),
    #[error(
        "no entity crate found (a library depending on sea-orm whose sources derive DeriveEntityModel or use #[sea_orm::model]): generate one with `sea-orm-cli generate entity`, nothing was changed"
    )]
    NoEntityCrate,
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("cannot parse {0}: {1}")]
    Parse(PathBuf, String),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

/// One member crate as its manifest says.
#[derive(Debug, Clone)]
pub struct Crate {
    /// Directory, relative to the workspace root (`""` for the root package).
    pub dir: PathBuf,
    pub package: String,
    /// The name Rust code uses (`[lib] name`, else the package name with `_`).
    pub lib: String,
}

/// What `autogen init` found and would change.
#[derive(Debug)]
pub struct Adoption {
    pub entities: Vec<Crate>,
    pub migration: Crate,
    /// The command that runs the workspace's `autogen` binary from its root
    /// (`cargo run --bin autogen --`, or with `-p <migration crate>` where
    /// that crate is not a default member).
    pub command: String,
    /// Files to write (new or changed), with their previous content.
    pub edits: Vec<Written>,
}

impl Adoption {
    /// Find the crates of the workspace at `root` and compute the edits.
    /// `toolkit` is a checkout of this toolkit to depend on by path.
    pub fn plan(root: &Path, toolkit: Option<&Path>) -> Result<Self, AdoptError> {
        Self::plan_with(root, toolkit, None)
    }

    /// [`Adoption::plan`], with the migration crate named (`--migration-crate`)
    /// instead of found.
    pub fn plan_with(
        root: &Path,
        toolkit: Option<&Path>,
        migration_crate: Option<&str>,
    ) -> Result<Self, AdoptError> {
        let manifest = root.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(AdoptError::NoManifest(root.to_owned()));
        }
        let members = members(root)?;
        let migration = pick_migration(&members, root, migration_crate)?;
        // Every other crate with entities, except those that depend on the
        // migration crate (an app's database crate running `Migrator::up`):
        // the migration crate cannot depend on them in turn.
        let with_entities: Vec<&Member> = members
            .iter()
            .filter(|m| m.krate.package != migration.krate.package && m.has_entities(root))
            .collect();
        let entities: Vec<&Member> = with_entities
            .iter()
            .copied()
            .filter(|m| !m.depends_on(&migration.krate.package))
            .collect();
        if entities.is_empty() {
            if with_entities.is_empty() {
                return Err(AdoptError::NoEntityCrate);
            }
            return Err(AdoptError::EntitiesDependOnMigration(
                names(&with_entities),
                migration.krate.package.clone(),
            ));
        }
        // The toolkit checkout, relative to the migration crate's manifest
        // (a path dependency that still resolves when the workspace moves).
        let toolkit = match toolkit {
            Some(t) => {
                let t = fs::canonicalize(t).map_err(|e| AdoptError::Read(t.to_owned(), e))?;
                let at = root.join(&migration.krate.dir);
                let at = fs::canonicalize(&at).map_err(|e| AdoptError::Read(at, e))?;
                Some(relative_between(&at, &t))
            }
            None => None,
        };
        let mut edits = Vec::new();
        for e in &entities {
            let path = root.join(&e.krate.dir).join("Cargo.toml");
            let mut doc = e.doc.clone();
            enable_feature(&mut doc, "sea-orm", "entity-registry");
            push_edit(&mut edits, path, &e.text, doc.to_string());
        }
        let mdir = root.join(&migration.krate.dir);
        let mut doc = migration.doc.clone();
        wire_migration(&mut doc, migration, &entities, toolkit.as_deref(), &mdir);
        push_edit(
            &mut edits,
            mdir.join("Cargo.toml"),
            &migration.text,
            doc.to_string(),
        );
        let migration_src = slash(&migration.krate.dir.join("src"));
        let bin = mdir.join(BIN);
        if !bin.exists() {
            push_edit(
                &mut edits,
                bin,
                "",
                binary(&entities, &migration.krate, &migration_src),
            );
        }
        let config = root.join(settings::FILE);
        if !config.exists() {
            push_edit(
                &mut edits,
                config,
                "",
                settings_file(&entities, &migration_src),
            );
        }
        let command = if default_members(root, &members)?.contains(&migration.krate.package) {
            "cargo run --bin autogen --".to_owned()
        } else {
            format!("cargo run -p {} --bin autogen --", migration.krate.package)
        };
        Ok(Self {
            entities: entities.into_iter().map(|m| m.krate.clone()).collect(),
            migration: migration.krate.clone(),
            command,
            edits,
        })
    }

    /// Write the edits (creating directories as needed).
    pub fn write(&self) -> Result<(), AdoptError> {
        for w in &self.edits {
            if let Some(parent) = w.path.parent() {
                fs::create_dir_all(parent).map_err(|e| AdoptError::Write(parent.into(), e))?;
            }
            fs::write(&w.path, &w.after).map_err(|e| AdoptError::Write(w.path.clone(), e))?;
        }
        Ok(())
    }
}

fn push_edit(edits: &mut Vec<Written>, path: PathBuf, before: &str, after: String) {
    if before != after {
        edits.push(Written {
            path,
            before: before.to_owned(),
            after,
        });
    }
}
