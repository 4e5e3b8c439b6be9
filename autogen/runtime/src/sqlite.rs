//! SQLite's table rebuild ("batch mode" in Alembic): what SQLite cannot
//! ALTER in place (a column's type, nullability or default, foreign keys,
//! primary keys) is done by creating the new table under a temporary name,
//! copying the rows, dropping the old table and renaming the new one, then
//! re-creating its indexes and triggers.
//!
//! Foreign-key enforcement must be off while this runs (dropping a parent
//! table would otherwise cascade into its children); the runtime turns it
//! off around each SQLite migration and runs `PRAGMA foreign_key_check`
//! before committing, so a rebuild that breaks a reference rolls back whole.

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sea_orm_migration::sea_query::{IndexCreateStatement, TableCreateStatement};

/// Rebuild `table` with the definition `create` (whose table name is
/// replaced by a temporary one), copying `copy` = `(new column, old column)`
/// pairs, then creating `indexes`.
pub async fn rebuild_table(
    manager: &SchemaManager<'_>,
    table: &str,
    mut create: TableCreateStatement,
    copy: &[(&str, &str)],
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    if conn.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Migration(format!(
            "rebuild_table({table}) is the SQLite recipe; this database is not SQLite"
        )));
    }
    let fk_on = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    if fk_on != 0 {
        return Err(DbErr::Migration(format!(
            "rebuilding {table} needs foreign-key enforcement off (it would cascade); apply migrations with `autogen upgrade` or the app"
        )));
    }
    let triggers = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL",
            [table.into()],
        ))
        .await?
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect::<Vec<_>>();

    let temp = format!("_autogen_new_{table}");
    create.table(temp.clone());
    conn.execute(&create).await?;
    if !copy.is_empty() {
        let new_cols: Vec<String> = copy.iter().map(|(n, _)| quote(n)).collect();
        let old_cols: Vec<String> = copy.iter().map(|(_, o)| quote(o)).collect();
        conn.execute_unprepared(&format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote(&temp),
            new_cols.join(", "),
            old_cols.join(", "),
            quote(table)
        ))
        .await?;
    }
    conn.execute_unprepared(&format!("DROP TABLE {}", quote(table)))
        .await?;
    conn.execute_unprepared(&format!(
        "ALTER TABLE {} RENAME TO {}",
        quote(&temp),
        quote(table)
    ))
    .await?;
    for index in &indexes {
        conn.execute(index).await?;
    }
    for trigger in triggers {
        conn.execute_unprepared(&trigger).await?;
    }
    Ok(())
}

/// Foreign-key violations in the whole database, as "table(rowid) -> parent" lines.
pub(crate) async fn foreign_key_violations<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<String>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let table = r.try_get_by_index::<String>(0).unwrap_or_default();
            let rowid = r
                .try_get_by_index::<Option<i64>>(1)
                .ok()
                .flatten()
                .unwrap_or_default();
            let parent = r.try_get_by_index::<String>(2).unwrap_or_default();
            format!("{table}(rowid {rowid}) -> {parent}")
        })
        .collect())
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}
