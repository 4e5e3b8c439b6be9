//! Generated rows for the stairway of `autogen test`: a few rows in each
//! table a migration creates (parents first), and every table's rows
//! counted, so that what a down() loses is said.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, IntoTableRef, Order, Query, TableRef,
};

use super::Check;
use crate::schema::{Column, Schema, Table};

/// Rows per table of `schema` (tables that cannot be counted are left out).
pub(super) async fn row_counts(db: &DatabaseConnection, schema: &Schema) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (key, table) in &schema.tables {
        let mut q = Query::select();
        q.expr_as(Expr::col(Asterisk).count(), Alias::new("n"))
            .from(table_ref(table));
        if let Ok(Some(row)) = db.query_one(&q).await
            && let Ok(n) = row.try_get::<i64>("", "n")
        {
            out.insert(key.clone(), n);
        }
    }
    out
}

fn table_ref(table: &Table) -> TableRef {
    match &table.schema {
        Some(s) => (Alias::new(s), Alias::new(&table.name)).into_table_ref(),
        None => Alias::new(&table.name).into_table_ref(),
    }
}

/// Rows generated for each table `at` has and `before` had not, parents
/// first: a note for each table that could not be seeded (a type without
/// an obvious value), never a failure of the migration.
pub(super) async fn seed(db: &DatabaseConnection, before: &Schema, at: &Schema) -> Vec<Check> {
    let mut notes = Vec::new();
    let mut pending: Vec<&Table> = at
        .tables
        .iter()
        .filter(|(k, _)| !before.tables.contains_key(*k))
        .map(|(_, t)| t)
        .collect();
    let mut done: BTreeSet<String> = before.tables.keys().cloned().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            t.foreign_keys
                .iter()
                .all(|fk| fk.ref_table == t.name || done.contains(&fk.ref_table))
        });
        let table = pending.remove(ready.unwrap_or(0));
        done.insert(table.name.clone());
        if let Err(why) = seed_table(db, at, table).await {
            notes.push(Check {
                name: format!("seed {}", table.name),
                ok: true,
                revision: None,
                file: None,
                detail: format!("not seeded ({why}); its rows are not followed"),
            });
        }
    }
    notes
}

async fn seed_table(db: &DatabaseConnection, schema: &Schema, table: &Table) -> Result<(), String> {
    const ROWS: i64 = 3;
    for i in 1..=ROWS {
        let mut columns = Vec::new();
        let mut values: Vec<Expr> = Vec::new();
        for col in &table.columns {
            if col.auto_increment
                || (col.default.is_some() && !table.primary_key.contains(&col.name))
            {
                continue;
            }
            if let Some(value) = seed_value(schema, table, col, i)? {
                columns.push(Alias::new(&col.name));
                values.push(value);
            }
        }
        if columns.is_empty() {
            return Err("no column to fill".into());
        }
        let mut insert = Query::insert();
        insert.into_table(table_ref(table)).columns(columns);
        insert.values(values).map_err(|e| e.to_string())?;
        // Values inlined as untyped literals: PostgreSQL casts them to the
        // column's type (enum, uuid, jsonb, timestamptz), as it does in psql.
        let sql = db.get_database_backend().build(&insert).to_string();
        db.execute_unprepared(&sql)
            .await
            .map_err(|e| crate::cli::status::one_line(&e.to_string()))?;
    }
    Ok(())
}

/// The value of `col` in the `i`th generated row: its parent's first key
/// for a foreign key, else a literal of its type; `None`: left out (NULL).
fn seed_value(
    schema: &Schema,
    table: &Table,
    col: &Column,
    i: i64,
) -> Result<Option<Expr>, String> {
    use crate::schema::ColumnType as T;
    let fk = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.len() == 1 && fk.columns[0] == col.name);
    if let Some(fk) = fk {
        if col.nullable {
            return Ok(None);
        }
        let parent = schema
            .tables
            .get(&fk.ref_table)
            .ok_or("its parent is unknown")?;
        let mut q = Query::select();
        q.column(Alias::new(&fk.ref_columns[0]))
            .from(table_ref(parent))
            .order_by(Alias::new(&fk.ref_columns[0]), Order::Asc)
            .limit(1);
        return Ok(Some(Expr::SubQuery(None, Box::new(q.into()))));
    }
    let text = |n: Option<u32>| {
        let v = format!("seed{i}");
        let keep = n.map_or(v.len(), |n| n as usize).min(v.len());
        Expr::val(v[v.len() - keep..].to_owned())
    };
    Ok(Some(match &col.ty {
        T::SmallInt | T::Integer | T::BigInt => Expr::val(i),
        T::Real | T::Double | T::Decimal(_) => Expr::val(i as f64),
        T::String(n) | T::Char(n) => text(*n),
        T::Text => text(None),
        T::Boolean => Expr::val(true),
        T::Date => Expr::val(format!("2020-01-0{i}")),
        T::Time => Expr::val(format!("12:00:0{i}")),
        T::Timestamp | T::TimestampTz => Expr::val(format!("2020-01-01 00:00:0{i}")),
        T::Json | T::JsonBinary => Expr::val("{}"),
        T::Uuid => Expr::val(format!("00000000-0000-0000-0000-00000000000{i}")),
        T::Enum(name) => match schema.enums.get(name).and_then(|v| v.first()) {
            Some(v) => Expr::val(v.clone()),
            None => return Err(format!("enum {name} has no values")),
        },
        T::Custom(spelled) if spelled.to_ascii_lowercase().starts_with("enum(") => {
            // MySQL's inline enum: its first value.
            match spelled.split('\'').nth(1) {
                Some(v) => Expr::val(v.to_owned()),
                None => return Err(format!("cannot read the values of {spelled}")),
            }
        }
        _ if col.nullable => return Ok(None),
        // Anything else: text, which the database may accept (SQLite does).
        _ => text(None),
    }))
}
