//! Where the database stands: applied revisions against the code's list.

use std::collections::HashSet;

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use crate::RuntimeError;

/// sea-orm-migration's bookkeeping table.
pub const MIGRATION_TABLE: &str = "seaql_migrations";

/// Applied revisions (from the database) next to known ones (from the code).
#[derive(Clone, Debug)]
pub struct Status {
    /// Revisions in the code, in order.
    pub known: Vec<String>,
    /// Revisions recorded in the database, in the order they were applied.
    pub applied: Vec<String>,
}

impl Status {
    pub fn is_applied(&self, name: &str) -> bool {
        self.applied.iter().any(|a| a == name)
    }

    /// Known revisions that are not applied, in code order.
    pub fn pending(&self) -> Vec<&str> {
        let applied: HashSet<&str> = self.applied.iter().map(String::as_str).collect();
        self.known
            .iter()
            .map(String::as_str)
            .filter(|k| !applied.contains(k))
            .collect()
    }

    /// Applied revisions the code does not know.
    pub fn unknown_applied(&self) -> Vec<&str> {
        let known: HashSet<&str> = self.known.iter().map(String::as_str).collect();
        self.applied
            .iter()
            .map(String::as_str)
            .filter(|a| !known.contains(a))
            .collect()
    }

    pub fn check_known(&self) -> Result<(), RuntimeError> {
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
pub async fn read_status<M: MigratorTrait>(
    db: &DatabaseConnection,
) -> Result<Status, RuntimeError> {
    let known = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let applied = applied_versions(db).await?;
    Ok(Status { known, applied })
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

fn is_missing_table(e: &DbErr) -> bool {
    let text = e.to_string();
    text.contains("does not exist") // PostgreSQL 42P01
        || text.contains("no such table") // SQLite
        || text.contains("doesn't exist") // MySQL 1146
}
