//! Entities that live in a PostgreSQL schema of their own
//! (`#[sea_orm(schema_name = "ops")]`), referencing a table of the
//! connection's schema, with table and column comments.

pub mod job;
pub mod owner;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::pg_schemas::*";
