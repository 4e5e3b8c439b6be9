//! MySQL/MariaDB: the entity DDL run in scratch databases, batch by batch.

use super::*;

/// MySQL/MariaDB, as [`materialize_postgres_by_table`]: only the tables
/// missing from the per-table cache run, in scratch databases of
/// [`TABLES_PER_BATCH`] tables, up to [`PARALLEL_BATCHES`] at once (InnoDB
/// creates a table in 10–100 ms, mostly waiting on the disk, so sessions
/// overlap well). The scratch session does not check foreign keys, so a
/// table runs without the tables it references.
pub(super) async fn materialize_mysql_by_table(
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
