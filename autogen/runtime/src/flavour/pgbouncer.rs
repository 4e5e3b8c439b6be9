//! PostgreSQL behind a transaction pooler (PgBouncer `pool_mode =
//! transaction`): each transaction may run on another server connection,
//! so nothing of a session survives a commit: no session advisory lock, no
//! `SET`, no named prepared statement, no statement outside a transaction
//! that must see the previous one's session.
//!
//! Recognised by `inet_server_port()` (the port the server listens on)
//! differing from the URL's port: the client talks to something else that
//! forwards. A plain port mapping (a container's 5432 published as 5433)
//! looks the same; it is then treated as a pooler, which is safe (the
//! transaction-scoped lock works on a direct connection too) but refuses
//! non-transactional migrations: set `AUTOGEN_FLAVOUR=postgres` there.

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
    matches: |p: &Probe| matches!((p.server_port, p.url_port), (Some(s), Some(u)) if s != u),
};
