//! PostgreSQL behind a transaction pooler (PgBouncer `pool_mode =
//! transaction`): each transaction may run on another server connection,
//! so nothing of a session survives a commit: no session advisory lock, no
//! `SET`, no named prepared statement, no statement outside a transaction
//! that must see the previous one's session.
//!
//! Recognised by `inet_server_port()` (the port the server listens on)
//! differing from the URL's port (the client talks to something that
//! forwards), and then by asking PgBouncer's admin console (the database
//! `pgbouncer` at the same address): PostgreSQL behind a TCP proxy
//! (HAProxy, a port mapping) says there is no such database and stays
//! `postgres`; PgBouncer's `SHOW CONFIG` in `pool_mode = session` does too.
//! A console that refuses this user leaves the safe answer, a pooler
//! (the transaction-scoped lock works on a direct connection too, but
//! non-transactional migrations are refused): set `AUTOGEN_FLAVOUR` there.

use super::{Capabilities, Flavour, LockKind, Probe, Registration, postgres};
use crate::config::Backend;

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "pgbouncer",
        dialect: Backend::Postgres,
        caps: Capabilities {
            lock: LockKind::TransactionAdvisory,
            named_prepared_statements: false,
            session_state: false,
            ..postgres::CAPS
        },
        describe: "PostgreSQL through a transaction pooler (PgBouncer)",
    },
    matches: |p: &Probe| p.transaction_pooler == Some(true),
};
