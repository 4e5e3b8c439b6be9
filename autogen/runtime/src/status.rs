//! Where the database stands: applied revisions against the code's list,
//! and against the revisions `autogen squash` folded into the first one.

use std::collections::HashSet;

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use crate::RuntimeError;
pub use crate::bookkeeping::MIGRATION_TABLE;

/// Implemented by a workspace's `Migrator` to name the revisions that
/// `autogen squash` folded into its first migration (oldest first). The
/// default is "nothing was squashed".
pub trait Squashed {
    fn squashed() -> &'static [&'static str] {
        &[]
    }
}

/// Applied revisions (from the database) next to known ones (from the code).
#[derive(Clone, Debug)]
pub struct Status {
    /// Revisions in the code, in order.
    pub known: Vec<String>,
    /// Revisions recorded in the database, in the order they were applied.
    pub applied: Vec<String>,
    /// Revisions that `autogen squash` replaced by the first known one,
    /// oldest first (empty when nothing was ever squashed).
    pub squashed: Vec<String>,
}

/// What the squashed revisions recorded in the database mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SquashState<'a> {
    /// No squashed revision is recorded: nothing to reconcile.
    None,
    /// The database is at the squashed head: its schema is the one the
    /// squash base creates, so the next upgrade records the base as applied
    /// (and forgets the squashed rows) without running it.
    AtSquashedHead { base: &'a str, rows: Vec<&'a str> },
    /// Only part of the squashed history is applied: this build cannot bring
    /// the database forward, the release before the squash can.
    Behind {
        squashed_head: &'a str,
        current: &'a str,
    },
}

impl Status {
    /// Whether `name` counts as applied; the squash base does as soon as the
    /// database is at the squashed head, since its schema is already there.
    pub fn is_applied(&self, name: &str) -> bool {
        self.applied.iter().any(|a| a == name)
            || (self.squash_due() && self.known.first().is_some_and(|b| b == name))
    }

    /// Known revisions that are not applied, in code order.
    pub fn pending(&self) -> Vec<&str> {
        let mut applied: HashSet<&str> = self.applied.iter().map(String::as_str).collect();
        if let SquashState::AtSquashedHead { base, .. } = self.squash_state() {
            applied.insert(base);
        }
        self.known
            .iter()
            .map(String::as_str)
            .filter(|k| !applied.contains(k))
            .collect()
    }

    /// Applied revisions the code does not know (squashed ones are known).
    pub fn unknown_applied(&self) -> Vec<&str> {
        let known: HashSet<&str> = self
            .known
            .iter()
            .chain(self.squashed.iter())
            .map(String::as_str)
            .collect();
        self.applied
            .iter()
            .map(String::as_str)
            .filter(|a| !known.contains(a))
            .collect()
    }

    /// Squashed revisions recorded in the database (and not known on their own).
    fn squashed_rows(&self) -> Vec<&str> {
        let squashed: HashSet<&str> = self.squashed.iter().map(String::as_str).collect();
        let known: HashSet<&str> = self.known.iter().map(String::as_str).collect();
        self.applied
            .iter()
            .map(String::as_str)
            .filter(|a| squashed.contains(a) && !known.contains(a))
            .collect()
    }

    pub fn squash_state(&self) -> SquashState<'_> {
        let rows = self.squashed_rows();
        let (Some(last), Some(current)) = (self.squashed.last(), rows.last()) else {
            return SquashState::None;
        };
        match self.known.first() {
            Some(base) if rows.contains(&last.as_str()) => {
                SquashState::AtSquashedHead { base, rows }
            }
            _ => SquashState::Behind {
                squashed_head: last,
                current,
            },
        }
    }

    /// The database is at the squashed head and its bookkeeping still names
    /// the squashed revisions: the next upgrade records the base instead.
    pub fn squash_due(&self) -> bool {
        matches!(self.squash_state(), SquashState::AtSquashedHead { .. })
    }

    /// Fails when this build cannot work on the database: revisions applied
    /// that the code does not know, or a squashed history only partly applied.
    pub fn check_known(&self) -> Result<(), RuntimeError> {
        if let SquashState::Behind {
            squashed_head,
            current,
        } = self.squash_state()
        {
            return Err(RuntimeError::BehindSquash {
                current: current.to_owned(),
                squashed_head: squashed_head.to_owned(),
                base: self.known.first().cloned().unwrap_or_default(),
            });
        }
        let unknown = self.unknown_applied();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(RuntimeError::UnknownApplied(unknown.join(", ")))
        }
    }

    /// The last known revision that is applied (in code order).
    pub fn current(&self) -> Option<&str> {
        self.known
            .iter()
            .rev()
            .find(|k| self.is_applied(k))
            .map(String::as_str)
    }

    pub fn head(&self) -> Option<&str> {
        self.known.last().map(String::as_str)
    }

    pub fn at_head(&self) -> bool {
        self.pending().is_empty()
    }
}

/// Read the status in one query; a database without the bookkeeping table
/// has nothing applied.
pub async fn read_status<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
) -> Result<Status, RuntimeError> {
    let mut status = read_status_unsquashed::<M>(db).await?;
    status.squashed = M::squashed().iter().map(|s| (*s).to_owned()).collect();
    Ok(status)
}

/// The status of a migrator that does not declare squashed revisions.
pub(crate) async fn read_status_unsquashed<M: MigratorTrait>(
    db: &DatabaseConnection,
) -> Result<Status, RuntimeError> {
    let known = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let applied = applied_versions(db).await?;
    Ok(Status {
        known,
        applied,
        squashed: Vec::new(),
    })
}

pub(crate) async fn applied_versions<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<String>, RuntimeError> {
    let backend = db.get_database_backend();
    let sql = format!("SELECT version FROM {MIGRATION_TABLE} ORDER BY applied_at, version");
    match db.query_all_raw(Statement::from_string(backend, sql)).await {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                r.try_get::<String>("", "version")
                    .map_err(RuntimeError::from)
            })
            .collect(),
        Err(e) if is_missing_table(&e) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The bookkeeping table is missing (a fresh database), as opposed to being
/// there and unreadable (`column "version" does not exist` is not "no
/// migration applied": treating it so would run the whole history again).
pub(crate) fn is_missing_table(e: &DbErr) -> bool {
    // PostgreSQL 42P01 and MySQL 1146 by their code; SQLite reports it with
    // its generic SQLITE_ERROR, so only its message tells.
    crate::error::db_error_kind(e) == crate::error::DbErrorKind::NoSuchTable
        || (crate::error::db_code(e).as_deref() == Some("1")
            && e.to_string().contains("no such table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_table_is_an_empty_history() {
        // Read by code: text alone (here without a driver code) is not enough.
        let err = |m: &str| DbErr::Custom(m.to_owned());
        assert!(!is_missing_table(&err(
            "error returned from database: relation \"seaql_migrations\" does not exist"
        )));
        assert!(!is_missing_table(&err("no such table: seaql_migrations")));
        assert!(!is_missing_table(&err(
            "error returned from database: column \"version\" does not exist"
        )));
    }

    #[tokio::test]
    async fn sqlite_reports_a_missing_table_with_its_generic_code_and_is_read_so() {
        use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        let e = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT version FROM seaql_migrations",
            ))
            .await
            .expect_err("no such table");
        assert!(
            is_missing_table(&e),
            "{e} ({:?})",
            crate::error::db_code(&e)
        );
        db.execute_unprepared("CREATE TABLE seaql_migrations (v text)")
            .await
            .expect("create");
        let e = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT version FROM seaql_migrations",
            ))
            .await
            .expect_err("no such column");
        assert!(!is_missing_table(&e), "{e}");
    }

    fn status(known: &[&str], applied: &[&str], squashed: &[&str]) -> Status {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Status {
            known: owned(known),
            applied: owned(applied),
            squashed: owned(squashed),
        }
    }

    #[test]
    fn nothing_squashed_is_the_plain_status() {
        let s = status(&["a", "b"], &["a"], &[]);
        assert_eq!(s.squash_state(), SquashState::None);
        assert_eq!(s.pending(), vec!["b"]);
        assert_eq!(s.current(), Some("a"));
        assert!(s.check_known().is_ok());
    }

    #[test]
    fn at_the_squashed_head_the_base_counts_as_applied() {
        let s = status(&["base", "c"], &["x", "y"], &["x", "y"]);
        assert_eq!(
            s.squash_state(),
            SquashState::AtSquashedHead {
                base: "base",
                rows: vec!["x", "y"]
            }
        );
        assert!(s.squash_due());
        assert!(s.is_applied("base"));
        assert_eq!(s.pending(), vec!["c"]);
        assert_eq!(s.current(), Some("base"));
        assert!(s.unknown_applied().is_empty());
        assert!(s.check_known().is_ok());
    }

    #[test]
    fn part_way_through_the_squashed_history_is_refused() {
        let s = status(&["base"], &["x"], &["x", "y"]);
        assert_eq!(
            s.squash_state(),
            SquashState::Behind {
                squashed_head: "y",
                current: "x"
            }
        );
        let e = s.check_known().unwrap_err().to_string();
        assert!(e.contains("behind the squashed head y"), "{e}");
        assert!(e.contains("previous release"), "{e}");
        assert!(!s.is_applied("base"));
    }

    #[test]
    fn revisions_neither_known_nor_squashed_are_unknown() {
        let s = status(&["base"], &["y", "z"], &["x", "y"]);
        assert!(s.squash_due());
        assert_eq!(s.unknown_applied(), vec!["z"]);
        assert!(s.check_known().unwrap_err().to_string().contains("z"));
    }
}
