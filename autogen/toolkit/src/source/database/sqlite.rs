//! SQLite catalog → [`Schema`] in four queries, joining `sqlite_master` with
//! the table-valued pragma functions so the count does not grow with tables.
//!
//! SQLite stores the declared type as written; sea-query writes its own
//! spellings (`timestamp_with_timezone_text`, `jsonb_text`, `real(10, 2)`,
//! ...), which map back to the canonical types here. What SQLite cannot tell
//! apart once sea-query has written it is collapsed here, once: `integer`
//! and `bigint` (sea-query writes both as `integer`), spellings and keyword
//! case of types and defaults. It has no comments and no native enums
//! (`enum_text`, whatever the values). The README's "SQLite notes" list it.
//!
//! Everything these queries read derives from the rows of `sqlite_master`
//! (the pragmas parse the `CREATE` text stored there) and the library's
//! version, so the schema read is cached under the hash of those rows: a
//! no-op `check` reads `sqlite_master` once and the schema from the cache
//! (see `source::cache`; any DDL changes a row, hence the key).

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use autogen_runtime::sqlite;

use super::get;
use crate::schema::{Column, ColumnType, FkAction, ForeignKey, Index, Schema, Table};
use crate::schema::{Unmanaged, UnmanagedKind};
use crate::source::SourceError;

/// Tables, and the views and triggers that the model cannot describe.
/// (`_` is a LIKE wildcard: escaped, only SQLite's own `sqlite_*` are skipped.)
const TABLES: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
    WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

const COLUMNS: &str = "SELECT m.name AS table_name, p.name AS name, p.type AS type, \
    p.\"notnull\" AS not_null, p.dflt_value AS dflt, p.pk AS pk \
    FROM sqlite_master m JOIN pragma_table_info(m.name) p \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid";

const INDEXES: &str = "SELECT m.name AS table_name, il.name AS name, il.\"unique\" AS is_unique, \
    il.origin AS origin, il.partial AS partial, ii.name AS col, ii.seqno AS seqno \
    FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, il.name, ii.seqno";

const FOREIGN_KEYS: &str = "SELECT m.name AS table_name, fk.id AS id, fk.\"table\" AS ref_table, \
    fk.\"from\" AS col, fk.\"to\" AS ref_col, fk.on_update AS on_update, fk.on_delete AS on_delete \
    FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) fk \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, fk.id, fk.seq";

/// Every row of the catalog, in a fixed order: the cache key of the schema.
const MASTER: &str = "SELECT type, name, tbl_name, sql, sqlite_version() AS v FROM sqlite_master \
    ORDER BY type, name";

/// The schema of the connection's `main` database: from the cache when its
/// catalog rows are those of a schema read before, else read and cached.
pub async fn introspect<C: ConnectionTrait>(db: &C) -> Result<Schema, SourceError> {
    let key = live_key(db).await?;
    introspect_keyed(db, &key).await
}

/// The cache key of the schema `main` holds: the hash of every row of
/// `sqlite_master` and of the library's version (one query).
pub async fn live_key<C: ConnectionTrait>(db: &C) -> Result<String, SourceError> {
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, MASTER))
        .await?;
    let mut parts: Vec<String> = vec!["live-sqlite".to_owned()];
    for row in &rows {
        for col in ["v", "type", "name", "tbl_name"] {
            parts.push(get::<String>(row, col)?);
        }
        parts.push(get::<Option<String>>(row, "sql")?.unwrap_or_default());
    }
    if rows.is_empty() {
        // An empty catalog still has a version to key on.
        let version = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT sqlite_version() AS v",
            ))
            .await?;
        if let Some(row) = version {
            parts.push(get::<String>(&row, "v")?);
        }
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(format!("live-sqlite-{}", crate::source::cache::key(&refs)))
}

/// The schema cached under `key` (from [`live_key`]), else read and cached.
pub async fn introspect_keyed<C: ConnectionTrait>(
    db: &C,
    key: &str,
) -> Result<Schema, SourceError> {
    if let Some(schema) = crate::source::cache::load_blocking::<Schema>(key).await {
        return Ok(schema);
    }
    let schema = read_catalog(db).await?;
    crate::source::cache::store(key, &schema);
    Ok(schema)
}

/// The schema read from the catalog (four bulk queries), without the cache.
pub async fn read_catalog<C: ConnectionTrait>(db: &C) -> Result<Schema, SourceError> {
    let query =
        |sql: &'static str| db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql));
    let mut out = Schema::default();
    let mut autoincrement = Vec::new();
    for row in query(TABLES).await? {
        let kind: String = get(&row, "type")?;
        let name: String = get(&row, "name")?;
        if kind != "table" {
            let on: String = get(&row, "tbl_name")?;
            // By name only: SQLite rewrites their SQL when a table is renamed.
            out.unmanaged.push(match kind.as_str() {
                "view" => Unmanaged::new(UnmanagedKind::View, &name, None),
                _ => Unmanaged::new(UnmanagedKind::Trigger, &name, Some(&on)),
            });
            continue;
        }
        let sql: Option<String> = get(&row, "sql")?;
        let sql = sql.unwrap_or_default();
        if sqlite::has_keyword(&sql, "AUTOINCREMENT") {
            autoincrement.push(name.clone());
        }
        // CHECK constraints live only in the table's SQL; the model cannot
        // hold them, so they are reported (and a rebuild keeps them).
        for check in sqlite::check_constraints(&sql) {
            out.unmanaged.push(
                Unmanaged::new(UnmanagedKind::Constraint, "", Some(&name))
                    .defined_as(format!("CHECK ({check})")),
            );
        }
        out.tables.insert(
            name.clone(),
            Table {
                name,
                ..Table::default()
            },
        );
    }

    read_columns(&mut out, query(COLUMNS).await?, autoincrement)?;
    read_indexes(&mut out, query(INDEXES).await?)?;
    read_foreign_keys(&mut out, query(FOREIGN_KEYS).await?)?;
    Ok(out)
}

/// The columns, the primary keys in key order, and AUTOINCREMENT on the
/// single-column key of the tables in `autoincrement`.
fn read_columns(
    out: &mut Schema,
    rows: Vec<QueryResult>,
    autoincrement: Vec<String>,
) -> Result<(), SourceError> {
    let mut pk: Vec<(String, i64, String)> = Vec::new();
    for row in rows {
        let table: String = get(&row, "table_name")?;
        let name: String = get(&row, "name")?;
        let pk_pos: i64 = get(&row, "pk")?;
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        if pk_pos > 0 {
            pk.push((table.clone(), pk_pos, name.clone()));
        }
        t.columns.push(Column {
            name,
            ty: parse_type(&get::<String>(&row, "type")?),
            // A primary key column is NOT NULL in the model whether or not it
            // says so (an INTEGER PRIMARY KEY is the rowid, never NULL).
            nullable: get::<i64>(&row, "not_null")? == 0 && pk_pos == 0,
            default: get::<Option<String>>(&row, "dflt")?.and_then(|d| normalize_default(&d)),
            auto_increment: false,
            comment: None,
            renamed_from: None,
            base_type: None,
            sequence: Default::default(),
            attrs: Default::default(),
        });
    }
    pk.sort();
    for (table, _, column) in pk {
        if let Some(t) = out.tables.get_mut(&table) {
            t.primary_key.push(column);
        }
    }
    for table in autoincrement {
        if let Some(t) = out.tables.get_mut(&table)
            && let [only] = t.primary_key.as_slice()
        {
            let only = only.clone();
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == only) {
                c.auto_increment = true;
            }
        }
    }
    Ok(())
}

/// The indexes on plain columns; expression and partial ones are listed as
/// unmanaged.
fn read_indexes(out: &mut Schema, rows: Vec<QueryResult>) -> Result<(), SourceError> {
    // An index mixing plain columns and expressions lists both: its plain
    // columns must not make it a managed index (a diff would drop it).
    let mut unmanaged_indexes: Vec<String> = Vec::new();
    for row in rows {
        let table: String = get(&row, "table_name")?;
        let name: String = get(&row, "name")?;
        let origin: String = get(&row, "origin")?;
        let col: Option<String> = get(&row, "col")?;
        let partial: i64 = get(&row, "partial")?;
        if origin == "pk" {
            continue;
        }
        if col.is_none() || partial != 0 {
            let entry = Unmanaged::new(UnmanagedKind::Index, &name, Some(&table))
                .defined_as("expression or partial index");
            if !out.unmanaged.contains(&entry) {
                out.unmanaged.push(entry);
            }
            unmanaged_indexes.push(name);
            continue;
        }
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        let unique = get::<i64>(&row, "is_unique")? != 0;
        match t.indexes.iter_mut().find(|i| i.name == name) {
            Some(i) => i.columns.extend(col),
            None => t.indexes.push(Index {
                name,
                columns: col.into_iter().collect(),
                unique,
                constraint: origin == "u",
            }),
        }
    }
    for t in out.tables.values_mut() {
        t.indexes
            .retain(|i| !i.columns.is_empty() && !unmanaged_indexes.contains(&i.name));
    }
    Ok(())
}

/// The foreign keys (one pragma row per column), with the referenced
/// columns named where the SQL leaves them to the primary key.
fn read_foreign_keys(out: &mut Schema, rows: Vec<QueryResult>) -> Result<(), SourceError> {
    let mut current: Option<(String, i64)> = None;
    for row in rows {
        let table: String = get(&row, "table_name")?;
        let id: i64 = get(&row, "id")?;
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        let col: String = get(&row, "col")?;
        let ref_col: Option<String> = get(&row, "ref_col")?;
        if current.as_ref() == Some(&(table.clone(), id)) {
            if let Some(fk) = t.foreign_keys.last_mut() {
                fk.columns.push(col);
                fk.ref_columns.extend(ref_col);
            }
            continue;
        }
        current = Some((table.clone(), id));
        t.foreign_keys.push(ForeignKey {
            name: String::new(),
            columns: vec![col],
            ref_table: get(&row, "ref_table")?,
            ref_schema: None,
            ref_columns: ref_col.into_iter().collect(),
            on_delete: FkAction::from_sql(&get::<String>(&row, "on_delete")?),
            on_update: FkAction::from_sql(&get::<String>(&row, "on_update")?),
        });
    }
    // `REFERENCES p` without a column list means p's primary key; the pragma
    // leaves `to` NULL then, the model names the columns.
    let primary_keys: Vec<(String, Vec<String>)> = out
        .tables
        .values()
        .map(|t| (t.name.clone(), t.primary_key.clone()))
        .collect();
    for t in out.tables.values_mut() {
        for fk in t
            .foreign_keys
            .iter_mut()
            .filter(|f| f.ref_columns.is_empty())
        {
            if let Some((_, pk)) = primary_keys.iter().find(|(n, _)| *n == fk.ref_table) {
                fk.ref_columns = pk.clone();
            }
        }
        // The pragma lists constraints newest first: a stable order by columns
        // makes two tables with the same constraints list them alike.
        t.foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
    }
    Ok(())
}

/// A default as SQLite reports it (the text after `DEFAULT`, as written) →
/// one spelling: keyword literals in upper case as sea-query writes them,
/// and `DEFAULT NULL`, which is no default at all.
pub fn normalize_default(text: &str) -> Option<String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    match upper.as_str() {
        "NULL" => None,
        "TRUE" | "FALSE" | "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME" => Some(upper),
        _ => Some(t.to_owned()),
    }
}

/// A declared SQLite type (as sea-query writes it) → canonical type.
///
/// `bigint` is `Integer`: sea-query writes `.big_integer()` as `integer`
/// on SQLite, so a hand-written `bigint` is the same column to both SQLite
/// and the entities. Decimals are `real(p, s)` / `real_decimal`.
pub fn parse_type(declared: &str) -> ColumnType {
    let lower = declared.trim().to_ascii_lowercase();
    let (base, args) = match lower.find('(') {
        Some(i) => (
            lower[..i].trim().to_owned(),
            lower[i + 1..]
                .trim_end_matches(')')
                .split(',')
                .filter_map(|a| a.trim().parse::<u32>().ok())
                .collect::<Vec<_>>(),
        ),
        None => (lower.clone(), Vec::new()),
    };
    match base.as_str() {
        "integer" | "int" | "bigint" => ColumnType::Integer,
        "smallint" | "tinyint" => ColumnType::SmallInt,
        "real" | "float" if args.is_empty() => ColumnType::Real,
        "double" | "double precision" => ColumnType::Double,
        "decimal" | "numeric" | "real" | "real_decimal" => ColumnType::Decimal(match args[..] {
            [p, s] => Some((p, s)),
            [p] => Some((p, 0)),
            _ => None,
        }),
        "varchar" => ColumnType::String(args.first().copied()),
        "char" => ColumnType::Char(args.first().copied()),
        "text" => ColumnType::Text,
        "boolean" | "bool" => ColumnType::Boolean,
        "date_text" | "date" => ColumnType::Date,
        "time_text" | "time" => ColumnType::Time,
        "timestamp_text" | "datetime_text" | "timestamp" | "datetime" => ColumnType::Timestamp,
        "timestamp_with_timezone_text" => ColumnType::TimestampTz,
        "json_text" | "json" => ColumnType::Json,
        "jsonb_text" | "jsonb" => ColumnType::JsonBinary,
        "uuid_text" | "uuid" => ColumnType::Uuid,
        "blob" => ColumnType::Binary,
        // Type names are case-insensitive in SQLite.
        _ => ColumnType::Custom(lower.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sea_query_spellings_are_canonical() {
        for (declared, ty) in [
            ("integer", ColumnType::Integer),
            ("BIGINT", ColumnType::Integer),
            ("smallint", ColumnType::SmallInt),
            ("varchar(100)", ColumnType::String(Some(100))),
            ("VARCHAR(100)", ColumnType::String(Some(100))),
            ("varchar", ColumnType::String(None)),
            ("text", ColumnType::Text),
            ("boolean", ColumnType::Boolean),
            ("real(10, 2)", ColumnType::Decimal(Some((10, 2)))),
            ("real_decimal", ColumnType::Decimal(None)),
            ("real", ColumnType::Real),
            ("float", ColumnType::Real),
            ("double", ColumnType::Double),
            ("timestamp_with_timezone_text", ColumnType::TimestampTz),
            ("datetime_text", ColumnType::Timestamp),
            ("jsonb_text", ColumnType::JsonBinary),
            ("uuid_text", ColumnType::Uuid),
            ("blob(16)", ColumnType::Binary),
            ("enum_text", ColumnType::Custom("enum_text".into())),
            (
                "real_money(10, 2)",
                ColumnType::Custom("real_money(10, 2)".into()),
            ),
        ] {
            assert_eq!(parse_type(declared), ty, "{declared}");
        }
    }

    #[test]
    fn defaults_have_one_spelling() {
        assert_eq!(normalize_default("true").as_deref(), Some("TRUE"));
        assert_eq!(
            normalize_default("current_timestamp").as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(normalize_default("'true'").as_deref(), Some("'true'"));
        assert_eq!(normalize_default("NULL"), None);
        assert_eq!(normalize_default("300").as_deref(), Some("300"));
    }
}
