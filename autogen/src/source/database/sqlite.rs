//! SQLite catalog → [`Schema`] in four queries, joining `sqlite_master` with
//! the table-valued pragma functions so the count does not grow with tables.
//!
//! SQLite stores the declared type as written; sea-query writes its own
//! spellings (`timestamp_with_timezone_text`, `jsonb_text`, ...), which map
//! back to the canonical types here. SQLite cannot tell `integer` from
//! `bigint` apart once written by sea-query (both are `integer`), nor has it
//! comments or native enums: such differences are invisible on SQLite.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use crate::schema::{Column, ColumnType, FkAction, ForeignKey, Index, Schema, Table};
use crate::source::SourceError;

const TABLES: &str = "SELECT name, sql FROM sqlite_master \
    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

const COLUMNS: &str = "SELECT m.name AS table_name, p.name AS name, p.type AS type, \
    p.\"notnull\" AS not_null, p.dflt_value AS dflt, p.pk AS pk \
    FROM sqlite_master m JOIN pragma_table_info(m.name) p \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid";

const INDEXES: &str = "SELECT m.name AS table_name, il.name AS name, il.\"unique\" AS is_unique, \
    il.origin AS origin, il.partial AS partial, ii.name AS col, ii.seqno AS seqno \
    FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, il.name, ii.seqno";

const FOREIGN_KEYS: &str = "SELECT m.name AS table_name, fk.id AS id, fk.\"table\" AS ref_table, \
    fk.\"from\" AS col, fk.\"to\" AS ref_col, fk.on_update AS on_update, fk.on_delete AS on_delete \
    FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) fk \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, fk.id, fk.seq";

pub async fn introspect<C: ConnectionTrait>(db: &C) -> Result<Schema, SourceError> {
    let query =
        |sql: &'static str| db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql));
    let mut out = Schema::default();
    let mut autoincrement = Vec::new();
    for row in query(TABLES).await? {
        let name: String = get(&row, "name")?;
        let sql: Option<String> = get(&row, "sql")?;
        if sql.is_some_and(|s| s.to_ascii_uppercase().contains("AUTOINCREMENT")) {
            autoincrement.push(name.clone());
        }
        out.tables.insert(
            name.clone(),
            Table {
                name,
                ..Table::default()
            },
        );
    }

    let mut pk: Vec<(String, i64, String)> = Vec::new();
    for row in query(COLUMNS).await? {
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
            nullable: get::<i64>(&row, "not_null")? == 0 && pk_pos == 0,
            default: get(&row, "dflt")?,
            auto_increment: false,
            comment: None,
            renamed_from: None,
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

    for row in query(INDEXES).await? {
        let table: String = get(&row, "table_name")?;
        let name: String = get(&row, "name")?;
        let origin: String = get(&row, "origin")?;
        let col: Option<String> = get(&row, "col")?;
        let partial: i64 = get(&row, "partial")?;
        if origin == "pk" {
            continue;
        }
        if col.is_none() || partial != 0 {
            let entry = format!("index {name} on {table}: expression or partial index");
            if !out.unmanaged.contains(&entry) {
                out.unmanaged.push(entry);
            }
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
        t.indexes.retain(|i| !i.columns.is_empty());
    }

    let mut current: Option<(String, i64)> = None;
    for row in query(FOREIGN_KEYS).await? {
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
            ref_columns: ref_col.into_iter().collect(),
            on_delete: FkAction::from_sql(&get::<String>(&row, "on_delete")?),
            on_update: FkAction::from_sql(&get::<String>(&row, "on_update")?),
        });
    }
    // pragma_foreign_key_list lists constraints newest first; keep declaration order.
    for t in out.tables.values_mut() {
        t.foreign_keys.reverse();
        t.foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
    }
    Ok(out)
}

fn get<T: sea_orm_migration::sea_orm::TryGetable>(
    row: &QueryResult,
    col: &str,
) -> Result<T, SourceError> {
    row.try_get::<T>("", col)
        .map_err(|e| SourceError::Introspect(format!("column {col}: {e}")))
}

/// A declared SQLite type (as sea-query writes it) → canonical type.
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
        "integer" | "int" => ColumnType::Integer,
        "smallint" | "tinyint" => ColumnType::SmallInt,
        "bigint" => ColumnType::BigInt,
        "real" | "float" => ColumnType::Real,
        "double" | "double precision" => ColumnType::Double,
        "decimal" | "numeric" | "real_money" => ColumnType::Decimal(match args[..] {
            [p, s] => Some((p, s)),
            [p] => Some((p, 0)),
            _ => None,
        }),
        "varchar" => ColumnType::String(args.first().copied()),
        "char" => ColumnType::Char(args.first().copied()),
        "text" => ColumnType::Text,
        "boolean" => ColumnType::Boolean,
        "date_text" | "date" => ColumnType::Date,
        "time_text" | "time" => ColumnType::Time,
        "timestamp_text" | "datetime_text" | "timestamp" | "datetime" => ColumnType::Timestamp,
        "timestamp_with_timezone_text" => ColumnType::TimestampTz,
        "json_text" | "json" => ColumnType::Json,
        "jsonb_text" | "jsonb" => ColumnType::JsonBinary,
        "uuid_text" | "uuid" => ColumnType::Uuid,
        "blob" => ColumnType::Binary,
        _ => ColumnType::Custom(declared.trim().to_owned()),
    }
}
