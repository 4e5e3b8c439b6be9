//! Flavours: what an engine allows, as opposed to how its SQL is spelled.
//!
//! A [`Backend`] is a dialect (PostgreSQL, MySQL, SQLite). A [`Flavour`] is
//! one engine or topology speaking that dialect (plain PostgreSQL, PgBouncer
//! in transaction pooling, a read-only standby, MariaDB, ...), described by
//! its [`Capabilities`]. The runtime (lock, apply, connect) asks those
//! capabilities, never the backend's or the flavour's name; the planners can
//! do the same offline with [`Capabilities::of`].
//!
//! The flavour of a live database is detected once per connection URL from a
//! small probe ([`Probe`]: `version()`, `pg_is_in_recovery()`,
//! `inet_server_port()`, `@@version_comment`, `@@wsrep_on`), or named by the
//! user (`AUTOGEN_FLAVOUR`, `[database] flavour` in `autogen.toml`).
//!
//! Adding a flavour: a file here with its `REGISTRATION`, and one line in
//! [`REGISTRY`]. Nothing else matches on flavour names.

mod galera;
mod mysql;
mod pgbouncer;
mod postgres;
mod probe;
mod sqlite;
mod standby;

pub(crate) use standby::wait_for_replay;

pub use probe::{
    Probe, detect, for_connection, for_url, for_url_within, lock_timeout_of, remember_lock_timeout,
};

use crate::config::Backend;

/// How the migration lock is taken on an engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockKind {
    /// `pg_advisory_lock` held by a dedicated session for the whole run.
    SessionAdvisory,
    /// `pg_advisory_xact_lock` taken inside each migration's own
    /// transaction, the bookkeeping re-read after it: for connections whose
    /// session is not ours between transactions (a transaction pooler).
    TransactionAdvisory,
    /// MySQL/MariaDB `GET_LOCK` held by a dedicated session (server-local).
    GetLock,
    /// A lock row with a lease in a table of our own, for clusters where
    /// session locks are local to one node (Galera).
    LeaseRow,
    /// An exclusive OS lock on a sidecar file (SQLite).
    FileLock,
}

/// What an engine allows. Plain data: each flavour states all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// DDL runs inside a transaction and rolls back with it (PostgreSQL,
    /// SQLite; not MySQL/MariaDB, which commit each DDL statement).
    pub transactional_ddl: bool,
    /// How the migration lock is taken.
    pub lock: LockKind,
    /// `CREATE INDEX CONCURRENTLY` (and `DROP INDEX CONCURRENTLY`).
    pub concurrent_index: bool,
    /// `ALTER TYPE ... ADD VALUE` inside a transaction block (PostgreSQL 12+;
    /// the new value is usable only after commit).
    pub enum_add_value_in_transaction: bool,
    /// `ADD COLUMN` without a table rewrite (MySQL 8.0.12+/MariaDB 10.3+
    /// `ALGORITHM=INSTANT`, PostgreSQL 11+ for constant defaults).
    pub instant_add_column: bool,
    /// Named prepared statements survive from one transaction to the next
    /// (false behind a transaction pooler: the next transaction may run on
    /// another server connection).
    pub named_prepared_statements: bool,
    /// A session (its settings, its session-level locks, statements outside
    /// a transaction) stays ours between transactions. False behind a
    /// transaction pooler; then non-transactional migrations need a direct
    /// connection.
    pub session_state: bool,
    /// The server accepts writes (false on a hot standby / read replica).
    pub writable: bool,
    /// `lock_timeout` bounds waits for table locks (PostgreSQL).
    pub lock_timeout: bool,
}

impl Capabilities {
    /// The capabilities of a dialect's plain engine, for offline planning
    /// (no connection): PostgreSQL, MySQL, SQLite as they come.
    pub fn of(backend: Backend) -> Self {
        Flavour::base(backend).caps
    }
}

/// One engine or topology of a dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flavour {
    /// The name users write (`AUTOGEN_FLAVOUR`, `[database] flavour`).
    pub name: &'static str,
    /// How its SQL is spelled.
    pub dialect: Backend,
    /// What it allows.
    pub caps: Capabilities,
    /// One line for logs, e.g. "PgBouncer (transaction pooling)".
    pub describe: &'static str,
}

/// A flavour and the rule that recognises it from a [`Probe`].
pub struct Registration {
    pub flavour: Flavour,
    /// Whether a probed server is this flavour. The registry is tried in
    /// order and the first match wins, so a dialect's plain flavour comes
    /// after its special ones and matches anything of its dialect.
    pub matches: fn(&Probe) -> bool,
}

/// Every flavour, most specific first within a dialect: the one list a new
/// flavour is added to.
pub static REGISTRY: &[&Registration] = &[
    &standby::REGISTRATION,
    &pgbouncer::REGISTRATION,
    &postgres::REGISTRATION,
    &galera::REGISTRATION,
    &mysql::MARIADB,
    &mysql::REGISTRATION,
    &sqlite::REGISTRATION,
];

impl Flavour {
    /// The plain flavour of a dialect (the last registered one of it).
    pub fn base(backend: Backend) -> &'static Flavour {
        REGISTRY
            .iter()
            .rev()
            .map(|r| &r.flavour)
            .find(|f| f.dialect == backend)
            .unwrap_or(match backend {
                Backend::Postgres => &postgres::REGISTRATION.flavour,
                Backend::MySql => &mysql::REGISTRATION.flavour,
                Backend::Sqlite => &sqlite::REGISTRATION.flavour,
            })
    }

    /// The flavour a probe shows: the first registration that matches.
    pub fn recognise(probe: &Probe) -> &'static Flavour {
        REGISTRY
            .iter()
            .find(|r| r.flavour.dialect == probe.dialect && (r.matches)(probe))
            .map(|r| &r.flavour)
            .unwrap_or_else(|| Flavour::base(probe.dialect))
    }

    /// The flavour named by a user for a database of `dialect`.
    pub fn named(name: &str, dialect: Backend) -> Result<&'static Flavour, FlavourError> {
        let name = name.trim();
        let found = REGISTRY
            .iter()
            .map(|r| &r.flavour)
            .find(|f| f.name.eq_ignore_ascii_case(name));
        match found {
            Some(f) if f.dialect == dialect => Ok(f),
            Some(f) => Err(FlavourError::WrongDialect {
                name: f.name,
                its: f.dialect,
                url: dialect,
            }),
            None => Err(FlavourError::Unknown {
                name: name.to_owned(),
                known: REGISTRY
                    .iter()
                    .map(|r| r.flavour.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Whether `migration` runs in a transaction of its own here: what the
    /// migration says, else whether DDL is transactional.
    pub fn transactional(&self, migration: &dyn sea_orm_migration::MigrationTrait) -> bool {
        migration
            .use_transaction()
            .unwrap_or(self.caps.transactional_ddl)
    }
}

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe)
    }
}

/// A flavour named by the user that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FlavourError {
    #[error(
        "AUTOGEN_FLAVOUR (or `[database] flavour`) is `{name}`, which is not a known flavour: use one of {known}"
    )]
    Unknown { name: String, known: String },
    #[error(
        "AUTOGEN_FLAVOUR (or `[database] flavour`) is `{name}`, a {its} flavour, but the database URL is {url}: remove the setting or fix the URL"
    )]
    WrongDialect {
        name: &'static str,
        its: Backend,
        url: Backend,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(dialect: Backend) -> Probe {
        Probe {
            dialect,
            ..Probe::default()
        }
    }

    #[test]
    fn every_dialect_has_a_plain_flavour_that_a_bare_probe_recognises() {
        for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
            let base = Flavour::base(backend);
            assert_eq!(base.dialect, backend);
            assert_eq!(Flavour::recognise(&probe(backend)), base, "{backend}");
            assert_eq!(Capabilities::of(backend), base.caps);
        }
        assert_eq!(Flavour::base(Backend::Postgres).name, "postgres");
        assert_eq!(Flavour::base(Backend::MySql).name, "mysql");
        assert_eq!(Flavour::base(Backend::Sqlite).name, "sqlite");
    }

    #[test]
    fn the_probe_decides_standby_pooler_and_mariadb() {
        let mut p = probe(Backend::Postgres);
        p.server_port = Some(5432);
        p.url_port = Some(6432);
        p.transaction_pooler = Some(true);
        assert_eq!(Flavour::recognise(&p).name, "pgbouncer");
        // HAProxy in front of PostgreSQL, or PgBouncer in session mode.
        p.transaction_pooler = Some(false);
        assert_eq!(Flavour::recognise(&p).name, "postgres");
        p.url_port = Some(5432);
        p.transaction_pooler = None;
        assert_eq!(Flavour::recognise(&p).name, "postgres");
        p.in_recovery = true;
        assert_eq!(Flavour::recognise(&p).name, "standby");
        let mut m = probe(Backend::MySql);
        m.version = "10.11.6-MariaDB-0+deb12u1".into();
        assert_eq!(Flavour::recognise(&m).name, "mariadb");
        m.version = "8.0.36".into();
        m.version_comment = "MySQL Community Server - GPL".into();
        assert_eq!(Flavour::recognise(&m).name, "mysql");
    }

    #[test]
    fn capabilities_say_what_each_engine_allows() {
        let pg = Flavour::named("postgres", Backend::Postgres).unwrap().caps;
        assert!(pg.transactional_ddl && pg.session_state && pg.writable);
        assert_eq!(pg.lock, LockKind::SessionAdvisory);
        let pooled = Flavour::named("pgbouncer", Backend::Postgres).unwrap().caps;
        assert_eq!(pooled.lock, LockKind::TransactionAdvisory);
        assert!(!pooled.session_state && !pooled.named_prepared_statements);
        assert!(
            !Flavour::named("standby", Backend::Postgres)
                .unwrap()
                .caps
                .writable
        );
        let my = Capabilities::of(Backend::MySql);
        assert!(!my.transactional_ddl && !my.concurrent_index);
        assert_eq!(my.lock, LockKind::GetLock);
        assert_eq!(Capabilities::of(Backend::Sqlite).lock, LockKind::FileLock);
    }

    #[test]
    fn a_named_flavour_must_exist_and_fit_the_url() {
        assert_eq!(
            Flavour::named(" PgBouncer ", Backend::Postgres)
                .unwrap()
                .name,
            "pgbouncer"
        );
        let e = Flavour::named("oracle", Backend::Postgres)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`oracle`") && e.contains("pgbouncer, postgres"),
            "{e}"
        );
        let e = Flavour::named("mariadb", Backend::Postgres)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a mysql flavour, but the database URL is postgres"),
            "{e}"
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|r| r.flavour.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "{names:?}");
    }
}
