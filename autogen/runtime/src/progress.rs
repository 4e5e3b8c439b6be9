//! MySQL/MariaDB commits every DDL statement on its own, so a migration that
//! fails midway leaves its earlier statements applied and no transaction can
//! take them back. This makes that recoverable: the migration runs on a
//! connection that counts the statements it executes and records the count
//! in a table of our own, `autogen_progress` (one row per migration and
//! direction, deleted when the migration completes; `seaql_migrations` is
//! left as sea-orm-migration defines it). A failure reports the statements
//! that ran; the next attempt (`autogen upgrade`, or the app's boot) skips
//! that many statements and resumes with the next one. Migrations are code
//! that issue the same statements in the same order each time, as generated
//! ones do; queries (`SELECT`) are passed through and not counted.
//!
//! The counting connection is SeaORM's mock driver forwarding to the real
//! connection; the mock interface is synchronous, so each statement is run
//! with `block_in_place`, which needs tokio's multi-threaded runtime (the
//! app's and the CLI's). On a current-thread runtime the migration runs
//! untracked ([`can_track`]).

use std::sync::{Arc, Mutex, PoisonError};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use sea_orm_migration::{MigrationTrait, SchemaManager};

use crate::direction::Direction;
use crate::error::{Cause, DbErrorKind, db_error_kind};
use crate::recording::{self, Intercept, ReadThrough};

/// Our bookkeeping table of statements run by unfinished migrations.
pub const PROGRESS_TABLE: &str = "autogen_progress";

/// A tracked migration that failed: why, and the statements of this
/// attempt and earlier ones that ran (and stay applied).
#[derive(Debug)]
pub struct Failure {
    pub reason: Cause,
    /// Statements that ran, in order (those skipped as done by an earlier
    /// attempt are named as such).
    pub ran: Vec<String>,
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    }
}

/// The number of statements of `name` (`direction`) that earlier attempts ran.
pub async fn statements_done(
    db: &DatabaseConnection,
    name: &str,
    direction: Direction,
) -> Result<usize, DbErr> {
    ensure_table(db).await?;
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            format!(
                "SELECT CAST(statements AS SIGNED) AS n FROM `{PROGRESS_TABLE}` WHERE version = ? AND direction = ?"
            ),
            [name.into(), direction_name(direction).into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => usize::try_from(r.try_get::<i64>("", "n")?).unwrap_or_default(),
        None => 0,
    })
}

/// Migrations whose `up()` failed part-way and that no later attempt
/// finished: (name, statements that ran). Empty when the table is missing.
pub async fn unfinished(db: &DatabaseConnection) -> Result<Vec<(String, usize)>, DbErr> {
    let rows = match db
        .query_all_raw(Statement::from_string(
            DbBackend::MySql,
            format!(
                "SELECT version, CAST(statements AS SIGNED) AS n FROM `{PROGRESS_TABLE}` \
                 WHERE direction = 'up' AND statements > 0 ORDER BY version"
            ),
        ))
        .await
    {
        Ok(rows) => rows,
        // No such table (MySQL 1146): nothing ever failed here.
        Err(e) if db_error_kind(&e) == DbErrorKind::NoSuchTable => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String>("", "version")?,
                usize::try_from(r.try_get::<i64>("", "n")?).unwrap_or_default(),
            ))
        })
        .collect()
}

async fn ensure_table(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "CREATE TABLE IF NOT EXISTS `{PROGRESS_TABLE}` (version varchar(255) NOT NULL, \
         direction varchar(4) NOT NULL, statements int NOT NULL, \
         PRIMARY KEY (version, direction))"
    ))
    .await
    .map(|_| ())
}

async fn store(
    db: &DatabaseConnection,
    name: &str,
    direction: Direction,
    statements: usize,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::MySql,
        format!(
            "INSERT INTO `{PROGRESS_TABLE}` (version, direction, statements) VALUES (?, ?, ?) \
             ON DUPLICATE KEY UPDATE statements = VALUES(statements)"
        ),
        [
            name.into(),
            direction_name(direction).into(),
            i64::try_from(statements).unwrap_or(i64::MAX).into(),
        ],
    ))
    .await
    .map(|_| ())
}

/// Forget the progress of `name` (`direction`): it completed.
pub async fn clear(db: &DatabaseConnection, name: &str, direction: Direction) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::MySql,
        format!("DELETE FROM `{PROGRESS_TABLE}` WHERE version = ? AND direction = ?"),
        [name.into(), direction_name(direction).into()],
    ))
    .await
    .map(|_| ())
}

/// Whether statements can be tracked here (a multi-threaded tokio runtime).
pub fn can_track() -> bool {
    crate::recording::can_block()
}

/// Run `migration` (`direction`) statement by statement on `db`, skipping
/// the statements an earlier attempt ran and recording each one that runs.
pub async fn run_tracked(
    db: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), Failure> {
    let fail = |e: DbErr, ran: Vec<String>| Failure {
        reason: Cause::from(e),
        ran,
    };
    let name = migration.name().to_owned();
    let skip = statements_done(db, &name, direction)
        .await
        .map_err(|e| fail(e, Vec::new()))?;
    if skip > 0 {
        tracing::info!(
            "Resuming migration {name}: its first {skip} statement(s) ran in an earlier attempt and are skipped"
        );
    }
    let real = ReadThrough::new(db).ok_or_else(|| {
        fail(
            DbErr::Custom("statements are tracked on a multi-threaded runtime only".into()),
            Vec::new(),
        )
    })?;
    let ran = Arc::new(Mutex::new(Vec::new()));
    let conn = recording::connection(Tracker {
        real,
        name: name.clone(),
        direction,
        skip,
        seen: 0,
        ran: ran.clone(),
    });
    let result = direction.run(migration, &SchemaManager::new(&conn)).await;
    let ran = ran.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match result {
        Ok(()) => clear(db, &name, direction).await.map_err(|e| fail(e, ran)),
        Err(e) => Err(fail(e, ran)),
    }
}

/// The counting connection: runs each statement on the real connection.
/// MySQL commits DDL anyway; a migration's own transactions are not
/// reproduced on it.
#[derive(Debug)]
struct Tracker {
    real: ReadThrough,
    name: String,
    direction: Direction,
    /// Statements done by earlier attempts.
    skip: usize,
    /// Statements issued by this attempt so far (skipped ones included).
    seen: usize,
    ran: Arc<Mutex<Vec<String>>>,
}

impl Tracker {
    /// Remember a statement that ran, on one line (the error is one line).
    fn note(&self, line: String) {
        self.ran
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
}

impl Intercept for Tracker {
    fn backend(&self) -> DbBackend {
        DbBackend::MySql
    }

    fn execute(&mut self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let index = self.seen;
        self.seen += 1;
        let text = recording::one_line(&stmt);
        if index < self.skip {
            tracing::info!("Skipped (ran in an earlier attempt): {}", stmt);
            self.note(format!("{text} (in an earlier attempt)"));
            // A harmless statement gives an ExecResult of the right driver.
            return self
                .real
                .block_on(self.real.real().execute_unprepared("DO 0"));
        }
        let real = self.real.real().clone();
        let result = self.real.block_on(async move {
            if stmt.values.is_none() {
                real.execute_unprepared(&stmt.sql).await
            } else {
                real.execute_raw(stmt).await
            }
        })?;
        self.note(text);
        self.real.block_on(store(
            self.real.real(),
            &self.name,
            self.direction,
            index + 1,
        ))?;
        Ok(result)
    }

    fn query(&mut self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.real.query(stmt)
    }
}
