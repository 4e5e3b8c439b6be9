//! One module per command, each with a `run` that does the work and prints
//! the result. What several commands share sits one level up: `compare`
//! (entities against the database), `status` (where the database is) and
//! `session` (connection and migration lock of the commands that write).

pub mod adopt;
pub mod check;
pub mod current;
pub mod diff;
pub mod downgrade;
pub mod entities;
pub mod fleet;
pub mod generate;
pub mod harness;
pub mod heads;
pub mod history;
pub mod init;
pub mod lint;
pub mod man;
pub mod merge;
pub mod repair;
pub mod reset;
pub mod revision;
pub mod sql;
pub mod squash;
pub mod stamp;
pub mod upgrade;
pub mod validate;
