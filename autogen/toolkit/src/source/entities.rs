//! Entities → [`Schema`], by letting SeaORM build its own DDL and the
//! database normalize it (the dev-database approach of Atlas and Prisma).
//!
//! SeaORM's entity registry gives, for every entity of a crate, the exact
//! statements `SchemaBuilder::apply` would run. We record them through a
//! proxy connection (no database involved), run them in one batch inside a
//! throw-away place on the same server (PostgreSQL: a scratch schema in a
//! transaction that is rolled back; SQLite: an in-memory database), and
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
/// the same entities on the same server always give the same schema. On
/// PostgreSQL each table is cached as well, so that after an edit only the
/// changed tables run again (see `source::incremental`); on MySQL too.
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
        _ => {
            let schema = materialize_sqlite(ddl).await?;
            Materialized {
                tables_run: schema.tables.len(),
                schema,
            }
        }
    };
    tracing::debug!(
        "entity schema not cached ({key}): {} table(s) materialized",
        materialized.tables_run
    );
    super::cache::store(&key, &materialized.schema);
    Ok(materialized)
}

/// Tables created per scratch transaction. Each holds locks on a table and
/// its indexes, sequences and TOAST table until the rollback, and
/// PostgreSQL's lock table (`max_locks_per_transaction` × `max_connections`,
/// 6 400 slots by default) overflows at around 1 000 tables in one
/// transaction; 250 leave room for the other sessions of the server.
const TABLES_PER_BATCH: usize = 250;

/// Materialize only the tables missing from the per-table cache (with
/// stand-ins for the tables they reference), in batches, then complete the
/// schema from the cache.
async fn materialize_postgres_by_table(
    db: &DatabaseConnection,
    ddl: &[String],
    backend: &str,
    version: &str,
) -> Result<Materialized, SourceError> {
    let Some(units) = incremental::split(ddl) else {
        // Not SeaORM's DDL shape: one transaction for all of it.
        let schema = materialize_postgres(db, ddl).await?;
        return Ok(Materialized {
            tables_run: schema.tables.len(),
            schema,
        });
    };
    let keys = units.keys(backend, version);
    let mut cached = incremental::load(&keys);
    let mut missing: Vec<usize> = (0..cached.len()).filter(|i| cached[*i].is_none()).collect();
    let (mut schema, mut tables_run) = run_batches(db, &units, &missing).await?;
    if !schema.unmanaged.is_empty() && missing.len() < units.tables.len() {
        // Unmanaged objects are not attributed to tables: read every table
        // afresh rather than combine them with cached ones.
        missing = (0..units.tables.len()).collect();
        cached = vec![None; units.tables.len()];
        (schema, tables_run) = run_batches(db, &units, &missing).await?;
    }
    merge_cached(&units, &keys, cached, &mut schema, "PostgreSQL schema")?;
    Ok(Materialized { schema, tables_run })
}

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

/// The tables at `missing` (with the tables they reference, and every enum
/// type), materialized [`TABLES_PER_BATCH`] at a time, up to
/// [`PARALLEL_BATCHES`] (and the number of cores) at once; how many tables ran.
async fn run_batches(
    db: &DatabaseConnection,
    units: &incremental::Units<'_>,
    missing: &[usize],
) -> Result<(Schema, usize), SourceError> {
    let chunks: Vec<&[usize]> = if missing.is_empty() {
        vec![&[]] // the enum types alone
    } else {
        missing.chunks(TABLES_PER_BATCH).collect()
    };
    let mut batches = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let (ddl, stand_ins) = units
            .subset(chunk)
            .map_err(|table| SourceError::Materialize {
                place: "PostgreSQL schema",
                reason: format!("a foreign key references table {table}, which no entity creates"),
            })?;
        batches.push((ddl, stand_ins));
    }
    let parallel = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, PARALLEL_BATCHES);
    let mut pending = batches.into_iter();
    let mut running = tokio::task::JoinSet::new();
    let spawn =
        |running: &mut tokio::task::JoinSet<_>,
         (ddl, stand_ins): (Vec<String>, std::collections::BTreeSet<String>)| {
            let db = db.clone();
            running.spawn(async move {
                let mut part = materialize_postgres(&db, &ddl).await?;
                // A stand-in lacks its foreign keys: not the table itself.
                part.tables.retain(|name, _| !stand_ins.contains(name));
                Ok::<_, SourceError>(part)
            });
        };
    for batch in pending.by_ref().take(parallel) {
        spawn(&mut running, batch);
    }
    let mut schema = Schema::default();
    let mut tables_run = 0;
    while let Some(joined) = running.join_next().await {
        let part = joined.map_err(|e| SourceError::Materialize {
            place: "PostgreSQL schema",
            reason: e.to_string(),
        })??;
        if let Some(batch) = pending.next() {
            spawn(&mut running, batch);
        }
        tables_run += part.tables.len();
        schema.enums = part.enums;
        schema.unmanaged.extend(part.unmanaged);
        schema.tables.extend(part.tables);
    }
    schema.unmanaged.sort();
    schema.unmanaged.dedup();
    Ok((schema, tables_run))
}

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

async fn materialize_postgres(
    db: &DatabaseConnection,
    ddl: &[String],
) -> Result<Schema, SourceError> {
    let fail = |e: DbErr| SourceError::Materialize {
        place: "PostgreSQL schema",
        reason: e.to_string(),
    };
    let scratch = scratch_name();
    let txn = db.begin().await.map_err(fail)?;
    let current = database::postgres::current_schema(&txn).await?;
    // Tables of other schemas (`schema_name = "sys"`) go to scratch
    // namespaces of their own, read back under their schema's name.
    let named: Vec<String> = ddl_schemas(ddl)
        .into_iter()
        .filter(|s| *s != current)
        .collect();
    let others: Vec<(String, String)> = named
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{scratch}_s{i}"), s.clone()))
        .collect();
    // The connection's search path stays behind the scratch schema, so
    // types of extensions installed there (ltree, citext, vector) resolve.
    let mut batch = format!(
        "CREATE SCHEMA \"{scratch}\";\nSELECT set_config('search_path', '\"{scratch}\", ' || current_setting('search_path'), true);\n"
    );
    for (nsp, _) in &others {
        batch.push_str(&format!("CREATE SCHEMA \"{nsp}\";\n"));
    }
    let mut renames = vec![(quoted_prefix(&current), quoted_prefix(&scratch))];
    renames.extend(
        others
            .iter()
            .map(|(nsp, s)| (quoted_prefix(s), quoted_prefix(nsp))),
    );
    for stmt in &defer_foreign_keys(ddl) {
        let mut stmt = stmt.clone();
        for (from, to) in &renames {
            if stmt.contains(from.as_str()) {
                stmt = stmt.replace(from.as_str(), to);
            }
        }
        batch.push_str(&stmt);
        batch.push_str(";\n");
    }
    txn.execute_unprepared(&batch).await.map_err(fail)?;
    let schema = database::postgres::introspect_namespaces(&txn, &scratch, &others).await;
    txn.rollback().await.map_err(fail)?;
    schema
}

/// `ddl` with the foreign keys of every `CREATE TABLE` taken out and added
/// after all tables exist. Entities with a foreign-key cycle (store.manager_id
/// -> staff, staff.store_id -> store) are created in some order, and a key to
/// a table not created yet would resolve through the search path to the
/// live table of that name: the scratch schema must only see itself.
pub fn defer_foreign_keys(ddl: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(ddl.len());
    let mut keys = Vec::new();
    for stmt in ddl {
        match split_foreign_keys(stmt) {
            Some((create, table, fks)) if !fks.is_empty() => {
                out.push(create);
                keys.extend(
                    fks.into_iter()
                        .map(|fk| format!("ALTER TABLE {table} ADD {fk}")),
                );
            }
            _ => out.push(stmt.clone()),
        }
    }
    out.extend(keys);
    out
}

/// A `CREATE TABLE name ( items )` statement without its foreign-key items,
/// the table as written, and those items. `None`: not such a statement.
fn split_foreign_keys(stmt: &str) -> Option<(String, String, Vec<String>)> {
    let rest = stmt.strip_prefix("CREATE TABLE ")?;
    let open = rest.find('(')?;
    let table = rest[..open]
        .trim()
        .trim_start_matches("IF NOT EXISTS ")
        .trim()
        .to_owned();
    // Top-level items between the outer parentheses (quotes and nesting skipped).
    let body_start = "CREATE TABLE ".len() + open + 1;
    let bytes: Vec<char> = stmt[body_start..].chars().collect();
    let (mut depth, mut quote, mut items, mut cur, mut end) =
        (0i32, None::<char>, Vec::new(), String::new(), None);
    for (i, &c) in bytes.iter().enumerate() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
                continue;
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
                continue;
            }
            None => {}
        }
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' if depth == 0 => {
                items.push(std::mem::take(&mut cur));
                end = Some(i);
                break;
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    let end = end?;
    let tail: String = bytes[end + 1..].iter().collect();
    let is_fk = |item: &str| {
        let t = item.trim_start();
        t.starts_with("FOREIGN KEY")
            || (t.starts_with("CONSTRAINT ") && t.contains(" FOREIGN KEY ("))
    };
    let (fks, kept): (Vec<String>, Vec<String>) = items.into_iter().partition(|i| is_fk(i));
    let fks: Vec<String> = fks.into_iter().map(|f| f.trim().to_owned()).collect();
    let create = format!("{}{}){}", &stmt[..body_start], kept.join(","), tail);
    Some((create, table, fks))
}

/// `"name".`, as SeaORM's PostgreSQL DDL qualifies a table of schema `name`.
fn quoted_prefix(name: &str) -> String {
    format!("\"{}\".", name.replace('"', "\"\""))
}

/// The schemas that `CREATE TABLE "schema"."table"` statements name.
pub fn ddl_schemas(ddl: &[String]) -> std::collections::BTreeSet<String> {
    ddl.iter()
        .filter_map(|stmt| {
            let rest = stmt.strip_prefix("CREATE TABLE ")?;
            let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
            let (ident, after) = quoted_ident(rest)?;
            after.starts_with(".\"").then_some(ident)
        })
        .collect()
}

/// A leading `"ident"` (with `""` for a quote) and what follows it.
fn quoted_ident(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let mut ident = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if chars.peek().is_some_and(|(_, n)| *n == '"') {
                chars.next();
                ident.push('"');
                continue;
            }
            return Some((ident, &rest[i + 1..]));
        }
        ident.push(c);
    }
    None
}

/// MySQL/MariaDB, as [`materialize_postgres_by_table`]: only the tables
/// missing from the per-table cache run, in scratch databases of
/// [`TABLES_PER_BATCH`] tables, up to [`PARALLEL_BATCHES`] at once (InnoDB
/// creates a table in 10–100 ms, mostly waiting on the disk, so sessions
/// overlap well). The scratch session does not check foreign keys, so a
/// table runs without the tables it references.
async fn materialize_mysql_by_table(
    db: &DatabaseConnection,
    ddl: &[String],
    backend: &str,
    version: &str,
) -> Result<Materialized, SourceError> {
    let Some(units) = incremental::split_mysql(ddl) else {
        let schema = materialize_mysql(db, ddl).await?;
        return Ok(Materialized {
            tables_run: schema.tables.len(),
            schema,
        });
    };
    let keys = units.keys(backend, version);
    let mut cached = incremental::load(&keys);
    let mut missing: Vec<usize> = (0..cached.len()).filter(|i| cached[*i].is_none()).collect();
    let mut schema = run_mysql_batches(db, &units, &missing).await?;
    if !schema.unmanaged.is_empty() && missing.len() < units.tables.len() {
        // Unmanaged objects are not attributed to tables: all afresh.
        missing = (0..units.tables.len()).collect();
        cached = vec![None; units.tables.len()];
        schema = run_mysql_batches(db, &units, &missing).await?;
    }
    let tables_run = schema.tables.len();
    merge_cached(&units, &keys, cached, &mut schema, "MySQL database")?;
    Ok(Materialized { schema, tables_run })
}

/// The tables at `missing`, each batch in a scratch database of its own.
async fn run_mysql_batches(
    db: &DatabaseConnection,
    units: &incremental::Units<'_>,
    missing: &[usize],
) -> Result<Schema, SourceError> {
    let mut schema = Schema::default();
    if missing.is_empty() {
        return Ok(schema);
    }
    let parallel = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, PARALLEL_BATCHES);
    // Spread over the sessions: one slow `CREATE TABLE` holds up only its own.
    let per_batch = missing
        .len()
        .div_ceil(parallel * 2)
        .clamp(1, TABLES_PER_BATCH);
    let mut pending = missing.chunks(per_batch).map(|chunk| {
        chunk
            .iter()
            .flat_map(|i| units.tables[*i].statements.iter().map(|s| (*s).to_owned()))
            .collect::<Vec<String>>()
    });
    let mut running = tokio::task::JoinSet::new();
    let spawn = |running: &mut tokio::task::JoinSet<_>, ddl: Vec<String>| {
        let db = db.clone();
        running.spawn(async move { materialize_mysql(&db, &ddl).await });
    };
    for batch in pending.by_ref().take(parallel) {
        spawn(&mut running, batch);
    }
    // Every batch that started is waited for, even after one failed: a
    // batch cut short would leave its scratch database behind.
    let mut failed = None;
    while let Some(joined) = running.join_next().await {
        let part = joined
            .map_err(|e| SourceError::Materialize {
                place: "MySQL database",
                reason: e.to_string(),
            })
            .and_then(|part| part);
        match part {
            Ok(part) if failed.is_none() => {
                if let Some(batch) = pending.next() {
                    spawn(&mut running, batch);
                }
                schema.unmanaged.extend(part.unmanaged);
                schema.tables.extend(part.tables);
            }
            Ok(_) => {}
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    schema.unmanaged.sort();
    schema.unmanaged.dedup();
    Ok(schema)
}

/// MySQL/MariaDB: a scratch database on the same server, with the live
/// database's character set and collation, on one pinned connection (`USE`
/// is per session), dropped afterwards whatever happens. DDL is not
/// transactional there, so the scratch database is the only way to let the
/// server spell the entities' schema without touching the live one.
async fn materialize_mysql(db: &DatabaseConnection, ddl: &[String]) -> Result<Schema, SourceError> {
    let fail = |e: DbErr| SourceError::Materialize {
        place: "MySQL database",
        reason: e.to_string(),
    };
    let scratch = scratch_name();
    // A transaction pins one connection of the pool for the whole session.
    let conn = db.begin().await.map_err(fail)?;
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT DATABASE() AS db, @@character_set_database AS cs, @@collation_database AS co",
        ))
        .await
        .map_err(fail)?;
    let get = |col: &str| -> Result<Option<String>, SourceError> {
        match &row {
            Some(r) => r.try_get::<Option<String>>("", col).map_err(fail),
            None => Ok(None),
        }
    };
    let Some(own) = get("db")? else {
        return Err(SourceError::Introspect(
            "the MySQL URL names no database: add one, e.g. mysql://root@127.0.0.1:3306/app".into(),
        ));
    };
    let charset = match (get("cs")?, get("co")?) {
        (Some(cs), Some(co)) if is_word(&cs) && is_word(&co) => {
            format!(" CHARACTER SET {cs} COLLATE {co}")
        }
        _ => String::new(),
    };
    conn.execute_unprepared(&format!("CREATE DATABASE `{scratch}`{charset}"))
        .await
        .map_err(fail)?;
    let result = async {
        conn.execute_unprepared(&format!("USE `{scratch}`"))
            .await
            .map_err(fail)?;
        // Foreign-key cycles (store.manager_id -> staff, staff.store_id ->
        // store) cannot be created table by table with checks on: errno 150.
        // Off in this session only, for the scratch database's DDL.
        conn.execute_unprepared("SET SESSION foreign_key_checks = 0")
            .await
            .map_err(fail)?;
        for stmt in ddl {
            conn.execute_unprepared(stmt).await.map_err(fail)?;
        }
        database::mysql::introspect_database(&conn, &scratch).await
    }
    .await;
    let checks = conn
        .execute_unprepared("SET SESSION foreign_key_checks = 1")
        .await;
    let back = conn
        .execute_unprepared(&format!("USE `{}`", own.replace('`', "``")))
        .await;
    let dropped = conn
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{scratch}`"))
        .await;
    let _ = conn.rollback().await;
    checks.map_err(fail)?;
    back.map_err(fail)?;
    dropped.map_err(fail)?;
    result
}

/// A character set or collation name, safe to splice into DDL.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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

#[cfg(test)]
mod deferred_keys {
    use super::*;

    #[test]
    fn foreign_keys_are_added_after_every_table_exists() {
        let ddl = vec![
            r#"CREATE TABLE "store" ( "store_id" serial NOT NULL PRIMARY KEY, "manager_id" integer, "name" varchar(45) CHECK ("name" <> ','), CONSTRAINT "fk-store-manager_id" FOREIGN KEY ("manager_id") REFERENCES "staff" ("staff_id") ON DELETE NO ACTION ON UPDATE NO ACTION )"#.to_owned(),
            r#"CREATE TABLE "staff" ( "staff_id" serial NOT NULL PRIMARY KEY, "store_id" integer NOT NULL, FOREIGN KEY ("store_id") REFERENCES "store" ("store_id") )"#.to_owned(),
            r#"CREATE INDEX "i" ON "staff" ("store_id")"#.to_owned(),
        ];
        let out = defer_foreign_keys(&ddl);
        assert_eq!(out.len(), 5, "{out:#?}");
        assert!(
            !out[0].contains("FOREIGN KEY") && out[0].contains(r#"CHECK ("name" <> ',')"#),
            "{}",
            out[0]
        );
        assert!(!out[1].contains("FOREIGN KEY"), "{}", out[1]);
        assert_eq!(out[2], ddl[2]);
        assert_eq!(
            out[3],
            r#"ALTER TABLE "store" ADD CONSTRAINT "fk-store-manager_id" FOREIGN KEY ("manager_id") REFERENCES "staff" ("staff_id") ON DELETE NO ACTION ON UPDATE NO ACTION"#
        );
        assert_eq!(
            out[4],
            r#"ALTER TABLE "staff" ADD FOREIGN KEY ("store_id") REFERENCES "store" ("store_id")"#
        );
    }
}
