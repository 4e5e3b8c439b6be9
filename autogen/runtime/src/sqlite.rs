//! SQLite's table rebuild ("batch mode" in Alembic): what SQLite cannot
//! ALTER in place (a column's type, nullability or default, foreign keys,
//! primary keys) is done by creating the new table under a temporary name,
//! copying the rows, dropping the old table and renaming the new one, then
//! re-creating its indexes and triggers (sqlite.org/lang_altertable.html,
//! "making other kinds of table schema changes").
//!
//! Foreign-key enforcement must be off while this runs (dropping a parent
//! table would otherwise cascade into its children); the runtime turns it
//! off around each SQLite migration and runs `PRAGMA foreign_key_check`
//! before committing, so a rebuild that breaks a reference rolls back whole
//! (violations that were there before the migration do not count).
//!
//! What the schema model cannot describe but the old table has is kept:
//! CHECK constraints, expression and partial indexes, triggers, the
//! AUTOINCREMENT counter, and views that read the table.

use sea_orm_migration::SchemaManager;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use sea_orm_migration::sea_query::{ColumnDef, Expr, IndexCreateStatement, TableCreateStatement};

mod sql_text;
mod violations;

pub use sql_text::{check_constraints, has_keyword, sql_keywords};
#[cfg(test)]
use violations::Violation;
pub(crate) use violations::{describe_violations, foreign_key_violations, new_violations};

/// Rebuild `table` with the definition `create` (whose table name is
/// replaced by a temporary one), copying `copy` = `(new column, old column)`
/// pairs, then creating `indexes`.
///
/// The form written by migrations generated before [`rebuild_table_keeping`]:
/// a column or index of the table that the migration does not name is lost.
pub async fn rebuild_table(
    manager: &SchemaManager<'_>,
    table: &str,
    create: TableCreateStatement,
    copy: &[(&str, &str)],
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    rebuild(manager, table, create, copy, indexes, None).await
}

/// [`rebuild_table`], keeping what the migration did not know about: a
/// column that the live table has, that the migration neither copies nor
/// drops on purpose (`dropped`: the columns the table had when the
/// migration was generated and the target no longer has), is carried over
/// as declared, with its data, and so are the plain indexes on it. That is
/// drift, or a branch merged after the migration was generated. What is
/// kept, and any other index the rebuild does not re-create, is logged.
pub async fn rebuild_table_keeping(
    manager: &SchemaManager<'_>,
    table: &str,
    create: TableCreateStatement,
    copy: &[(&str, &str)],
    dropped: &[&str],
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    rebuild(manager, table, create, copy, indexes, Some(dropped)).await
}

async fn rebuild(
    manager: &SchemaManager<'_>,
    table: &str,
    mut create: TableCreateStatement,
    copy: &[(&str, &str)],
    mut indexes: Vec<IndexCreateStatement>,
    dropped: Option<&[&str]>,
) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    if conn.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Migration(format!(
            "rebuild_table({table}) is the SQLite recipe; this database is not SQLite"
        )));
    }
    let fk_on = pragma_int(conn, "foreign_keys").await?;
    if fk_on != 0 {
        return Err(DbErr::Migration(format!(
            "rebuilding {table} needs foreign-key enforcement off (it would cascade); apply migrations with `autogen upgrade` or the app"
        )));
    }
    // A big table takes seconds (1.5 M rows: ~14 s): say what is going on.
    let progress = crate::report::task(&format!("rebuilding {table}"), None);
    let kept = Kept::read(conn, table).await?;
    for check in &kept.checks {
        create.check(Expr::cust(check.clone()));
    }
    let mut copy: Vec<(&str, &str)> = copy.to_vec();
    let mut unknown_indexes = Vec::new();
    let unknown_columns = match dropped {
        Some(dropped) => {
            let unknown = unknown_columns(conn, table, &copy, dropped).await?;
            for column in &unknown {
                create.col(column.definition());
            }
            let kept: Vec<&str> = unknown.iter().map(|c| c.name.as_str()).collect();
            unknown_indexes = indexes_on_kept_columns(conn, table, &indexes, &kept).await?;
            unknown
        }
        None => Vec::new(),
    };
    for column in &unknown_columns {
        copy.push((column.name.as_str(), column.name.as_str()));
    }
    if !unknown_columns.is_empty() {
        let names: Vec<&str> = unknown_columns.iter().map(|c| c.name.as_str()).collect();
        tracing::warn!(
            "rebuilding {table}: kept column(s) {} that the migration did not know about (drift or a merged branch)",
            names.join(", ")
        );
    }

    let temp = format!("_autogen_new_{table}");
    create.table(temp.clone());
    conn.execute(&create).await.map_err(|e| {
        if kept.checks.is_empty() {
            e
        } else {
            DbErr::Migration(format!(
                "rebuilding {table}: the new definition with the table's CHECK constraint(s) {} kept fails: {e}",
                kept.checks.join(", ")
            ))
        }
    })?;
    if !copy.is_empty() {
        progress.step("copying the rows");
        let new_cols: Vec<String> = copy.iter().map(|(n, _)| quote(n)).collect();
        let old_cols: Vec<String> = copy.iter().map(|(_, o)| quote(o)).collect();
        sql(
            conn,
            &format!(
                "INSERT INTO {} ({}) SELECT {} FROM {}",
                quote(&temp),
                new_cols.join(", "),
                old_cols.join(", "),
                quote(table)
            ),
        )
        .await
        .map_err(|e| {
            // Say it in the user's terms: their table, not the temporary one.
            DbErr::Migration(format!(
                "rebuilding {table}: its rows do not fit the new definition: {}",
                e.to_string().replace(&temp, table)
            ))
        })?;
    }
    progress.step("replacing the old table");
    sql(conn, &format!("DROP TABLE {}", quote(table))).await?;
    // With the old table gone, views and other tables' triggers that name it
    // dangle until the rename; SQLite's rename checks the whole schema and
    // would refuse. The legacy rename only renames, and the references are
    // right again once it has.
    let legacy = pragma_int(conn, "legacy_alter_table").await?;
    sql(conn, "PRAGMA legacy_alter_table = ON").await?;
    let renamed = sql(
        conn,
        &format!("ALTER TABLE {} RENAME TO {}", quote(&temp), quote(table)),
    )
    .await;
    sql(conn, &format!("PRAGMA legacy_alter_table = {legacy}")).await?;
    renamed?;
    progress.step("re-creating its indexes and triggers");
    for index in indexes.drain(..) {
        conn.execute(&index).await?;
    }
    for stmt in kept
        .indexes
        .iter()
        .chain(&unknown_indexes)
        .chain(&kept.triggers)
    {
        sql(conn, stmt).await?;
    }
    if let Some(seq) = kept.sequence {
        restore_sequence(conn, table, seq).await?;
    }
    progress.finish(&format!("rebuilt {table}"));
    Ok(())
}

/// A column of the live table that a generated rebuild does not name.
#[derive(Debug)]
struct UnknownColumn {
    name: String,
    declared: String,
    not_null: bool,
    default: Option<String>,
}

impl UnknownColumn {
    /// The column as the live table declares it.
    fn definition(&self) -> ColumnDef {
        let mut def = ColumnDef::new(self.name.clone());
        def.custom(if self.declared.is_empty() {
            "BLOB".to_owned()
        } else {
            self.declared.clone()
        });
        if self.not_null {
            def.not_null();
        }
        if let Some(default) = &self.default {
            def.default(Expr::cust(default.clone()));
        }
        def
    }
}

/// The live columns of `table` that `copy` does not read and `dropped` does not name.
async fn unknown_columns<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    copy: &[(&str, &str)],
    dropped: &[&str],
) -> Result<Vec<UnknownColumn>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info(?) ORDER BY cid",
            [table.into()],
        ))
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        if copy.iter().any(|(_, old)| *old == name) || dropped.contains(&name.as_str()) {
            continue;
        }
        out.push(UnknownColumn {
            name,
            declared: row.try_get_by_index(1)?,
            not_null: row.try_get_by_index::<i64>(2)? != 0,
            default: row.try_get_by_index(3)?,
        });
    }
    Ok(out)
}

/// `CREATE INDEX` of the plain indexes of `table` that the migration does
/// not re-create and that cover a column kept by the rebuild; every other
/// plain index the migration does not name is dropped with the old table,
/// which is logged (expression and partial indexes are kept anyway).
async fn indexes_on_kept_columns<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    creates: &[IndexCreateStatement],
    kept_columns: &[&str],
) -> Result<Vec<String>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT m.name, m.sql, (SELECT group_concat(ii.name, char(31)) FROM pragma_index_info(il.name) ii) \
             FROM pragma_index_list(?1) il \
             JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name \
             WHERE m.sql IS NOT NULL AND il.partial = 0 AND NOT EXISTS \
             (SELECT 1 FROM pragma_index_xinfo(il.name) x WHERE x.key = 1 AND x.cid = -2)",
            [table.into()],
        ))
        .await?;
    let created: Vec<String> = creates
        .iter()
        .filter_map(|i| i.get_index_spec().get_name().map(str::to_owned))
        .collect();
    let mut out = Vec::new();
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        if created.contains(&name) {
            continue;
        }
        let columns: String = row
            .try_get_by_index::<Option<String>>(2)?
            .unwrap_or_default();
        if columns.split('\u{1f}').any(|c| kept_columns.contains(&c)) {
            out.push(row.try_get_by_index::<String>(1)?);
        } else {
            tracing::info!("rebuilding {table}: index {name} is not part of the new definition");
        }
    }
    Ok(out)
}

/// What the old table has that the new definition does not say.
#[derive(Debug, Default)]
struct Kept {
    /// CHECK expressions (without `CHECK (...)`).
    checks: Vec<String>,
    /// `CREATE INDEX` of expression and partial indexes.
    indexes: Vec<String>,
    /// `CREATE TRIGGER` of the table's triggers.
    triggers: Vec<String>,
    /// The AUTOINCREMENT counter, which may be above the highest id left.
    sequence: Option<i64>,
}

impl Kept {
    async fn read<C: ConnectionTrait>(conn: &C, table: &str) -> Result<Self, DbErr> {
        let strings = |sql: &'static str| async move {
            let rows = conn
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    sql,
                    [table.into()],
                ))
                .await?;
            rows.iter()
                .map(|r| r.try_get_by_index::<String>(0))
                .collect::<Result<Vec<_>, _>>()
        };
        let table_sql = strings(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? AND sql IS NOT NULL",
        )
        .await?;
        let checks = table_sql
            .first()
            .map(|s| check_constraints(s))
            .unwrap_or_default();
        let indexes = strings(
            "SELECT m.sql FROM pragma_index_list(?1) il \
             JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name \
             WHERE m.sql IS NOT NULL AND (il.partial = 1 OR EXISTS \
             (SELECT 1 FROM pragma_index_xinfo(il.name) x WHERE x.key = 1 AND x.cid = -2))",
        )
        .await?;
        let triggers = strings(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL",
        )
        .await?;
        let has_sequence = !conn
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
            ))
            .await?
            .is_empty();
        let sequence = if has_sequence {
            conn.query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT seq FROM sqlite_sequence WHERE name = ?",
                [table.into()],
            ))
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
        } else {
            None
        };
        Ok(Self {
            checks,
            indexes,
            triggers,
            sequence,
        })
    }
}

/// Put the AUTOINCREMENT counter back where it was (copying the rows set
/// it to the highest id, which is lower when the last rows were deleted),
/// if the new table still has AUTOINCREMENT.
async fn restore_sequence<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    seq: i64,
) -> Result<(), DbErr> {
    let sql = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            [table.into()],
        ))
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    if !has_keyword(&sql, "AUTOINCREMENT") {
        return Ok(());
    }
    let values = |sql: &str| {
        Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            [Value::from(seq), Value::from(table)],
        )
    };
    let updated = conn
        .execute_raw(values(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
        ))
        .await?;
    if updated.rows_affected() == 0 {
        conn.execute_raw(values(
            "INSERT INTO sqlite_sequence (seq, name) VALUES (?, ?)",
        ))
        .await?;
    }
    Ok(())
}

/// Run `text` through the prepared path, which SeaORM reports to a
/// connection's metric callback (`upgrade --dry-run` lists the statements
/// from there; `execute_unprepared` is not reported).
async fn sql<C: ConnectionTrait>(
    conn: &C,
    text: &str,
) -> Result<sea_orm_migration::sea_orm::ExecResult, DbErr> {
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), text))
        .await
}

async fn pragma_int<C: ConnectionTrait>(conn: &C, pragma: &str) -> Result<i64, DbErr> {
    Ok(conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {pragma}"),
        ))
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0))
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

#[cfg(test)]
mod tests;
