//! Versioned migrations of the remediation engine.
//!
//! `autogen` appends every migration it generates to the list below, in
//! order; the comment markers let it find the list without parsing Rust.

pub use sea_orm_migration::prelude::*;

mod m20260101_000001_initial_base_schema;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            // autogen:migrations:begin
            Box::new(m20260101_000001_initial_base_schema::Migration),
            // autogen:migrations:end
        ]
    }
}

/// Revisions that `autogen squash` replaced by the first migration above,
/// oldest first. A database whose bookkeeping still names the last of them
/// is recorded as being at that first migration at its next upgrade,
/// without running it; one part-way through them is refused.
pub const SQUASHED: &[&str] = &[
    // autogen:squashed:begin
    // autogen:squashed:end
];

impl autogen_runtime::Squashed for Migrator {
    fn squashed() -> &'static [&'static str] {
        SQUASHED
    }
}
