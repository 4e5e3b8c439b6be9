//! Live database → [`Schema`], one module per backend, each reading the
//! catalog in a fixed number of bulk queries whatever the number of tables.

pub mod postgres;
pub mod sqlite;

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use super::SourceError;
use crate::schema::Schema;

/// Introspect the schema the connection works in (PostgreSQL: `current_schema()`;
/// SQLite: `main`).
pub async fn introspect<C: ConnectionTrait>(db: &C) -> Result<Schema, SourceError> {
    match db.get_database_backend() {
        DbBackend::Postgres => postgres::introspect(db, None).await,
        DbBackend::Sqlite => sqlite::introspect(db).await,
        _ => Err(SourceError::Introspect(
            "MySQL/MariaDB is not supported by autogen yet: use PostgreSQL or SQLite".into(),
        )),
    }
}
