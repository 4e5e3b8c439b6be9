//! Live database → [`Schema`], one module per backend, each reading the
//! catalog in a fixed number of bulk queries whatever the number of tables.

pub mod mysql;
pub mod postgres;
pub mod sqlite;

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use super::SourceError;
use crate::schema::Schema;

/// Introspect the schema the connection works in and, on PostgreSQL, the
/// other `schemas` the entities name (those that exist; their tables keyed
/// `schema.table`). Schemas the entities never mention are never read.
pub async fn introspect_with<C: ConnectionTrait>(
    db: &C,
    schemas: &std::collections::BTreeSet<String>,
) -> Result<Schema, SourceError> {
    match db.get_database_backend() {
        DbBackend::Postgres if !schemas.is_empty() => {
            let own = postgres::current_schema(db).await?;
            let others: Vec<(String, String)> = schemas
                .iter()
                .filter(|s| **s != own)
                .map(|s| (s.clone(), s.clone()))
                .collect();
            postgres::introspect_namespaces(db, &own, &others).await
        }
        _ => introspect(db).await,
    }
}

/// The cache key of the schema [`introspect_with`] reads, where the server
/// gives one cheaply: SQLite (its `sqlite_master` rows) and PostgreSQL (a
/// digest of its catalog rows' versions, outside a transaction that has
/// written). `None` on MySQL/MariaDB, whose catalog keeps nothing a DDL is
/// sure to change, and inside a PostgreSQL transaction that wrote (rows it
/// changed twice carry the same `xmin`).
pub async fn live_key<C: ConnectionTrait>(
    db: &C,
    schemas: &std::collections::BTreeSet<String>,
) -> Result<Option<String>, SourceError> {
    match db.get_database_backend() {
        DbBackend::Postgres => postgres::live_key(db, schemas).await,
        DbBackend::Sqlite => Ok(Some(sqlite::live_key(db).await?)),
        _ => Ok(None),
    }
}

/// [`introspect_with`], from the cache under `key` (from [`live_key`] on
/// the same connection, just before) when it is there, else read and
/// stored there; without a key, read.
pub async fn introspect_keyed<C: ConnectionTrait>(
    db: &C,
    schemas: &std::collections::BTreeSet<String>,
    key: Option<&str>,
) -> Result<Schema, SourceError> {
    let Some(key) = key else {
        return introspect_with(db, schemas).await;
    };
    if db.get_database_backend() == DbBackend::Sqlite {
        return sqlite::introspect_keyed(db, key).await;
    }
    if let Some(schema) = super::cache::load_blocking::<Schema>(key).await {
        return Ok(schema);
    }
    let schema = introspect_with(db, schemas).await?;
    super::cache::store(key, &schema);
    Ok(schema)
}

/// Introspect the schema the connection works in (PostgreSQL: `current_schema()`;
/// SQLite: `main`; MySQL: `DATABASE()`).
pub async fn introspect<C: ConnectionTrait>(db: &C) -> Result<Schema, SourceError> {
    match db.get_database_backend() {
        DbBackend::Postgres => postgres::introspect(db, None).await,
        DbBackend::Sqlite => sqlite::introspect(db).await,
        DbBackend::MySql => mysql::introspect(db).await,
        _ => Err(SourceError::Introspect(
            "this database backend is not supported: use PostgreSQL, SQLite or MySQL/MariaDB"
                .into(),
        )),
    }
}

/// Column `col` of a catalog row, or an error naming the column: the one
/// row getter of every backend's introspection.
pub(crate) fn get<T: sea_orm_migration::sea_orm::TryGetable>(
    row: &sea_orm_migration::sea_orm::QueryResult,
    col: &str,
) -> Result<T, SourceError> {
    row.try_get::<T>("", col)
        .map_err(|e| SourceError::Introspect(format!("column {col}: {e}")))
}

/// Whether `table` holds a row (with `column` not NULL, when given): one
/// `SELECT 1 ... LIMIT 1`, which stops at the first row found. The
/// data-loss gate asks this for each table a change would empty or rewrite.
pub async fn holds_rows<C: ConnectionTrait>(
    db: &C,
    table: &crate::schema::TableName,
    column: Option<&str>,
) -> Result<bool, SourceError> {
    use sea_orm_migration::sea_query::{Alias, Expr, ExprTrait, Query};
    let mut select = Query::select();
    select.expr(Expr::val(1));
    match &table.schema {
        Some(schema) => select.from((Alias::new(schema), Alias::new(&table.name))),
        None => select.from(Alias::new(&table.name)),
    };
    if let Some(column) = column {
        select.and_where(Expr::col(Alias::new(column)).is_not_null());
    }
    select.limit(1);
    let row = db.query_one(&select).await.map_err(|e| {
        SourceError::Introspect(format!("cannot tell whether {table} holds rows: {e}"))
    })?;
    Ok(row.is_some())
}
