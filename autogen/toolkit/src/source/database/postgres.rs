//! PostgreSQL catalog → [`Schema`] in six queries (tables, columns,
//! constraints, indexes, enums, and the objects only listed as unmanaged), independent of the number of tables; a
//! sixth tells which schemas exist when entities name schemas of their own.
//! Set-based throughout: comments are joined rather than fetched per row
//! (`col_description` is a query per column), and definitions are deparsed
//! only for the objects reported as unmanaged.

use std::collections::BTreeMap;

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::get;
use crate::schema::{ColumnType, FkAction, Schema, Table};
use crate::schema::{Unmanaged, UnmanagedKind};
use crate::source::SourceError;

mod defaults;
mod digest;
mod rows;
pub use defaults::canonical_default;
pub use digest::live_key;
use rows::{Names, read_columns, read_constraints, read_indexes};

const TABLES: &str = r#"
SELECT n.nspname::text AS nsp, c.relname::text AS name, ds.description AS comment
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 1, 2"#;

const COLUMNS: &str = r#"
SELECT n.nspname::text AS nsp, c.relname::text AS table_name, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS formatted,
       t.typtype::text AS typtype, t.typname::text AS typname,
       a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attidentity::text AS identity, ds.description AS comment,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY n.nspname, c.relname, a.attnum"#;

const CONSTRAINTS: &str = r#"
SELECT n.nspname::text AS nsp, c.relname::text AS table_name, con.conname::text AS name, con.contype::text AS kind,
       array_to_json(ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord))::text AS columns,
       r.relname::text AS ref_table, rn.nspname::text AS ref_nsp,
       array_to_json(ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord))::text AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) END AS definition,
       CASE WHEN con.contype = 'u' AND EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = con.conindid
                 AND (x.indnkeyatts < x.indnatts OR coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::bool, false)))
            THEN pg_get_constraintdef(con.oid) END AS attrs
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class r ON r.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE n.nspname = ANY($1) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY n.nspname, c.relname, con.conname"#;

const INDEXES: &str = r#"
SELECT n.nspname::text AS nsp, t.relname::text AS table_name, i.relname::text AS name, ix.indisunique AS is_unique,
       array_to_json(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num
             WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord))::text AS columns,
       (ix.indexprs IS NOT NULL OR ix.indpred IS NOT NULL OR am.amname <> 'btree') AS unmanaged,
       (0 <> ANY(ix.indoption::int2[]) OR ix.indnkeyatts < ix.indnatts
            OR coalesce((to_jsonb(ix) ->> 'indnullsnotdistinct')::bool, false)) AS attrs,
       CASE WHEN ix.indexprs IS NOT NULL OR ix.indpred IS NOT NULL OR am.amname <> 'btree'
                 OR 0 <> ANY(ix.indoption::int2[]) OR ix.indnkeyatts < ix.indnatts
                 OR coalesce((to_jsonb(ix) ->> 'indnullsnotdistinct')::bool, false)
            THEN pg_get_indexdef(ix.indexrelid) END AS definition
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE n.nspname = ANY($1) AND t.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, i.relname"#;

/// What the model does not manage but a change may take with it, listed
/// (never compared, never dropped): triggers, views, functions, domains and
/// extensions of the schemas read.
const OTHERS: &str = r#"
SELECT 'trigger' AS kind, t.tgname::text AS name, c.relname::text AS table_name, pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY($1)
UNION ALL
SELECT CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END, c.relname::text, NULL,
       left(regexp_replace(pg_get_viewdef(c.oid), '\s+', ' ', 'g'), 400)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)
UNION ALL
SELECT 'function', p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'domain', t.typname::text, NULL, format_type(t.typbasetype, t.typtypmod)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND n.nspname = ANY($1)
UNION ALL
SELECT 'extension', e.extname::text, NULL, e.extversion::text
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = ANY($1)
ORDER BY 1, 2"#;

const NAMESPACES: &str = "SELECT nspname::text AS nsp FROM pg_namespace WHERE nspname = ANY($1)";

const ENUMS: &str = r#"
SELECT t.typname::text AS name, e.enumlabel::text AS value
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ($1::text[])[1]
ORDER BY t.typname, e.enumsortorder"#;

/// Introspect one PostgreSQL schema (`None`: the connection's `current_schema()`).
pub async fn introspect<C: ConnectionTrait>(
    db: &C,
    schema: Option<&str>,
) -> Result<Schema, SourceError> {
    let own = match schema {
        Some(s) => s.to_owned(),
        None => current_schema(db).await?,
    };
    introspect_namespaces(db, &own, &[]).await
}

/// The connection's `current_schema()`.
pub async fn current_schema<C: ConnectionTrait>(db: &C) -> Result<String, SourceError> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema()::text AS s",
        ))
        .await?
        .ok_or_else(|| SourceError::Introspect("current_schema() returned nothing".into()))?;
    Ok(get::<Option<String>>(&row, "s")?.unwrap_or_else(|| "public".into()))
}

/// Introspect `own` (its tables keyed by their own names) and the schemas
/// `others`, each given as (namespace in the database, schema it stands
/// for): their tables are keyed `schema.table`. The entity side materializes
/// `sys.jobs` in a scratch namespace and reads it back as `sys`.
/// Still five queries, whatever the number of schemas and tables.
pub async fn introspect_namespaces<C: ConnectionTrait>(
    db: &C,
    own: &str,
    others: &[(String, String)],
) -> Result<Schema, SourceError> {
    let mut namespaces = vec![own.to_owned()];
    namespaces.extend(others.iter().map(|(nsp, _)| nsp.clone()));
    let names = Names { own, others };
    let logical = |nsp: &str| names.logical(nsp);
    let key = |nsp: &str, name: &str| names.key(nsp, name);
    let query = |sql: &'static str| {
        let stmt =
            Statement::from_sql_and_values(DbBackend::Postgres, sql, [namespaces.clone().into()]);
        db.query_all_raw(stmt)
    };
    let mut out = Schema::default();
    // All at once: on a pool each query runs on a connection of its own, so
    // the server reads the catalogs on several cores (in a transaction they
    // simply queue on its one connection).
    let (tables, columns, constraints, indexes, others_rows, enum_rows) = tokio::try_join!(
        query(TABLES),
        query(COLUMNS),
        query(CONSTRAINTS),
        query(INDEXES),
        query(OTHERS),
        query(ENUMS)
    )?;

    for row in tables {
        let nsp: String = get(&row, "nsp")?;
        let name = key(&nsp, &get::<String>(&row, "name")?);
        if out.tables.contains_key(&name) {
            return Err(SourceError::Introspect(format!(
                "table {name} exists both in schema {own} and as a table of schema {}: rename one of them",
                logical(&nsp).unwrap_or_default()
            )));
        }
        out.tables.insert(
            name.clone(),
            Table {
                name,
                schema: logical(&nsp),
                comment: get(&row, "comment")?,
                ..Table::default()
            },
        );
    }
    if !others.is_empty() {
        // Which of the other schemas exist (an empty one has no tables to tell).
        for row in query(NAMESPACES).await? {
            if let Some(schema) = logical(&get::<String>(&row, "nsp")?) {
                out.schemas.insert(schema);
            }
        }
    }

    read_columns(&mut out, columns, &names)?;
    read_constraints(&mut out, constraints, &names)?;
    read_indexes(&mut out, indexes, &names)?;

    for row in others_rows {
        let kind: String = get(&row, "kind")?;
        let name: String = get(&row, "name")?;
        let table: Option<String> = get(&row, "table_name")?;
        let def: Option<String> = get(&row, "definition")?;
        let mut item = Unmanaged::new(UnmanagedKind::from_catalog(&kind), &name, table.as_deref());
        if let Some(def) = def {
            item = item.defined_as(def);
        }
        out.unmanaged.push(item);
    }

    let mut enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in enum_rows {
        enums
            .entry(get(&row, "name")?)
            .or_default()
            .push(get(&row, "value")?);
    }
    out.enums = enums;
    Ok(out)
}

fn json_list(text: &str) -> Result<Vec<String>, SourceError> {
    serde_json::from_str(text)
        .map_err(|e| SourceError::Introspect(format!("bad name list {text}: {e}")))
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// `format_type()` output → canonical type. Arrays (`character
/// varying(20)[]`) are their element type's array; anything the model has
/// no variant for stays as PostgreSQL spells it.
pub fn parse_type(formatted: &str) -> ColumnType {
    if let Some(element) = formatted.trim().strip_suffix("[]") {
        return ColumnType::Array(Box::new(parse_type(element)));
    }
    let (base, args) = match formatted.find('(') {
        Some(i) => (
            &formatted[..i],
            formatted[i + 1..]
                .trim_end_matches(')')
                .split(',')
                .filter_map(|a| a.trim().parse::<u32>().ok())
                .collect::<Vec<_>>(),
        ),
        None => (formatted, Vec::new()),
    };
    match base.trim() {
        "smallint" => ColumnType::SmallInt,
        "integer" => ColumnType::Integer,
        "bigint" => ColumnType::BigInt,
        "real" => ColumnType::Real,
        "double precision" => ColumnType::Double,
        "numeric" => ColumnType::Decimal(match args[..] {
            [p, s] => Some((p, s)),
            [p] => Some((p, 0)),
            _ => None,
        }),
        "character varying" => ColumnType::String(args.first().copied()),
        "character" => ColumnType::Char(args.first().copied()),
        "text" => ColumnType::Text,
        "boolean" => ColumnType::Boolean,
        "date" => ColumnType::Date,
        "time without time zone" => ColumnType::Time,
        "timestamp without time zone" => ColumnType::Timestamp,
        "timestamp with time zone" => ColumnType::TimestampTz,
        "json" => ColumnType::Json,
        "jsonb" => ColumnType::JsonBinary,
        "uuid" => ColumnType::Uuid,
        "bytea" => ColumnType::Binary,
        _ => ColumnType::Custom(formatted.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_spellings_are_canonical() {
        for (formatted, ty) in [
            ("integer", ColumnType::Integer),
            ("character varying(255)", ColumnType::String(Some(255))),
            ("character varying", ColumnType::String(None)),
            ("numeric(10,2)", ColumnType::Decimal(Some((10, 2)))),
            ("timestamp with time zone", ColumnType::TimestampTz),
            (
                "timestamp(3) with time zone",
                ColumnType::Custom("timestamp(3) with time zone".into()),
            ),
            ("jsonb", ColumnType::JsonBinary),
            ("text[]", ColumnType::Array(Box::new(ColumnType::Text))),
            (
                "character varying(20)[]",
                ColumnType::Array(Box::new(ColumnType::String(Some(20)))),
            ),
            (
                "character varying[]",
                ColumnType::Array(Box::new(ColumnType::String(None))),
            ),
            (
                "numeric(10,2)[]",
                ColumnType::Array(Box::new(ColumnType::Decimal(Some((10, 2))))),
            ),
            (
                "smallint[]",
                ColumnType::Array(Box::new(ColumnType::SmallInt)),
            ),
            ("uuid[]", ColumnType::Array(Box::new(ColumnType::Uuid))),
            (
                "inet[]",
                ColumnType::Array(Box::new(ColumnType::Custom("inet".into()))),
            ),
            ("bit(8)", ColumnType::Custom("bit(8)".into())),
            (
                "bit varying(16)",
                ColumnType::Custom("bit varying(16)".into()),
            ),
            ("interval", ColumnType::Custom("interval".into())),
            ("macaddr", ColumnType::Custom("macaddr".into())),
        ] {
            assert_eq!(parse_type(formatted), ty, "{formatted}");
        }
    }
}
