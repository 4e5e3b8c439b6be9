use std::time::Duration;

use sea_orm_migration::DbErr;
use thiserror::Error;

use crate::config::ConfigError;

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
        reason: String,
    },
    #[error(
        "migration {name} failed after {} of its statements had run; MySQL/MariaDB commits each DDL statement, so they stay applied and the database is recorded at {previous}: {reason}. Statements that ran: {}. Fix the cause and run `autogen upgrade` (or boot the app) again: it resumes after them",
        ran.len(),
        ran.join("; ")
    )]
    PartlyApplied {
        name: String,
        previous: String,
        reason: String,
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
    Capacity(#[from] crate::capacity::CapacityError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}
