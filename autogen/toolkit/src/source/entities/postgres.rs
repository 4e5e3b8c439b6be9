//! PostgreSQL: the entity DDL run in a scratch schema inside a transaction
//! that is rolled back, batch by batch.

use super::*;

/// Materialize only the tables missing from the per-table cache (with
/// stand-ins for the tables they reference), in batches, then complete the
/// schema from the cache.
pub(super) async fn materialize_postgres_by_table(
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
    // One schema's tables run as temporary ones where the database lets
    // the user make them: a temporary relation's files are never synced,
    // and syncing each new index's file is most of what a CREATE TABLE
    // costs (500 synthetic tables: 14.4 s in a schema, 1.2 s as temporary
    // tables, on the disk of BENCHMARKS.md). The session's temporary
    // schema is read back as the scratch schema would be.
    let temp = others.is_empty() && temporary_allowed(&txn).await?;
    let target = if temp { "pg_temp" } else { scratch.as_str() };
    // The connection's search path stays behind the scratch schema, so
    // types of extensions installed there (ltree, citext, vector) resolve.
    let mut batch = if temp {
        String::new()
    } else {
        format!("CREATE SCHEMA \"{scratch}\";\n")
    };
    batch.push_str(&format!(
        "SELECT set_config('search_path', '\"{target}\", ' || current_setting('search_path'), true);\n"
    ));
    for (nsp, _) in &others {
        batch.push_str(&format!("CREATE SCHEMA \"{nsp}\";\n"));
    }
    let mut renames = vec![(quoted_prefix(&current), quoted_prefix(target))];
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
    let own = if temp {
        // The session's own `pg_temp_N`, made by the first object in it
        // (none: nothing ran, and the scratch name matches nothing).
        temporary_schema(&txn).await?.unwrap_or(scratch)
    } else {
        scratch
    };
    let schema = database::postgres::introspect_namespaces(&txn, &own, &others).await;
    txn.rollback().await.map_err(fail)?;
    schema
}

/// Whether this session may make temporary tables (the database's
/// `TEMPORARY` privilege, which PUBLIC has unless revoked).
async fn temporary_allowed(txn: &sea_orm::DatabaseTransaction) -> Result<bool, SourceError> {
    let sql = "SELECT has_database_privilege(current_database(), 'TEMPORARY') AS v";
    Ok(value::<bool>(txn, sql).await?.unwrap_or(false))
}

/// The name of the session's temporary schema, if it has one.
async fn temporary_schema(
    txn: &sea_orm::DatabaseTransaction,
) -> Result<Option<String>, SourceError> {
    let sql = "SELECT nspname::text AS v FROM pg_namespace WHERE oid = pg_my_temp_schema()";
    value::<String>(txn, sql).await
}

/// Column `v` of the one row of `sql`, if there is a row.
async fn value<T: sea_orm::TryGetable>(
    txn: &sea_orm::DatabaseTransaction,
    sql: &str,
) -> Result<Option<T>, SourceError> {
    let row = txn
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    row.map(|row| database::get::<T>(&row, "v")).transpose()
}
