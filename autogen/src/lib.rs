//! Alembic-style schema autogeneration for SeaORM 2.x.
//!
//! Two halves. The runtime (`config`, `runtime`) connects, locks and applies
//! migrations: `app` links only this. The generator (feature `generator`)
//! compares SeaORM entities with the live database and writes reviewed,
//! reversible migration files.

pub mod config;
pub mod runtime;
