//! A connection that records what would be run instead of running it: the
//! one recorder of the toolkit, with two faces.
//!
//! - As a `ConnectionTrait`, for the entity side: `SchemaBuilder::apply` is
//!   generic over it, so recording through it captures exactly the DDL
//!   SeaORM would send, rendered for the user's own backend only. It also
//!   keeps every `CREATE TABLE` as the sea-query statement itself: what the
//!   SQL of a backend cannot carry (comments on PostgreSQL, the
//!   `renamed_from` marker, the schema a table lives in) is read from there,
//!   never from a rendering for another backend.
//! - Behind the runtime's recording connection (SeaORM's mock driver), for
//!   offline SQL (`upgrade --sql`): `SchemaManager` only accepts a real
//!   `DatabaseConnection` ([`Recorder::into_connection`]). Queries are logged and see no rows,
//!   except `SchemaManager`'s existence questions, answered from an
//!   assumed schema when one is given ([`Recorder::assuming`]).
//!
//! sea-query panics (`unimplemented!`) when asked to render a type its
//! backend has no spelling for. Known cases are refused before rendering
//! with one sentence naming the table and column; any other panic inside a
//! rendering becomes an error too, so none reaches the user.

use std::any::TypeId;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, Once};

use autogen_runtime::recording::{self, Intercept};
use sea_orm_migration::sea_orm::{
    self, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, MockDatabaseTrait,
    QueryResult, Statement, StatementBuilder,
};
use sea_orm_migration::sea_query::{ColumnType, TableCreateStatement, TableName, TableRef};

use crate::assumed::Assumed;

/// One line of a recording.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "sql", rename_all = "snake_case")]
pub enum Recorded {
    /// A statement that changes the database, values inlined.
    Execute(String),
    /// A query sent to decide something; a recording answers it with no rows.
    Query(String),
    /// One of `SchemaManager`'s existence questions, answered from the
    /// schema the recording assumes (see [`crate::offline::Assumed`]):
    /// the question, the answer and what it rests on, in words.
    Answered(String),
}

/// The lines a recorder wrote, shared with whoever holds the connection.
pub type Log = Arc<Mutex<Vec<Recorded>>>;

/// A connection that records every statement sent to it instead of running it.
#[derive(Debug)]
pub struct Recorder {
    backend: DbBackend,
    log: Log,
    tables: Mutex<Vec<TableCreateStatement>>,
    /// Transaction nesting, for `BEGIN`/`SAVEPOINT` lines (mock face).
    depth: usize,
    /// The schema existence questions are answered from (mock face); none:
    /// every query finds no rows.
    assumed: Option<Shared>,
}

/// An assumed schema, shared by the recorders of one script so that a
/// migration's questions see what the earlier ones created.
pub type Shared = Arc<Mutex<Assumed>>;

impl Recorder {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            log: Arc::new(Mutex::new(Vec::new())),
            tables: Mutex::new(Vec::new()),
            depth: 0,
            assumed: None,
        }
    }

    /// Answer `SchemaManager`'s existence questions from `assumed`, and
    /// keep it up to date with the DDL recorded.
    pub fn assuming(mut self, assumed: Shared) -> Self {
        self.assumed = Some(assumed);
        self
    }

    fn push(&self, line: Recorded) {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }

    /// The log this recorder writes to.
    pub fn log(&self) -> Log {
        Arc::clone(&self.log)
    }

    /// The recorder as a `DatabaseConnection` (SeaORM's mock driver), for
    /// code that takes nothing else, such as `SchemaManager`.
    pub fn into_connection(self) -> DatabaseConnection {
        recording::connection(self)
    }

    /// The recorded statements as SQL text, values inlined.
    pub fn take_sql(&self) -> Vec<String> {
        take(&self.log)
            .into_iter()
            .map(|line| match line {
                Recorded::Execute(sql) | Recorded::Query(sql) | Recorded::Answered(sql) => sql,
            })
            .collect()
    }

    /// The `CREATE TABLE` statements recorded, as sea-query built them.
    pub fn take_tables(&self) -> Vec<TableCreateStatement> {
        let mut guard = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *guard)
    }
}

/// Everything recorded so far, emptying the log.
pub fn take(log: &Log) -> Vec<Recorded> {
    std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()))
}

#[async_trait::async_trait]
impl ConnectionTrait for Recorder {
    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    async fn execute<S: StatementBuilder>(&self, stmt: &S) -> Result<ExecResult, DbErr> {
        let table = as_table_create(stmt);
        if let Some(table) = table {
            check_backend_holds(table, self.backend).map_err(DbErr::Custom)?;
            self.tables
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(table.clone());
        }
        let built = render(|| self.backend.build(stmt)).map_err(|panic| {
            DbErr::Custom(match table {
                Some(t) => format!(
                    "SeaORM cannot render entity table {}{} for {}: {panic}",
                    table_name(t),
                    failing_column(t, self.backend)
                        .map(|c| format!(" column {c}"))
                        .unwrap_or_default(),
                    backend_name(self.backend)
                ),
                None => format!(
                    "SeaORM cannot render a statement for {}: {panic}",
                    backend_name(self.backend)
                ),
            })
        })?;
        self.execute_raw(built).await
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.push(Recorded::Execute(stmt.to_string()));
        Ok(no_rows_affected())
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.push(Recorded::Execute(sql.to_owned()));
        Ok(no_rows_affected())
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.push(Recorded::Query(stmt.to_string()));
        Ok(None)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.push(Recorded::Query(stmt.to_string()));
        Ok(Vec::new())
    }
}

fn no_rows_affected() -> ExecResult {
    sea_orm::sqlx::postgres::PgQueryResult::default().into()
}

impl Intercept for Recorder {
    fn backend(&self) -> DbBackend {
        self.backend
    }

    fn execute(&mut self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let sql = stmt.to_string();
        if let Some(assumed) = &self.assumed {
            assumed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .track(&sql, self.backend);
        }
        self.push(Recorded::Execute(sql));
        Ok(no_rows_affected())
    }

    fn query(&mut self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let answered = self.assumed.as_ref().and_then(|assumed| {
            let assumed = assumed.lock().unwrap_or_else(|p| p.into_inner());
            assumed.answer(&stmt).map(|a| (a, assumed.source.clone()))
        });
        let Some((answer, source)) = answered else {
            self.push(Recorded::Query(stmt.to_string()));
            return Ok(Vec::new());
        };
        self.push(Recorded::Answered(format!(
            "{} answered {} from the schema assumed ({source}, with the statements above)",
            answer.question, answer.answer
        )));
        // One row, `has_table`/`has_column`/`has_index` = the answer, built
        // by SeaORM's own mock (its rows cannot be made otherwise).
        let column = answer
            .question
            .split('(')
            .next()
            .unwrap_or_default()
            .to_owned();
        let row = std::collections::BTreeMap::from([(column, sea_orm::Value::from(answer.answer))]);
        sea_orm::MockDatabase::new(self.backend)
            .append_query_results([[row]])
            .query(0, stmt)
    }

    // A migration that manages its own transactions (`use_transaction() ==
    // Some(false)` and `manager.begin()`) gets them in the script too.
    fn begin(&mut self) {
        self.depth += 1;
        let sql = if self.depth == 1 {
            "BEGIN".to_owned()
        } else {
            format!("SAVEPOINT autogen_{}", self.depth)
        };
        self.push(Recorded::Execute(sql));
    }

    fn commit(&mut self) {
        let sql = if self.depth <= 1 {
            "COMMIT".to_owned()
        } else {
            format!("RELEASE SAVEPOINT autogen_{}", self.depth)
        };
        self.depth = self.depth.saturating_sub(1);
        self.push(Recorded::Execute(sql));
    }

    fn rollback(&mut self) {
        let sql = if self.depth <= 1 {
            "ROLLBACK".to_owned()
        } else {
            format!("ROLLBACK TO SAVEPOINT autogen_{}", self.depth)
        };
        self.depth = self.depth.saturating_sub(1);
        self.push(Recorded::Execute(sql));
    }
}

/// `stmt` as a `CREATE TABLE` statement, when it is one.
fn as_table_create<S: StatementBuilder>(stmt: &S) -> Option<&TableCreateStatement> {
    // `S` need not be 'static, so `Any` cannot tell; `typeid` can.
    if typeid::of::<S>() == TypeId::of::<TableCreateStatement>() {
        // SAFETY: `S` and `TableCreateStatement` have the same TypeId, so
        // they are the same type and the reference is reinterpreted as itself.
        Some(unsafe { &*(stmt as *const S).cast::<TableCreateStatement>() })
    } else {
        None
    }
}

/// The first column of `table` that `backend` cannot render on its own.
fn failing_column(table: &TableCreateStatement, backend: DbBackend) -> Option<String> {
    table.get_columns().iter().find_map(|column| {
        let alone = sea_orm_migration::sea_query::Table::create()
            .table("t")
            .col(column.clone())
            .to_owned();
        render(|| backend.build(&alone))
            .is_err()
            .then(|| column.get_column_name())
    })
}

/// The table's name (schema-qualified when it names a schema).
pub fn table_name(table: &TableCreateStatement) -> String {
    match table.get_table_name() {
        Some(TableRef::Table(TableName(Some(schema), name), _)) => {
            format!("{}.{}", schema.1, name)
        }
        Some(TableRef::Table(TableName(None, name), _)) => name.to_string(),
        _ => "<unnamed>".into(),
    }
}

/// The bare table name, without its schema.
pub fn bare_table_name(table: &TableCreateStatement) -> String {
    match table.get_table_name() {
        Some(TableRef::Table(TableName(_, name), _)) => name.to_string(),
        _ => String::new(),
    }
}

pub fn backend_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::Sqlite => "SQLite",
        _ => "MySQL",
    }
}

/// One sentence for the first column of `table` that `backend` cannot hold.
pub fn check_backend_holds(table: &TableCreateStatement, backend: DbBackend) -> Result<(), String> {
    for column in table.get_columns() {
        let Some(ty) = column.get_column_type() else {
            continue;
        };
        let problem = match unsupported(ty, backend) {
            Some(what) => Some(format!(
                "its type {what} does not exist on {}",
                backend_name(backend)
            )),
            None if column.get_column_spec().auto_increment
                && backend == DbBackend::Postgres
                && !matches!(
                    ty,
                    ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger
                ) =>
            {
                Some(format!(
                    "PostgreSQL cannot auto-increment a {} column",
                    type_label(ty)
                ))
            }
            None => None,
        };
        if let Some(problem) = problem {
            return Err(format!(
                "entity table {} column {}: {problem}; change the column's type or use a backend that has it",
                table_name(table),
                column.get_column_name()
            ));
        }
    }
    Ok(())
}

/// The name of `ty` (or of its element) when `backend` has no such type;
/// mirrors the `unimplemented!` arms of sea-query 1.0's table builders.
fn unsupported(ty: &ColumnType, backend: DbBackend) -> Option<String> {
    let missing = match backend {
        DbBackend::Postgres => matches!(ty, ColumnType::Year),
        DbBackend::Sqlite => matches!(
            ty,
            ColumnType::Interval(..)
                | ColumnType::Array(_)
                | ColumnType::Vector(_)
                | ColumnType::Cidr
                | ColumnType::Inet
                | ColumnType::MacAddr
                | ColumnType::Year
                | ColumnType::Bit(_)
                | ColumnType::VarBit(_)
                | ColumnType::LTree
        ),
        _ => matches!(
            ty,
            ColumnType::Array(_)
                | ColumnType::Vector(_)
                | ColumnType::Cidr
                | ColumnType::Inet
                | ColumnType::MacAddr
                | ColumnType::LTree
        ),
    };
    if missing {
        return Some(type_label(ty));
    }
    match ty {
        ColumnType::Array(element) => unsupported(element, backend).map(|e| format!("{e}[]")),
        _ => None,
    }
}

fn type_label(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Array(element) => format!("{}[]", type_label(element)),
        ColumnType::Vector(_) => "vector".into(),
        ColumnType::Cidr => "cidr".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::MacAddr => "macaddr".into(),
        ColumnType::LTree => "ltree".into(),
        ColumnType::Interval(..) => "interval".into(),
        ColumnType::Year => "year".into(),
        ColumnType::Bit(_) => "bit".into(),
        ColumnType::VarBit(_) => "varbit".into(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

thread_local! {
    /// Set while this thread renders through [`render`]: its panics are
    /// caught and reported as errors, so the panic hook stays quiet.
    static RENDERING: Cell<bool> = const { Cell::new(false) };
}

/// Run a sea-query rendering; a panic inside it becomes `Err(message)`.
pub fn render<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !RENDERING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    RENDERING.with(|r| r.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    RENDERING.with(|r| r.set(false));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the renderer panicked".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_query::{ColumnDef, Table};

    fn table_with(ty: ColumnType) -> TableCreateStatement {
        Table::create()
            .table("t")
            .col(ColumnDef::new_with_type("c", ty))
            .to_owned()
    }

    #[test]
    fn types_a_backend_lacks_are_refused_by_name() {
        let inet = table_with(ColumnType::Inet);
        let err = check_backend_holds(&inet, DbBackend::Sqlite).unwrap_err();
        assert!(
            err.contains("table t column c") && err.contains("inet"),
            "{err}"
        );
        assert!(check_backend_holds(&inet, DbBackend::Postgres).is_ok());
        let array = Table::create()
            .table("t")
            .col(ColumnDef::new("c").array(ColumnType::Text))
            .to_owned();
        assert!(check_backend_holds(&array, DbBackend::Sqlite).is_err());
        assert!(check_backend_holds(&array, DbBackend::Postgres).is_ok());
    }

    #[test]
    fn a_panicking_render_is_an_error() {
        let inet = table_with(ColumnType::Inet);
        let err = render(|| DbBackend::Sqlite.build(&inet)).unwrap_err();
        assert!(err.contains("Inet"), "{err}");
        assert!(render(|| DbBackend::Postgres.build(&inet)).is_ok());
        assert_eq!(
            failing_column(&inet, DbBackend::Sqlite).as_deref(),
            Some("c")
        );
        assert_eq!(failing_column(&inet, DbBackend::Postgres), None);
    }

    /// What the check above does not know still never panics through the
    /// recorder: `Year` on PostgreSQL is refused by the check, and rendering
    /// it anyway (the last line of defence) is an error naming the column.
    #[test]
    fn the_recorder_turns_a_renderer_panic_into_an_error_naming_the_column() {
        let year = table_with(ColumnType::Year);
        let err = block_on(Recorder::new(DbBackend::Postgres).execute(&year))
            .expect_err("year is refused");
        assert!(err.to_string().contains("table t column c"), "{err}");
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }
}
