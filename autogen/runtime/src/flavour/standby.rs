//! A PostgreSQL hot standby (streaming replica, `pg_is_in_recovery()`):
//! it serves reads and refuses every write, so nothing is migrated there;
//! the app waits for the primary's history to arrive by replication.

use super::{Capabilities, Flavour, Probe, Registration, postgres};
use crate::config::Backend;

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "standby",
        dialect: Backend::Postgres,
        caps: Capabilities {
            writable: false,
            ..postgres::CAPS
        },
        describe: "a read-only PostgreSQL standby (in recovery)",
    },
    matches: |p: &Probe| p.in_recovery,
};
