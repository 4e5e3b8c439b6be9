//! SeaORM 2.x entities of the remediation engine.
//!
//! Every entity in this crate registers itself in SeaORM's entity registry
//! (feature `entity-registry`), so the autogen toolkit finds them all by the
//! crate's module prefix: adding a module here is all it takes to make a new
//! table known. What a column attribute cannot say (composite non-unique
//! indexes) is declared once, in [`indexes`].

pub mod alert;
pub mod enums;
pub mod execution;
pub mod indexes;
pub mod runbook;
pub mod runbook_step;
pub mod runbook_version;
pub mod schedule;

pub use enums::{AlertSeverity, ExecutionStatus, ExecutionTrigger, StepOnFailure};

/// Module prefix under which the entity registry finds this crate's entities.
pub const REGISTRY_PREFIX: &str = "entity::*";
