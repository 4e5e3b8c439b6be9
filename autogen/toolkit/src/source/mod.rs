//! Where schemas come from: the live database, and the entities.

mod cache;
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
    #[error("cannot build the entity schema in a scratch {place}: {reason}")]
    Materialize { place: &'static str, reason: String },
}

impl From<sea_orm_migration::DbErr> for SourceError {
    fn from(e: sea_orm_migration::DbErr) -> Self {
        SourceError::Introspect(e.to_string())
    }
}
