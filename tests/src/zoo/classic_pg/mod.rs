//! Entities in the format `sea-orm-cli generate entity` writes (one file
//! per table, `DeriveEntityModel` plus a `Relation` enum, no
//! `#[sea_orm::model]`), for PostgreSQL: a composite primary key, a native
//! enum, `Vec<String>` and `Vec<i16>` arrays, a foreign key with actions and
//! a unique column.

pub mod cake;
pub mod cake_filling;
pub mod filling;
pub mod fruit;
pub mod sea_orm_active_enums;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::classic_pg::*";
/// Tables the set declares.
pub const TABLES: usize = 4;
