//! Plain PostgreSQL: a writable server reached directly (or through a
//! session pooler, which keeps a session ours for as long as we hold it).

use super::{Capabilities, Flavour, LockKind, Probe, Registration};
use crate::config::Backend;

pub const CAPS: Capabilities = Capabilities {
    transactional_ddl: true,
    lock: LockKind::SessionAdvisory,
    concurrent_index: true,
    enum_add_value_in_transaction: true,
    instant_add_column: true,
    named_prepared_statements: true,
    session_state: true,
    writable: true,
    lock_timeout: true,
};

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "postgres",
        dialect: Backend::Postgres,
        caps: CAPS,
        describe: "PostgreSQL",
    },
    matches: |_: &Probe| true,
};
