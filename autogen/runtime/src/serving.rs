//! The connection an application serves its requests through.
//!
//! On a server that keeps sessions it is the ordinary pool. Behind a
//! transaction pooler (PgBouncer `pool_mode = transaction`) a statement
//! must not be split across server connections, and sqlx splits each one in
//! two round trips (Parse/Describe, then Bind/Execute, each ended by a
//! Sync, after which the pooler may hand the client another server
//! connection). So there every statement runs in a transaction of its own,
//! which pins one server connection, and that transaction is committed (and
//! the commit awaited) before the statement's result is returned: a write
//! the caller was told about is committed, and the next request, on
//! whatever connection, sees it. The statement is unnamed (no `sqlx_s_N`
//! left on a server connection another client may get next). A transaction
//! the caller begins is sea-orm's own, started with `DEALLOCATE ALL`: its
//! statements are named by sqlx and must not meet those an earlier client
//! left on that server connection.
//!
//! Cost behind the pooler: four round trips per statement (`BEGIN`, Parse,
//! Bind/Execute, `COMMIT`) where a direct connection with sqlx's statement
//! cache needs one; numbers in BENCHMARKS.md ("PgBouncer vs direct boot").

use std::sync::Arc;

use sea_orm::error::ConnAcquireErr;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, RuntimeErr, Statement, TransactionError,
    TransactionOptions, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;

/// What a caller's own transaction begins with behind a transaction pooler.
const FORGET_PREPARED: &str = "DEALLOCATE ALL";

/// A cheap-to-clone handle to the serving pool: see the module's docs.
#[derive(Debug, Clone)]
pub struct ServingConnection {
    db: DatabaseConnection,
    /// Behind a transaction pooler: each statement in its own transaction.
    pinned: bool,
}

impl ServingConnection {
    /// Serve through `db` as it is (a server that keeps sessions).
    pub fn direct(db: DatabaseConnection) -> Self {
        Self { db, pinned: false }
    }

    /// Serve through a plain PostgreSQL pool behind a transaction pooler
    /// (no checkout hooks; sqlx's statement cache off).
    pub(crate) fn pinned(db: DatabaseConnection) -> Self {
        Self { db, pinned: true }
    }

    /// Whether each statement runs in a transaction of its own.
    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// The pool underneath.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }

    /// A transaction of its own on one pooled connection (`BEGIN`): the
    /// pooler pins one server connection to it until it ends.
    async fn pin(&self) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        self.db.get_postgres_connection_pool().begin().await
    }
}

/// `stmt` as sqlx runs it, unnamed: nothing is left prepared on the server.
fn unnamed(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values)).persistent(false)
}

/// End a pinned statement's transaction: committed (and the commit awaited)
/// when it ran, rolled back when it failed.
async fn finish<T>(
    tx: sqlx::Transaction<'static, Postgres>,
    ran: Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    match ran {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            // The rollback frees the server connection at once.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

fn exec_err(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        e => DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))),
    }
}

fn query_err(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => exec_err(e),
        e => DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))),
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for ServingConnection {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if !self.pinned {
            return self.db.execute_raw(stmt).await;
        }
        let mut tx = self.pin().await.map_err(exec_err)?;
        let ran = unnamed(&stmt).execute(&mut *tx).await;
        let done = finish(tx, ran).await.map_err(exec_err)?;
        Ok(done.into())
    }

    /// In the simple protocol: one message, one round trip, one implicit
    /// transaction, which a transaction pooler keeps on one server connection.
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if !self.pinned {
            return self.db.query_one_raw(stmt).await;
        }
        let mut tx = self.pin().await.map_err(query_err)?;
        let ran = unnamed(&stmt).fetch_optional(&mut *tx).await;
        let row = finish(tx, ran).await.map_err(query_err)?;
        Ok(row.map(QueryResult::from))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if !self.pinned {
            return self.db.query_all_raw(stmt).await;
        }
        let mut tx = self.pin().await.map_err(query_err)?;
        let ran = unnamed(&stmt).fetch_all(&mut *tx).await;
        let rows = finish(tx, ran).await.map_err(query_err)?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }
}

impl ServingConnection {
    /// A transaction of sea-orm's own; behind a transaction pooler it
    /// forgets what earlier clients prepared on its server connection.
    async fn started(&self, txn: DatabaseTransaction) -> Result<DatabaseTransaction, DbErr> {
        if self.pinned {
            txn.execute_unprepared(FORGET_PREPARED).await?;
        }
        Ok(txn)
    }
}

#[async_trait::async_trait]
impl TransactionTrait for ServingConnection {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.started(self.db.begin().await?).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.started(
            self.db
                .begin_with_config(isolation_level, access_mode)
                .await?,
        )
        .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.started(self.db.begin_with_options(options).await?)
            .await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.transaction_with_config(callback, None, None).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = self
            .begin_with_config(isolation_level, access_mode)
            .await
            .map_err(TransactionError::Connection)?;
        match callback(&txn).await {
            Ok(value) => {
                txn.commit().await.map_err(TransactionError::Connection)?;
                Ok(value)
            }
            Err(e) => {
                txn.rollback().await.map_err(TransactionError::Connection)?;
                Err(TransactionError::Transaction(e))
            }
        }
    }
}
