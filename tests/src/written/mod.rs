//! What `autogen entities` writes for the hand-written legacy shop databases
//! of `tests/src/legacy/<backend>/schema.sql` (store <-> staff foreign-key
//! cycle, char/varchar/numeric, a domain and tsvector on PostgreSQL,
//! unsigned and MEDIUMINT keys, YEAR and SET on MariaDB, NVARCHAR and
//! DATETIME on SQLite, defaults, ON UPDATE, plain, unique and composite
//! indexes, a trigger, a view). Generated, never edited: the
//! `entity_writer` tests check the writer still writes exactly these files
//! (`AUTOGEN_BLESS=1` rewrites them) and that, compiled, they describe the
//! legacy database with no change at all.

pub mod mysql;
pub mod pg;
pub mod pg_samples;
pub mod sqlite;
