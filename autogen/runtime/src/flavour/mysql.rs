//! MySQL and MariaDB: each DDL statement commits by itself, the lock is
//! `GET_LOCK`, which is local to one server.

use super::{Capabilities, Flavour, LockKind, Probe, Registration};
use crate::config::Backend;

pub const CAPS: Capabilities = Capabilities {
    transactional_ddl: false,
    lock: LockKind::GetLock,
    concurrent_index: false,
    enum_add_value_in_transaction: false,
    instant_add_column: true,
    named_prepared_statements: true,
    session_state: true,
    writable: true,
    lock_timeout: false,
};

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "mysql",
        dialect: Backend::MySql,
        caps: CAPS,
        describe: "MySQL",
    },
    matches: |_: &Probe| true,
};

/// MariaDB (a standalone server: `wsrep_on` off or absent).
pub static MARIADB: Registration = Registration {
    flavour: Flavour {
        name: "mariadb",
        dialect: Backend::MySql,
        caps: CAPS,
        describe: "MariaDB",
    },
    matches: |p: &Probe| {
        p.version.to_ascii_lowercase().contains("mariadb")
            || p.version_comment.to_ascii_lowercase().contains("mariadb")
    },
};
