//! Entities in the format `sea-orm-cli generate entity` writes (one file
//! per table, `DeriveEntityModel` plus a `Relation` enum, no
//! `#[sea_orm::model]`), for SQLite: the PostgreSQL set without its array
//! columns (SQLite has no arrays; sea-query panics on them).

pub mod cake;
pub mod cake_filling;
pub mod filling;
pub mod fruit;
pub mod sea_orm_active_enums;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::classic_sqlite::*";
/// Tables the set declares.
pub const TABLES: usize = 4;
