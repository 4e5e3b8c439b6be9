//! A small legacy shop per backend, as a team adopting autogen has it: the
//! hand-written schema (`schema.sql`: varchar(n)/char(n)/numeric(p,s), a
//! domain or DATETIME/NUMERIC columns, now() defaults, plain, composite and
//! unique indexes, a store<->staff foreign-key cycle, a trigger, a view, a
//! tsvector column, rows) and the entities `sea-orm-cli 2.0.4 generate
//! entity --lib --with-serde none` writes for it, committed unedited
//! (`regenerate.sh` writes them again from the schemas; CI cannot install
//! sea-orm-cli in its time budget, so the output is committed; the same
//! files as the acceptance check `existing`, byte for byte). The MariaDB
//! entities (`mysql/sea_orm_cli/`) are text, not a module: they do not
//! compile (a MEDIUMINT UNSIGNED key became `ignore` + `String`); they and
//! `mysql/schema.sql` are read by the tests, and the `entity_writer` tests
//! write entities that do compile (`tests/src/written`).

pub mod postgres;
pub mod sqlite;

/// Registry prefix and schema of the PostgreSQL shop.
pub const POSTGRES: &str = "tests::legacy::postgres::*";
pub const POSTGRES_SQL: &str = include_str!("postgres/schema.sql");
/// Registry prefix and schema of the SQLite shop.
pub const SQLITE: &str = "tests::legacy::sqlite::*";
pub const SQLITE_SQL: &str = include_str!("sqlite/schema.sql");

/// The entity sources of a shop, to find the fields marked `ignore`.
pub const POSTGRES_SOURCES: &[&str] = &[
    include_str!("postgres/inventory.rs"),
    include_str!("postgres/payment.rs"),
    include_str!("postgres/product.rs"),
    include_str!("postgres/staff.rs"),
    include_str!("postgres/store.rs"),
];
pub const SQLITE_SOURCES: &[&str] = &[
    include_str!("sqlite/inventory.rs"),
    include_str!("sqlite/payment.rs"),
    include_str!("sqlite/product.rs"),
    include_str!("sqlite/staff.rs"),
    include_str!("sqlite/store.rs"),
];
/// The MariaDB shop's sea-orm-cli entities, as text (they do not compile).
pub const MYSQL_SQL: &str = include_str!("mysql/schema.sql");
pub const MYSQL_SOURCES: &[&str] = &[
    include_str!("mysql/sea_orm_cli/inventory.rs"),
    include_str!("mysql/sea_orm_cli/payment.rs"),
    include_str!("mysql/sea_orm_cli/product.rs"),
    include_str!("mysql/sea_orm_cli/staff.rs"),
    include_str!("mysql/sea_orm_cli/store.rs"),
];
