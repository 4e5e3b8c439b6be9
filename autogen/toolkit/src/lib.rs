#![doc = include_str!("../README.md")]
//!
//! # Inside
//!
//! Two crates. The runtime (`autogen-runtime`, re-exported as `runtime` and
//! `config`) connects, locks and applies migrations: `app` and the generated
//! migrations link only that. This crate is the generator: it compares SeaORM
//! entities with the live database and writes reviewed, reversible migration
//! files. Pipeline: `source` (both sides into `schema`) → `diff` (`change`)
//! → `plan` (`step`) → `render` → `workspace` (`revision`: the graph of
//! the migration files).

// The CLI's futures nest every backend's driver (sqlx-mysql included): the
// default depth is not enough to lay them out in release builds.
#![recursion_limit = "256"]

pub use autogen_runtime as runtime;
pub use autogen_runtime::config;

pub mod adopt;
mod assumed;
pub mod change;
pub mod cli;
mod compare;
pub mod diff;
pub mod entities;
pub mod fleet;
pub mod lint;
pub mod memo;
pub mod offline;
pub mod plan;
pub mod recorder;
pub mod render;
pub mod revision;
pub mod schema;
pub mod settings;
pub mod source;
pub mod step;
pub mod synthetic;
pub mod undeclared;
pub mod workspace;

pub use compare::{
    ApplyError, CompareError, Comparison, Header, NoRenames, OnlineOptions, Part, PartKind, Plan,
    PlanOptions, Renames, compare, compare_schemas,
};
pub use diff::{DiffOptions, RenameCandidate};
pub use source::entities::EntitySource;
