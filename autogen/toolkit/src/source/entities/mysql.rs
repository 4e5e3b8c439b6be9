//! MySQL/MariaDB: the entity DDL run in scratch databases, batch by batch.

use super::*;

/// MySQL/MariaDB, as [`materialize_postgres_by_table`]: only the tables
/// missing from the per-table cache run, in scratch databases of
/// [`TABLES_PER_BATCH`] tables, [`MYSQL_SESSIONS`] at once (InnoDB
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

/// Scratch sessions making tables at once on MySQL/MariaDB: 1 000 synthetic
/// tables on MariaDB 10.11 took 3.3 s in 4 sessions and 3.6 s in 8.
const MYSQL_SESSIONS: usize = 4;

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
    // Not bound by this machine's cores: a MySQL session making tables
    // mostly waits for the server's disk, and the server syncs the waits of
    // several sessions together.
    let parallel = MYSQL_SESSIONS;
    // Spread over the sessions: one slow `CREATE TABLE` holds up only its own.
    let per_batch = missing
        .len()
        .div_ceil(parallel * 2)
        .clamp(1, TABLES_PER_BATCH);
    let mut pending = missing.chunks(per_batch).map(|chunk| {
        chunk
            .iter()
            .flat_map(|i| fold_indexes(&units.tables[*i].table, &units.tables[*i].statements))
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

/// A table's statements with its plain `CREATE [UNIQUE] INDEX` statements
/// written into its `CREATE TABLE` as `[UNIQUE] INDEX` clauses: InnoDB
/// makes a table and an index alike in one DDL statement each, and on a
/// disk that syncs slowly a separate `CREATE INDEX` (an `ALTER TABLE`) cost
/// more than the table (100 synthetic tables: 5.7 s as written, 2.4 s
/// folded). The server keeps the same index either way, and a foreign key
/// over the index's columns then uses it (the index InnoDB would make for
/// it alone is not made; when it is, it is dropped once a usable index
/// comes). An index statement of any other shape (`USING`, `FULLTEXT`, a
/// comment) is run as written, after the table.
fn fold_indexes(table: &str, statements: &[&str]) -> Vec<String> {
    let Some((create, rest)) = statements.split_first() else {
        return Vec::new();
    };
    let Some(close) = closing_paren(create) else {
        return statements.iter().map(|s| (*s).to_owned()).collect();
    };
    let table = format!("`{}`", table.replace('`', "``"));
    let mut clauses = String::new();
    let mut separate = Vec::new();
    for stmt in rest {
        match index_clause(stmt, &table) {
            Some(clause) => {
                clauses.push_str(", ");
                clauses.push_str(&clause);
            }
            None => separate.push((*stmt).to_owned()),
        }
    }
    let mut out = Vec::with_capacity(1 + separate.len());
    out.push(format!("{}{clauses}{}", &create[..close], &create[close..]));
    out.extend(separate);
    out
}

/// `CREATE [UNIQUE] INDEX `i` ON `table` (parts)`, and nothing after the
/// parts, as the clause `[UNIQUE] INDEX `i` (parts)`.
fn index_clause(stmt: &str, table: &str) -> Option<String> {
    let s = stmt.trim();
    let (unique, rest) = match s.strip_prefix("CREATE UNIQUE INDEX ") {
        Some(rest) => ("UNIQUE ", rest),
        None => ("", s.strip_prefix("CREATE INDEX ")?),
    };
    let (name, rest) = backquoted(rest)?;
    let rest = rest.strip_prefix(" ON ")?.strip_prefix(table)?;
    let parts = rest.strip_prefix(' ').unwrap_or(rest);
    if !parts.starts_with('(') || closing_paren(parts)? != parts.len() - 1 {
        return None;
    }
    Some(format!("{unique}INDEX {name} {parts}"))
}

/// A backquoted identifier at the start of `s` (with its quotes) and the rest.
fn backquoted(s: &str) -> Option<(&str, &str)> {
    let body = s.strip_prefix('`')?;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            if chars.peek().map(|(_, c)| *c) == Some('`') {
                chars.next();
                continue;
            }
            return Some((&s[..i + 2], &s[i + 2..]));
        }
    }
    None
}

/// The byte offset of the parenthesis closing the first `(` of `s`, outside
/// backquoted names and quoted strings.
fn closing_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == '\\' && q != '`' => {
                chars.next();
            }
            Some(q) if c == q => {
                if chars.peek().map(|(_, c)| *c) == Some(q) {
                    chars.next();
                } else {
                    quote = None;
                }
            }
            Some(_) => {}
            None => match c {
                '`' | '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// A character set or collation name, safe to splice into DDL.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::fold_indexes;

    #[test]
    fn plain_index_statements_are_folded_into_their_table() {
        let create = "CREATE TABLE `t` ( `id` int NOT NULL PRIMARY KEY, `a` varchar(10) DEFAULT 'x)', `b` text COMMENT 'it''s (' ) COMMENT 'a ) b'";
        let folded = fold_indexes(
            "t",
            &[
                create,
                "CREATE INDEX `idx-t-a` ON `t` (`a`)",
                "CREATE UNIQUE INDEX `u``q` ON `t` (`a`, `b`(10))",
                "CREATE INDEX `idx-t-b` ON `t` (`b`(10)) USING BTREE",
                "CREATE FULLTEXT INDEX `ft` ON `t` (`b`)",
                "CREATE INDEX `other` ON `t2` (`a`)",
            ],
        );
        assert_eq!(
            folded,
            vec![
                "CREATE TABLE `t` ( `id` int NOT NULL PRIMARY KEY, `a` varchar(10) DEFAULT 'x)', `b` text COMMENT 'it''s (' , INDEX `idx-t-a` (`a`), UNIQUE INDEX `u``q` (`a`, `b`(10)))".to_owned()
                    + " COMMENT 'a ) b'",
                "CREATE INDEX `idx-t-b` ON `t` (`b`(10)) USING BTREE".to_owned(),
                "CREATE FULLTEXT INDEX `ft` ON `t` (`b`)".to_owned(),
                "CREATE INDEX `other` ON `t2` (`a`)".to_owned(),
            ]
        );
    }

    #[test]
    fn a_table_without_indexes_is_unchanged() {
        let create = "CREATE TABLE `t` ( `id` int NOT NULL PRIMARY KEY )";
        assert_eq!(fold_indexes("t", &[create]), vec![create.to_owned()]);
    }
}
