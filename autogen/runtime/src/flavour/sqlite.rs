//! SQLite: transactional DDL, one writer, a file lock beside the database.

use super::{Capabilities, Flavour, LockKind, Probe, Registration};
use crate::config::Backend;

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "sqlite",
        dialect: Backend::Sqlite,
        caps: Capabilities {
            transactional_ddl: true,
            lock: LockKind::FileLock,
            concurrent_index: false,
            enum_add_value_in_transaction: false,
            instant_add_column: true,
            named_prepared_statements: true,
            session_state: true,
            writable: true,
            lock_timeout: false,
        },
        describe: "SQLite",
    },
    matches: |_: &Probe| true,
};
