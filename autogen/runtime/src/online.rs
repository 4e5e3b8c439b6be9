//! Online DDL on PostgreSQL: the forms of index, constraint and NOT NULL
//! changes that never hold a lock which blocks writes for longer than a
//! catalog update, as generated migrations (`autogen -m --online`) call them.
//!
//! They run in a migration with `use_transaction() == Some(false)`: each
//! statement commits on its own (`CREATE INDEX CONCURRENTLY` cannot run in a
//! transaction, and a `VALIDATE` must not hold the lock its `ADD ... NOT
//! VALID` took). That makes a failed run leave some statements applied, so
//! every helper is idempotent: a retry (or the next boot) skips what is
//! done, and an invalid index left by an interrupted `CONCURRENTLY` build is
//! dropped and built again. A statement that takes a write-blocking lock
//! (however briefly) runs under the migration's `lock_timeout`; when it gives
//! up (SQLSTATE 55P03) it is retried a bounded number of times with a
//! growing pause, since a busy table usually frees its lock within seconds.
//! The statements whose waits never block writes (concurrent builds,
//! validations) run without it.

use std::time::Duration;

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr, Statement, Value};
use sea_orm_migration::sea_query::{ForeignKeyCreateStatement, IndexCreateStatement};

/// How many times a statement that ran into its `lock_timeout` is tried in all.
pub const LOCK_ATTEMPTS: u32 = 5;

/// The pause before the first retry; it doubles after each.
const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// Whether `e` is PostgreSQL giving up on a lock (`lock_timeout`, SQLSTATE 55P03).
pub fn is_lock_timeout(e: &DbErr) -> bool {
    let text = e.to_string();
    text.contains("lock timeout") || text.contains("55P03")
}

/// Run `sql`, retrying it when it gives up waiting for a lock.
pub async fn execute(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1;
    loop {
        match manager.get_connection().execute_unprepared(sql).await {
            Ok(_) => return Ok(()),
            Err(e) if is_lock_timeout(&e) && attempt < LOCK_ATTEMPTS => {
                tracing::warn!(
                    "lock timeout (attempt {attempt} of {LOCK_ATTEMPTS}), retrying in {pause:?}: {sql}"
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Run `sql`, which waits only in a way that never blocks writes
/// (`CREATE/DROP INDEX CONCURRENTLY` waiting for older transactions,
/// `VALIDATE CONSTRAINT` under SHARE UPDATE EXCLUSIVE), without the
/// migration's `lock_timeout`: a long transaction anywhere in the database
/// (a `pg_dump`, say) would otherwise make a finished concurrent build give
/// up, leave an invalid index, and start over. The timeout is restored after.
pub async fn execute_unbounded(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let saved = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT current_setting('lock_timeout') AS v",
        ))
        .await?
        .and_then(|row| row.try_get::<String>("", "v").ok());
    conn.execute_unprepared("SET lock_timeout = 0").await?;
    let result = conn.execute_unprepared(sql).await.map(|_| ());
    let restore = match saved {
        Some(v) => format!("SET lock_timeout = '{}'", v.replace('\'', "''")),
        None => "RESET lock_timeout".to_owned(),
    };
    conn.execute_unprepared(&restore).await?;
    result
}

/// A relation's schema (`None`: the first schema of the search path) and name.
fn split(table: &str) -> (Option<&str>, &str) {
    // Names come quoted from sea-query: `"s"."t"` or `"t"`.
    match table.find("\".\"") {
        Some(i) => (Some(&table[1..i]), &table[i + 3..table.len() - 1]),
        None => (None, table.trim_matches('"')),
    }
}

async fn query_bool(
    manager: &SchemaManager<'_>,
    sql: &str,
    values: Vec<Value>,
) -> Result<bool, DbErr> {
    let conn = manager.get_connection();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            sql,
            values,
        ))
        .await?;
    Ok(row.is_some())
}

/// `Some(valid)` when an index of that name exists in the table's schema.
async fn index_state(
    manager: &SchemaManager<'_>,
    schema: Option<&str>,
    name: &str,
) -> Result<Option<bool>, DbErr> {
    let exists = query_bool(
        manager,
        "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema())",
        vec![name.into(), schema.map(str::to_owned).into()],
    )
    .await?;
    if !exists {
        return Ok(None);
    }
    let valid = query_bool(
        manager,
        "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema()) AND i.indisvalid",
        vec![name.into(), schema.map(str::to_owned).into()],
    )
    .await?;
    Ok(Some(valid))
}

async fn constraint_exists(
    manager: &SchemaManager<'_>,
    table: &str,
    name: &str,
) -> Result<bool, DbErr> {
    let (schema, table) = split(table);
    query_bool(
        manager,
        "SELECT 1 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE k.conname = $1 AND c.relname = $2 AND n.nspname = COALESCE($3, current_schema())",
        vec![name.into(), table.into(), schema.map(str::to_owned).into()],
    )
    .await
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY`: builds the index while writes go
/// on. Idempotent: a valid index of that name is kept, an invalid one (an
/// interrupted build) is dropped concurrently and built again.
pub async fn create_index(
    manager: &SchemaManager<'_>,
    mut index: IndexCreateStatement,
) -> Result<(), DbErr> {
    index.concurrently();
    let name = index
        .get_index_spec()
        .get_name()
        .unwrap_or_default()
        .to_owned();
    let backend = manager.get_database_backend();
    let sql = backend.build(&index).sql;
    let schema = index_schema(&sql);
    match index_state(manager, schema.as_deref(), &name).await? {
        Some(true) => return Ok(()),
        Some(false) => {
            tracing::warn!("dropping the invalid index {name} an interrupted build left behind");
            let qualified = match &schema {
                Some(s) => format!("{}.{}", quote(s), quote(&name)),
                None => quote(&name),
            };
            execute_unbounded(
                manager,
                &format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"),
            )
            .await?;
        }
        None => {}
    }
    execute_unbounded(manager, &sql).await
}

/// The schema of the table an index statement names (`ON "s"."t"`).
fn index_schema(sql: &str) -> Option<String> {
    let on = sql.find(" ON ")? + 4;
    let rest = &sql[on..];
    let end = rest.find(" (").unwrap_or(rest.len());
    split(&rest[..end]).0.map(str::to_owned)
}

/// `DROP INDEX CONCURRENTLY IF EXISTS`: drops the index while writes go on.
pub async fn drop_index(
    manager: &SchemaManager<'_>,
    schema: Option<&str>,
    name: &str,
) -> Result<(), DbErr> {
    let qualified = match schema {
        Some(s) => format!("{}.{}", quote(s), quote(name)),
        None => quote(name),
    };
    execute_unbounded(
        manager,
        &format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"),
    )
    .await
}

/// A foreign key as `ADD CONSTRAINT ... NOT VALID` (a brief lock, existing
/// rows not checked), then `VALIDATE CONSTRAINT` (checks them under a lock
/// that lets writes through). Idempotent.
pub async fn add_foreign_key(
    manager: &SchemaManager<'_>,
    foreign_key: ForeignKeyCreateStatement,
) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let sql = backend.build(&foreign_key).sql;
    let name = foreign_key
        .get_foreign_key()
        .get_name()
        .unwrap_or_default()
        .to_owned();
    let table = constraint_table(&sql);
    if !constraint_exists(manager, &table, &name).await? {
        execute(manager, &format!("{sql} NOT VALID")).await?;
    }
    execute_unbounded(
        manager,
        &format!("ALTER TABLE {table} VALIDATE CONSTRAINT {}", quote(&name)),
    )
    .await
}

/// The table of `ALTER TABLE <table> ADD ...` as written.
fn constraint_table(sql: &str) -> String {
    let rest = sql.trim_start_matches("ALTER TABLE ");
    rest[..rest.find(" ADD ").unwrap_or(rest.len())].to_owned()
}

/// A qualified table name as SQL: `"s"."t"` or `"t"`.
fn qualified(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", quote(s), quote(table)),
        None => quote(table),
    }
}

/// `SET NOT NULL` without scanning the table under an exclusive lock: a
/// `CHECK (col IS NOT NULL) NOT VALID`, validated while writes go on, lets
/// PostgreSQL (12+) skip the scan; the check is dropped afterwards. Idempotent.
pub async fn set_not_null(
    manager: &SchemaManager<'_>,
    schema: Option<&str>,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    let tbl = qualified(schema, table);
    let mut check = format!("{table}_{column}_not_null");
    while check.len() > 63 {
        check.pop();
    }
    if !constraint_exists(manager, &tbl, &check).await? {
        execute(
            manager,
            &format!(
                "ALTER TABLE {tbl} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                quote(&check),
                quote(column)
            ),
        )
        .await?;
    }
    execute_unbounded(
        manager,
        &format!("ALTER TABLE {tbl} VALIDATE CONSTRAINT {}", quote(&check)),
    )
    .await?;
    execute(
        manager,
        &format!(
            "ALTER TABLE {tbl} ALTER COLUMN {} SET NOT NULL",
            quote(column)
        ),
    )
    .await?;
    execute(
        manager,
        &format!(
            "ALTER TABLE {tbl} DROP CONSTRAINT IF EXISTS {}",
            quote(&check)
        ),
    )
    .await
}

/// A UNIQUE constraint without a long lock: its unique index is built
/// concurrently, then attached with `ADD CONSTRAINT ... UNIQUE USING INDEX`
/// (the index takes the constraint's name). Idempotent.
pub async fn add_unique(
    manager: &SchemaManager<'_>,
    index: IndexCreateStatement,
) -> Result<(), DbErr> {
    let mut index = index;
    index.unique();
    let name = index
        .get_index_spec()
        .get_name()
        .unwrap_or_default()
        .to_owned();
    let sql = manager.get_database_backend().build(&index).sql;
    let table = {
        let on = sql.find(" ON ").map_or(0, |i| i + 4);
        let rest = &sql[on..];
        rest[..rest.find(" (").unwrap_or(rest.len())].to_owned()
    };
    if constraint_exists(manager, &table, &name).await? {
        return Ok(());
    }
    create_index(manager, index).await?;
    execute(
        manager,
        &format!(
            "ALTER TABLE {table} ADD CONSTRAINT {} UNIQUE USING INDEX {}",
            quote(&name),
            quote(&name)
        ),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_back_from_the_statements() {
        assert_eq!(split("\"s\".\"t\""), (Some("s"), "t"));
        assert_eq!(split("\"t\""), (None, "t"));
        assert_eq!(
            index_schema("CREATE INDEX CONCURRENTLY \"i\" ON \"s\".\"t\" (\"a\")"),
            Some("s".into())
        );
        assert_eq!(index_schema("CREATE INDEX \"i\" ON \"t\" (\"a\")"), None);
        assert_eq!(
            constraint_table("ALTER TABLE \"s\".\"t\" ADD CONSTRAINT \"f\" FOREIGN KEY"),
            "\"s\".\"t\""
        );
    }
}
