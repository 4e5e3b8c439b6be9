//! The runtime's errors, and how driver errors are read: by their code
//! (PostgreSQL's SQLSTATE, MySQL's error number), never by their English text.

use std::time::Duration;

use sea_orm_migration::DbErr;
use thiserror::Error;

use crate::config::ConfigError;
use crate::flavour::FlavourError;

/// Everything that can go wrong at run time, each with a sentence a user can act on.
#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot connect to the database at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error(
        "the migration lock is held by another process for more than {0:?}: wait for it to finish, or raise --lock-timeout"
    )]
    LockTimeout(Duration),
    #[error("cannot take the migration lock: {0}")]
    Lock(String),
    #[error(
        "the database has migration(s) {0} applied that this build does not contain: deploy the build that has them, or `autogen stamp` the database to a known revision"
    )]
    UnknownApplied(String),
    #[error(
        "the database is behind the squashed head {squashed_head}: it is at {current}, and the migrations up to {squashed_head} were squashed into {base}; upgrade it to {squashed_head} with the previous release first"
    )]
    BehindSquash {
        current: String,
        squashed_head: String,
        base: String,
    },
    #[error("unknown revision `{0}`: run `autogen history` to list the revisions")]
    UnknownRevision(String),
    #[error("revision prefix `{prefix}` is ambiguous: it matches {matches}; give more of the name")]
    AmbiguousRevision { prefix: String, matches: String },
    #[error(
        "revision {target} is behind the current revision {current}: use `autogen downgrade {target}` to go back"
    )]
    TargetBehind { target: String, current: String },
    #[error(
        "revision {target} is ahead of the current revision {current}: use `autogen upgrade {target}` to go forward"
    )]
    TargetAhead { target: String, current: String },
    #[error(
        "cannot stamp {step:+}: the database is at {current} and only {available} revision(s) lie in that direction; stamp `head`, `base` or a revision name instead"
    )]
    StampOutOfRange {
        step: i64,
        current: String,
        available: usize,
    },
    #[error(
        "migration {name} failed and was rolled back, the database stays at {previous}: {reason}"
    )]
    MigrationFailed {
        name: String,
        previous: String,
        #[source]
        reason: Cause,
    },
    #[error(
        "migration {name} failed after {} of its statements had run; MySQL/MariaDB commits each DDL statement, so they stay applied and the database is recorded at {previous}: {reason}. Statements that ran: {}. Fix the cause and run `autogen upgrade` (or boot the app) again: it resumes after them",
        ran.len(),
        ran.join("; ")
    )]
    PartlyApplied {
        name: String,
        previous: String,
        #[source]
        reason: Cause,
        ran: Vec<String>,
    },
    #[error(
        "migration {name} is partly applied ({ran} of its statements ran before it failed): finish it with `autogen upgrade` (it resumes after them) before rolling anything back"
    )]
    Unfinished { name: String, ran: usize },
    #[error("migration {name} has no down(): it cannot be rolled back")]
    Irreversible { name: String },
    #[error(
        "applied migration(s) edited since they ran: {}; their statements differ from the ones recorded when they were applied. Undo the edit (a change belongs in a new migration), or run `autogen repair --yes` if it was deliberate",
        .0.iter().map(|m| format!("{m} ({m}.rs)")).collect::<Vec<_>>().join(", ")
    )]
    Edited(Vec<String>),
    #[error("AUTOGEN_ON_EDITED (or `on_edited`) is `{0}`: use `refuse` or `warn`")]
    BadOnEdited(String),
    #[error(transparent)]
    Flavour(#[from] FlavourError),
    #[error(
        "the database at {url} is {flavour}: nothing is migrated there; migrate the primary (its own URL), the standby follows by replication"
    )]
    ReadOnly { url: String, flavour: String },
    #[error(
        "the read-only standby is at {current}, {pending} migration(s) behind this build's head {head}, after waiting {waited:?}: migrate the primary (or raise STANDBY_WAIT_SECS)"
    )]
    StandbyBehind {
        current: String,
        head: String,
        pending: usize,
        waited: Duration,
    },
    #[error(
        "migration {name} runs outside a transaction, which needs a session of its own, and {url} is a transaction pooler (each transaction may run on another server connection): set DIRECT_DATABASE_URL (or `[database] direct_url` in autogen.toml) to the server's own address for migrations"
    )]
    NeedsSession { name: String, url: String },
    #[error(
        "not running migration {next}: after {waited:?} these standbys have still not replayed the primary's WAL up to {lsn} (what it wrote up to {previous}): {standbys}; check their replication, or raise AUTOGEN_WAIT_FOR_STANDBYS"
    )]
    StandbysBehind {
        previous: String,
        next: String,
        lsn: String,
        standbys: String,
        waited: Duration,
    },
    #[error(
        "AUTOGEN_WAIT_FOR_STANDBYS is `{0}`: give the most seconds to wait for standbys before each migration, e.g. 30 (0: do not wait)"
    )]
    BadWaitForStandbys(String),
    #[error(transparent)]
    Capacity(#[from] CapacityError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Why a migration failed, shown on one line: the driver's error (kept
/// whole as the error's source, shown without prefixes or positions) or a
/// sentence of ours.
#[derive(Debug, Error)]
pub enum Cause {
    #[error("{}", one_line(.0))]
    Db(#[source] Box<DbErr>),
    #[error("{0}")]
    Said(String),
}

impl From<DbErr> for Cause {
    fn from(e: DbErr) -> Self {
        Self::Db(Box::new(e))
    }
}

impl Cause {
    /// The kind of driver error it is ([`DbErrorKind::Other`] for ours).
    pub fn kind(&self) -> DbErrorKind {
        match self {
            Self::Db(e) => db_error_kind(e),
            Self::Said(_) => DbErrorKind::Other,
        }
    }
}

/// What a driver error is, read from its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbErrorKind {
    /// A lock wait gave up: PostgreSQL `55P03` (lock_not_available, what
    /// `lock_timeout` raises), MySQL 1205 (lock wait timeout).
    LockTimeout,
    /// A write on a read-only server: PostgreSQL `25006`, MySQL 1290/1836.
    ReadOnly,
    /// No such table: PostgreSQL `42P01`, MySQL 1146.
    NoSuchTable,
    /// Anything else.
    Other,
}

/// The SQLSTATE (PostgreSQL, SQLite's extended code) or error number
/// (MySQL) the driver returned with `e`, if it came from the database.
pub fn db_code(e: &DbErr) -> Option<String> {
    use sea_orm::RuntimeErr;
    let runtime = match e {
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return None,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return None;
    };
    match sqlx.as_ref() {
        sea_orm::sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
                return Some(my.number().to_string());
            }
            db.code().map(|c| c.into_owned())
        }
        _ => None,
    }
}

/// The kind of a driver error, from its code.
pub fn db_error_kind(e: &DbErr) -> DbErrorKind {
    match db_code(e).as_deref() {
        Some("55P03" | "1205") => DbErrorKind::LockTimeout,
        Some("25006" | "1290" | "1836") => DbErrorKind::ReadOnly,
        Some("42P01" | "1146") => DbErrorKind::NoSuchTable,
        _ => DbErrorKind::Other,
    }
}

/// A driver error on one line, without the URL (which may hold a password).
pub(crate) fn one_line(e: &DbErr) -> String {
    let text = e.to_string();
    let text = text
        .strip_prefix("Connection Error: ")
        .or_else(|| text.strip_prefix("Execution Error: "))
        .or_else(|| text.strip_prefix("Query Error: "))
        .unwrap_or(&text);
    let text = text
        .strip_prefix("error returned from database: ")
        .unwrap_or(text);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // sqlx appends PostgreSQL's own source position ("at line 1454"): noise to a user.
    if let [.., at, line, n] = words.as_slice()
        && *at == "at"
        && *line == "line"
        && n.parse::<u32>().is_ok()
    {
        words.truncate(words.len() - 3);
    }
    let line = words.join(" ");
    if db_code(e).as_deref() == Some("53200") || line == "out of shared memory" {
        // PostgreSQL's hint (not in sqlx's message) is what the user needs.
        return format!(
            "{line}: the migration takes more locks in one transaction than the server allows; raise max_locks_per_transaction (server restart) or split the migration"
        );
    }
    line
}

/// A migration that cannot fit in the lock table.
#[derive(Debug, Error)]
#[error(
    "migration {name} was not run: it creates or drops {tables} tables in one transaction, about {need} locks, and the server's lock table holds {capacity} (max_locks_per_transaction = {per_transaction} × (max_connections + max_prepared_transactions = {slots})); raise max_locks_per_transaction to at least {suggest} in postgresql.conf and restart the server, or split the migration"
)]
pub struct CapacityError {
    pub name: String,
    pub tables: usize,
    pub need: u64,
    pub capacity: u64,
    pub per_transaction: u64,
    pub slots: u64,
    pub suggest: u64,
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::RuntimeErr;

    use super::*;

    fn exec(text: &str) -> DbErr {
        DbErr::Exec(RuntimeErr::Internal(text.into()))
    }

    #[test]
    fn one_line_drops_prefixes_and_positions_and_explains_lock_exhaustion() {
        let e = exec("error returned from database: relation \"x\" does not exist at line 12");
        assert_eq!(one_line(&e), "relation \"x\" does not exist");
        let e = exec("error returned from database: out of shared memory");
        assert!(
            one_line(&e).contains("raise max_locks_per_transaction"),
            "{}",
            one_line(&e)
        );
    }

    #[test]
    fn an_error_without_a_database_code_is_of_no_kind() {
        assert_eq!(db_code(&exec("lock timeout")), None);
        assert_eq!(
            db_error_kind(&exec("canceling statement due to lock timeout")),
            DbErrorKind::Other
        );
    }
}
