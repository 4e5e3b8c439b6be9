//! Where schemas come from: the live database, and the entities.

pub(crate) mod cache;
pub use cache::set_dir as set_cache_dir;
pub mod database;
pub mod entities;
pub mod ignored;
mod incremental;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("cannot read the database schema: {0}")]
    Introspect(String),
    #[error("cannot read the database schema: {0}")]
    Db(#[from] sea_orm_migration::DbErr),
    #[error("cannot build the entity schema in a scratch {place}: {reason}")]
    Materialize { place: &'static str, reason: String },
}
