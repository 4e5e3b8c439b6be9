//! Entities → [`Schema`], by letting SeaORM build its own DDL and the
//! database normalize it (the dev-database approach of Atlas and Prisma).
//!
//! SeaORM's entity registry gives, for every entity of a crate, the exact
//! statements `SchemaBuilder::apply` would run. We record them through a
//! proxy connection (no database involved), run them in one batch inside a
//! throw-away place on the same server (PostgreSQL: temporary tables, or a
//! scratch schema, in a transaction that is rolled back; MySQL/MariaDB:
//! scratch databases; SQLite: an in-memory database), and
//! introspect that with the very code that reads the live database. Both
//! sides are then spelled by the same server: `varchar` vs `character
//! varying`, `'UTC'::character varying` vs `'UTC'`, identity vs serial
//! cannot differ. Nothing is written to the live schema.

use sea_orm_migration::sea_orm::{
    self, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityRegistry,
    Statement, TransactionTrait,
};
use sea_orm_migration::sea_query::{IndexCreateStatement, TableCreateStatement};

use super::SourceError;
use super::{database, incremental};
use crate::recorder::{self, Recorder};
use crate::schema::{Schema, split_renamed_from};

mod ddl;
mod mysql;
mod postgres;
mod sqlite;

use ddl::quoted_prefix;
pub use ddl::{ddl_schemas, defer_foreign_keys};
use mysql::materialize_mysql_by_table;
use postgres::materialize_postgres_by_table;
use sqlite::materialize_sqlite_by_table;

/// What the entity side is made of.
#[derive(Clone, Debug)]
pub struct EntitySource {
    /// Module prefix of the entities in SeaORM's registry, e.g. `"entity::*"`;
    /// several are separated by commas (`"entity::*, billing::*"`).
    pub registry_prefix: String,
    /// Indexes the entity attributes cannot express (composite, non-unique).
    pub extra_indexes: Vec<IndexCreateStatement>,
    /// Tables that are not entities, as the DDL creating them on a backend.
    pub extra_ddl: fn(DbBackend) -> Vec<String>,
}

/// What SeaORM would run to create every registered entity on one backend.
#[derive(Debug)]
pub struct Recorded {
    /// The DDL, in the order SeaORM runs it, then the extra indexes and DDL.
    pub ddl: Vec<String>,
    /// The entities' `CREATE TABLE` statements as sea-query built them:
    /// what the backend's SQL cannot carry (comments, `renamed_from`) is read here.
    pub tables: Vec<TableCreateStatement>,
}

/// Record what SeaORM would run for every registered entity, for `backend`
/// only. A type `backend` cannot hold is refused with the table and column.
pub async fn record(source: &EntitySource, backend: DbBackend) -> Result<Recorded, SourceError> {
    let fail = |e: DbErr| SourceError::Materialize {
        place: "recorder",
        reason: match e {
            DbErr::Custom(reason) => reason,
            other => other.to_string(),
        },
    };
    let recorder = Recorder::new(backend);
    // Several prefixes (comma separated) are recorded in the order given.
    for prefix in source.registry_prefix.split(',').map(str::trim) {
        EntityRegistry::build_schema(sea_orm::Schema::new(backend), prefix)
            .apply(&recorder)
            .await
            .map_err(fail)?;
    }
    let mut ddl = recorder.take_sql();
    for index in &source.extra_indexes {
        let sql = recorder::render(|| backend.build(index).to_string()).map_err(|panic| {
            SourceError::Materialize {
                place: "recorder",
                reason: format!("an extra index cannot be rendered: {panic}"),
            }
        })?;
        ddl.push(sql);
    }
    ddl.extend((source.extra_ddl)(backend));
    Ok(Recorded {
        ddl,
        tables: recorder.take_tables(),
    })
}

/// The DDL SeaORM would run to create every registered entity, for `backend`.
pub async fn entity_ddl(
    source: &EntitySource,
    backend: DbBackend,
) -> Result<Vec<String>, SourceError> {
    Ok(record(source, backend).await?.ddl)
}

/// The schema the entities describe, as `db`'s server spells it.
pub async fn materialize(
    db: &DatabaseConnection,
    source: &EntitySource,
) -> Result<Schema, SourceError> {
    let recorded = record(source, db.get_database_backend()).await?;
    materialize_recorded(db, &recorded).await
}

/// [`materialize`], of entities already recorded.
pub async fn materialize_recorded(
    db: &DatabaseConnection,
    recorded: &Recorded,
) -> Result<Schema, SourceError> {
    let mut schema = materialize_ddl(db, &recorded.ddl).await?;
    annotate(&mut schema, &recorded.tables, db.get_database_backend());
    Ok(schema)
}

/// The schema `ddl` creates on `db`'s server, without touching its live
/// schema. Running DDL costs a few milliseconds per table, so the result is
/// cached by content (the DDL, the server version and this crate's version):
/// the same entities on the same server always give the same schema. Each
/// table is cached as well, so that after an edit only the changed tables
/// run again (see `source::incremental`).
pub async fn materialize_ddl(
    db: &DatabaseConnection,
    ddl: &[String],
) -> Result<Schema, SourceError> {
    Ok(materialize_ddl_counted(db, ddl).await?.schema)
}

/// A materialized schema and how many of its tables had to be created on
/// the server to get it (0: all from the cache).
#[derive(Debug)]
pub struct Materialized {
    pub schema: Schema,
    pub tables_run: usize,
}

/// [`materialize_ddl`], also telling how much of it ran on the server.
pub async fn materialize_ddl_counted(
    db: &DatabaseConnection,
    ddl: &[String],
) -> Result<Materialized, SourceError> {
    let backend = db.get_database_backend();
    let (key, backend_name, version) = schema_key(db, ddl).await?;
    if let Some(schema) = super::cache::load_blocking(&key).await {
        tracing::debug!("entity schema from the cache ({key})");
        return Ok(Materialized {
            schema,
            tables_run: 0,
        });
    }
    let materialized = match backend {
        DbBackend::Postgres => {
            materialize_postgres_by_table(db, ddl, &backend_name, &version).await?
        }
        DbBackend::MySql => materialize_mysql_by_table(db, ddl, &backend_name, &version).await?,
        _ => materialize_sqlite_by_table(ddl, &backend_name, &version).await?,
    };
    tracing::debug!(
        "entity schema not cached ({key}): {} table(s) materialized",
        materialized.tables_run
    );
    super::cache::store(&key, &materialized.schema);
    Ok(materialized)
}

/// The cache key of the schema `ddl` creates on `db`'s server, with the
/// backend's name and the server's version it is made of.
async fn schema_key(
    db: &DatabaseConnection,
    ddl: &[String],
) -> Result<(String, String, String), SourceError> {
    let backend = db.get_database_backend();
    let version_sql = match backend {
        DbBackend::Postgres => "SELECT current_setting('server_version_num') AS v",
        DbBackend::Sqlite => "SELECT sqlite_version() AS v",
        DbBackend::MySql => "SELECT VERSION() AS v",
        _ => {
            return Err(SourceError::Introspect(
                "this database backend is not supported: use PostgreSQL, SQLite or MySQL/MariaDB"
                    .into(),
            ));
        }
    };
    let version: String = db
        .query_one_raw(Statement::from_string(backend, version_sql))
        .await?
        .and_then(|r| r.try_get::<String>("", "v").ok())
        .unwrap_or_default();
    let backend_name = format!("{backend:?}");
    // SeaORM orders the tables through a HashMap (a different valid order in
    // every process), so the key is made of the statements in sorted order.
    let mut sorted: Vec<&str> = ddl.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let key = super::cache::key(&[&backend_name, &version, &sorted.join(";\n")]);
    Ok((key, backend_name, version))
}

/// A key of everything [`materialize_recorded`] returns for `recorded` on
/// `db`'s server: the materialized schema's cache key and what
/// [`annotate`] adds to it (comments and declared renames, which the DDL
/// does not carry on every backend). Equal keys, equal entity schemas.
pub async fn recorded_key(
    db: &DatabaseConnection,
    recorded: &Recorded,
) -> Result<String, SourceError> {
    let (schema, _, _) = schema_key(db, &recorded.ddl).await?;
    let mut parts = vec![schema];
    // One part per table, sorted: SeaORM's table order differs between
    // processes (see `schema_key`).
    let mut tables: Vec<String> = recorded
        .tables
        .iter()
        .map(|stmt| {
            let mut part = format!(
                "table {:?} {:?} {:?}",
                recorder::table_name(stmt),
                recorder::bare_table_name(stmt),
                stmt.get_comment()
            );
            for def in stmt.get_columns() {
                part.push_str(&format!(
                    "\ncolumn {:?} {:?}",
                    def.get_column_name(),
                    def.get_column_spec().comment
                ));
            }
            part
        })
        .collect();
    tables.sort_unstable();
    parts.extend(tables);
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(super::cache::key(&refs))
}

/// Tables created per scratch transaction. Each holds locks on a table and
/// its indexes, sequences and TOAST table until the rollback, and
/// PostgreSQL's lock table (`max_locks_per_transaction` × `max_connections`,
/// 6 400 slots by default) overflows at around 1 000 tables in one
/// transaction; 250 leave room for the other sessions of the server.
const TABLES_PER_BATCH: usize = 250;

/// The tables just run into `schema` go to the cache (unless unmanaged
/// objects came with them, which are not attributed to tables), and the
/// cached ones not run join them; a table in neither was not created by
/// its DDL.
fn merge_cached(
    units: &incremental::Units<'_>,
    keys: &[String],
    cached: Vec<Option<crate::schema::Table>>,
    schema: &mut Schema,
    place: &'static str,
) -> Result<(), SourceError> {
    let keep = schema.unmanaged.is_empty();
    for ((unit, key), cached) in units.tables.iter().zip(keys).zip(cached) {
        match (schema.tables.get(&unit.table), cached) {
            (Some(table), _) => {
                if keep {
                    incremental::store(key, table);
                }
            }
            (None, Some(table)) => {
                schema.tables.insert(unit.table.clone(), table);
            }
            (None, None) => {
                return Err(SourceError::Materialize {
                    place,
                    reason: format!("table {} was not created by its DDL", unit.table),
                });
            }
        }
    }
    Ok(())
}

/// Batches materialized at once, each on its own connection of the pool:
/// the work is the server's, so a few sessions use a few of its cores.
const PARALLEL_BATCHES: usize = 4;

/// A name for a scratch schema or database no other run uses: process,
/// a counter within it, and the clock's nanoseconds.
fn scratch_name() -> String {
    static SCRATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!(
        "autogen_scratch_{}_{}_{}",
        std::process::id(),
        SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    )
}

async fn materialize_sqlite(ddl: &[String]) -> Result<Schema, SourceError> {
    let fail = |e: DbErr| SourceError::Materialize {
        place: "in-memory SQLite database",
        reason: e.to_string(),
    };
    let scratch = Database::connect("sqlite::memory:").await.map_err(fail)?;
    let batch: String = ddl.iter().map(|s| format!("{s};\n")).collect();
    scratch.execute_unprepared(&batch).await.map_err(fail)?;
    let schema = database::sqlite::introspect(&scratch).await;
    let _ = scratch.close().await;
    schema
}

/// What the entities say that the DDL run on the server does not carry:
/// table and column comments (sea-query writes none on PostgreSQL; SQLite
/// has none, so none are expected there; MySQL has them from the DDL) and
/// declared renames.
pub fn annotate(schema: &mut Schema, tables: &[TableCreateStatement], backend: DbBackend) {
    let comments = backend != DbBackend::Sqlite;
    for stmt in tables {
        // `schema.table` for a table of another schema; the bare name when the
        // entity names the connection's own schema (or none).
        let key = [recorder::table_name(stmt), recorder::bare_table_name(stmt)]
            .into_iter()
            .find(|k| schema.tables.contains_key(k));
        let Some(table) = key.and_then(|k| schema.tables.get_mut(&k)) else {
            continue;
        };
        if comments {
            table.comment = stmt.get_comment().cloned();
        }
        for def in stmt.get_columns() {
            let name = def.get_column_name();
            let Some(column) = table.columns.iter_mut().find(|c| c.name == name) else {
                continue;
            };
            let (comment, renamed_from) = split_renamed_from(def.get_column_spec().comment.clone());
            if comments {
                column.comment = comment;
            }
            column.renamed_from = renamed_from;
        }
    }
}
