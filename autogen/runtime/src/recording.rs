//! The one recording connection: SeaORM's mock driver behind a small trait,
//! for code that must see what a migration sends (its checksum, the locks
//! it would take, MySQL's statement counting, the toolkit's `--sql`).
//!
//! `SchemaManager` takes only a real `DatabaseConnection`; the mock driver
//! is the one way to put our own code behind one. What each recorder does
//! with a statement is an [`Intercept`]; the rest of the driver's interface
//! (transaction log, ping, the backend) is written here once. Reads can go
//! through to a real database ([`ReadThrough`]): the mock interface is
//! synchronous, so each one runs with `block_in_place`, which needs tokio's
//! multi-threaded runtime.

use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::{
    DatabaseConnectionType, MockDatabase, MockDatabaseConnection, MockDatabaseTrait,
    MockExecResult, Transaction,
};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

/// What a recording connection does with what is sent to it.
pub trait Intercept: Send + Debug + 'static {
    /// The backend statements are built for.
    fn backend(&self) -> DbBackend;

    /// A statement that changes the database.
    fn execute(&mut self, stmt: Statement) -> Result<ExecResult, DbErr>;

    /// A query; by default it finds no rows.
    fn query(&mut self, _stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        Ok(Vec::new())
    }

    /// A migration's own transactions; by default not reproduced.
    fn begin(&mut self) {}
    fn commit(&mut self) {}
    fn rollback(&mut self) {}
}

/// `intercept` as a `DatabaseConnection` (SeaORM's mock driver).
pub fn connection(intercept: impl Intercept) -> DatabaseConnection {
    DatabaseConnectionType::MockDatabaseConnection(Arc::new(MockDatabaseConnection::new(Mock(
        intercept,
    ))))
    .into()
}

#[derive(Debug)]
struct Mock<I>(I);

impl<I: Intercept> MockDatabaseTrait for Mock<I> {
    fn execute(&mut self, _counter: usize, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.execute(stmt)
    }

    fn query(&mut self, _counter: usize, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.0.query(stmt)
    }

    fn begin(&mut self) {
        self.0.begin();
    }

    fn commit(&mut self) {
        self.0.commit();
    }

    fn rollback(&mut self) {
        self.0.rollback();
    }

    fn drain_transaction_log(&mut self) -> Vec<Transaction> {
        Vec::new()
    }

    fn get_database_backend(&self) -> DbBackend {
        self.0.backend()
    }

    fn ping(&self) -> Result<(), DbErr> {
        Ok(())
    }
}

/// The result of a statement that was recorded, not run: no rows affected
/// (the mock driver's own kind, so `last_insert_id` answers 0 too).
pub fn nothing_done(backend: DbBackend, stmt: Statement) -> Result<ExecResult, DbErr> {
    MockDatabase::new(backend)
        .append_exec_results([MockExecResult {
            last_insert_id: 0,
            rows_affected: 0,
        }])
        .execute(0, stmt)
}

/// A statement on one line, values inlined.
pub fn one_line(stmt: &Statement) -> String {
    stmt.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A real connection reached from the synchronous mock interface.
#[derive(Clone, Debug)]
pub struct ReadThrough {
    real: DatabaseConnection,
    handle: tokio::runtime::Handle,
}

impl ReadThrough {
    /// Through `real`; `None` off a multi-threaded tokio runtime.
    pub fn new(real: &DatabaseConnection) -> Option<Self> {
        can_block().then(|| Self {
            real: real.clone(),
            handle: tokio::runtime::Handle::current(),
        })
    }

    pub fn real(&self) -> &DatabaseConnection {
        &self.real
    }

    /// Run `f` to completion from synchronous code.
    pub fn block_on<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        tokio::task::block_in_place(|| self.handle.block_on(f))
    }

    /// A query answered by the real database.
    pub fn query(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let real = self.real.clone();
        self.block_on(async move { real.query_all_raw(stmt).await })
    }
}

/// Whether [`ReadThrough`] can work here (a multi-threaded tokio runtime).
pub fn can_block() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// The statements a recording executed, shared with whoever reads them.
pub type Executed = Arc<Mutex<Vec<Statement>>>;

/// The plain recording: keeps every executed statement and runs none;
/// queries see no rows, or the real database's with [`Recording::reading_through`].
#[derive(Debug)]
pub struct Recording {
    backend: DbBackend,
    executed: Executed,
    reads: Option<ReadThrough>,
}

impl Recording {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            executed: Arc::default(),
            reads: None,
        }
    }

    /// Answer queries from the real database.
    pub fn reading_through(mut self, reads: ReadThrough) -> Self {
        self.reads = Some(reads);
        self
    }

    /// The statements recorded (shared: read them after the run).
    pub fn executed(&self) -> Executed {
        Arc::clone(&self.executed)
    }
}

/// Everything `executed` holds, emptying it.
pub fn take(executed: &Executed) -> Vec<Statement> {
    std::mem::take(&mut *executed.lock().unwrap_or_else(PoisonError::into_inner))
}

impl Intercept for Recording {
    fn backend(&self) -> DbBackend {
        self.backend
    }

    fn execute(&mut self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.executed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(stmt.clone());
        nothing_done(self.backend, stmt)
    }

    fn query(&mut self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.reads {
            Some(reads) => reads.query(stmt),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_recording_keeps_what_is_executed_and_answers_queries_with_no_rows() {
        let recording = Recording::new(DbBackend::Postgres);
        let executed = recording.executed();
        let conn = connection(recording);
        let done = conn
            .execute_unprepared("CREATE TABLE \"a\" (\n  \"id\" integer\n)")
            .await
            .expect("recorded");
        assert_eq!(done.rows_affected(), 0);
        let rows = conn
            .query_all_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
            .await
            .expect("answered");
        assert!(rows.is_empty());
        let statements = take(&executed);
        assert_eq!(statements.len(), 1);
        assert_eq!(
            one_line(&statements[0]),
            "CREATE TABLE \"a\" ( \"id\" integer )"
        );
        assert!(take(&executed).is_empty());
    }

    #[test]
    fn reads_cannot_go_through_off_a_multi_threaded_runtime() {
        assert!(!can_block());
    }
}
