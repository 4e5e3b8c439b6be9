//! MySQL/MariaDB catalog → [`Schema`] in eight bulk queries on
//! `information_schema` (server, tables, columns, index parts, foreign-key
//! parts and rules, CHECK constraints, other objects), whatever the number
//! of tables, all scoped to one database (`DATABASE()`, or the scratch
//! database of the entity side); all but the first go out at once.
//!
//! Normalized here, once: MariaDB's display widths (`int(11)`), its
//! `COLUMN_DEFAULT` spelling (literals quoted, `NULL` as the string
//! `'NULL'`, `current_timestamp()` unquoted) and MySQL 8's (literals bare,
//! expressions flagged `DEFAULT_GENERATED`); MariaDB's JSON (a `longtext`
//! with a `json_valid()` CHECK); the index InnoDB creates by itself for a
//! foreign key (named after it, on its columns: not drift);
//! `ON UPDATE CURRENT_TIMESTAMP`, a typed column attribute
//! ([`ColumnAttrs::on_update`]) that a `MODIFY COLUMN` restates. Enums are inline
//! `enum('a','b')` column types (`ColumnType::Custom`), so adding, removing
//! or reordering values is a column change.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::get;
use crate::schema::{Column, ColumnAttrs, ColumnType, FkAction, ForeignKey, Index, Schema, Table};
use crate::schema::{Unmanaged, UnmanagedKind};
use crate::source::SourceError;

mod spelling;

use spelling::canonical_expr;
pub use spelling::{canonical_default, parse_type};

// MariaDB binds a prepared statement to the database current when it was
// prepared, and sqlx caches prepared statements per connection: a
// statement using DATABASE() prepared while a connection was in a scratch
// database would read that one for ever after. So DATABASE() is asked once,
// by a statement never run elsewhere, and the database is a parameter.
const CURRENT: &str = "SELECT DATABASE() AS db";

const SERVER: &str = "SELECT VERSION() AS version";

const TABLES: &str = "SELECT TABLE_NAME AS name, TABLE_TYPE AS kind, TABLE_COMMENT AS comment \
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME";

const COLUMNS: &str = "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, \
    COLUMN_TYPE AS column_type, DATA_TYPE AS data_type, IS_NULLABLE AS is_nullable, \
    COLUMN_DEFAULT AS dflt, EXTRA AS extra, COLUMN_COMMENT AS comment \
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? \
    ORDER BY TABLE_NAME, ORDINAL_POSITION";

const INDEXES: &str = "SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, \
    CAST(NON_UNIQUE AS SIGNED) AS non_unique, COLUMN_NAME AS col, \
    CAST(SUB_PART AS SIGNED) AS sub_part, INDEX_TYPE AS index_type \
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? \
    ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

// The two halves of a foreign key are read apart and joined here: MariaDB
// answers a join of two `information_schema` tables by filling the inner
// one again and again (1 000 tables: 135 ms joined, 9 + 6 ms apart).
const FOREIGN_KEYS: &str = "SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, \
    COLUMN_NAME AS col, REFERENCED_TABLE_NAME AS ref_table, \
    REFERENCED_TABLE_SCHEMA AS ref_schema, REFERENCED_COLUMN_NAME AS ref_col \
    FROM information_schema.KEY_COLUMN_USAGE \
    WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL \
    ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

const FOREIGN_KEY_RULES: &str = "SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, \
    UPDATE_RULE AS on_update, DELETE_RULE AS on_delete \
    FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?";

/// What the model does not manage, listed (never compared, never dropped):
/// triggers, views (with their definition, to tell what they use), routines.
const OTHERS: &str = "SELECT 'trigger' AS kind, TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS table_name, \
    LEFT(ACTION_STATEMENT, 400) AS definition FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? \
    UNION ALL SELECT 'view', TABLE_NAME, NULL, LEFT(VIEW_DEFINITION, 400) \
    FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? \
    UNION ALL SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, NULL, NULL \
    FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? \
    ORDER BY 1, 2";

/// MariaDB names a CHECK per table (a JSON column's is named after the
/// column in every table that has one), and says which table it is on.
const CHECKS_MARIADB: &str = "SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, \
    CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS \
    WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME";

/// MySQL 8 names CHECKs per schema; the table comes from TABLE_CONSTRAINTS.
const CHECKS_MYSQL: &str = "SELECT t.TABLE_NAME AS table_name, c.CONSTRAINT_NAME AS name, \
    c.CHECK_CLAUSE AS clause \
    FROM information_schema.TABLE_CONSTRAINTS t \
    JOIN information_schema.CHECK_CONSTRAINTS c \
      ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
    WHERE t.TABLE_SCHEMA = ? AND t.CONSTRAINT_TYPE = 'CHECK' \
    ORDER BY t.TABLE_NAME, c.CONSTRAINT_NAME";

/// Introspect the database the connection works in (`DATABASE()`).
pub async fn introspect<C: ConnectionTrait>(db: &C) -> Result<Schema, SourceError> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::MySql, CURRENT))
        .await?;
    let current = match &row {
        Some(row) => get::<Option<String>>(row, "db")?,
        None => None,
    };
    let Some(current) = current else {
        return Err(SourceError::Introspect(
            "the MySQL URL names no database: add one, e.g. mysql://root@127.0.0.1:3306/app".into(),
        ));
    };
    introspect_database(db, &current).await
}

/// Introspect `database` on the connection's server.
pub async fn introspect_database<C: ConnectionTrait>(
    db: &C,
    database: &str,
) -> Result<Schema, SourceError> {
    let query = |sql: &'static str| {
        db.query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            sql,
            [database.into()],
        ))
    };
    let server = db
        .query_one_raw(Statement::from_string(DbBackend::MySql, SERVER))
        .await?
        .ok_or_else(|| SourceError::Introspect("VERSION() returned nothing".into()))?;
    let mariadb = get::<String>(&server, "version")?
        .to_ascii_lowercase()
        .contains("mariadb");
    let checks = if mariadb {
        CHECKS_MARIADB
    } else {
        CHECKS_MYSQL
    };
    let others_query = db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::MySql,
        OTHERS,
        [database.into(), database.into(), database.into()],
    ));
    // All at once: on a pool each query runs on a connection of its own, so
    // the server opens the table definitions on several cores (in a
    // transaction they queue on its one connection).
    let (table_rows, check_rows, column_rows, index_rows, fk_rows, rule_rows, rows_of_others) = tokio::try_join!(
        query(TABLES),
        query(checks),
        query(COLUMNS),
        query(INDEXES),
        query(FOREIGN_KEYS),
        query(FOREIGN_KEY_RULES),
        others_query
    )?;
    let mut out = Schema::default();
    tables(table_rows, &mut out)?;
    let json = checks_and_json(check_rows, &mut out)?;
    columns(column_rows, &json, mariadb, &mut out)?;
    let indexes = index_parts(index_rows, &out)?;
    foreign_keys(fk_rows, rule_rows, database, &mut out)?;
    place_indexes(indexes, &mut out);
    others(rows_of_others, &mut out)?;
    out.unmanaged.sort();
    Ok(out)
}

/// The base tables (views are listed with the other unmanaged objects).
fn tables(rows: Vec<QueryResult>, out: &mut Schema) -> Result<(), SourceError> {
    for row in rows {
        let name: String = get(&row, "name")?;
        let kind: String = get(&row, "kind")?;
        if kind == "VIEW" {
            // Listed with its definition below.
            continue;
        }
        if kind != "BASE TABLE" {
            continue;
        }
        let comment: Option<String> = get(&row, "comment")?;
        out.tables.insert(
            name.clone(),
            Table {
                name,
                comment: comment.filter(|c| !c.is_empty()),
                ..Table::default()
            },
        );
    }
    Ok(())
}

/// The CHECK constraints: unmanaged, except MariaDB's `json_valid()` ones,
/// which make a column JSON; those columns, as (table, column).
fn checks_and_json(
    rows: Vec<QueryResult>,
    out: &mut Schema,
) -> Result<BTreeSet<(String, String)>, SourceError> {
    // MariaDB's JSON is a longtext with a `json_valid(col)` CHECK named after
    // the column: that pair is the type, the other CHECKs are unmanaged.
    let mut json: BTreeSet<(String, String)> = BTreeSet::new();
    for row in rows {
        let table: String = get(&row, "table_name")?;
        let name: String = get(&row, "name")?;
        let clause: String = get(&row, "clause")?;
        if clause.trim() == format!("json_valid(`{}`)", name.replace('`', "``")) {
            json.insert((table, name));
            continue;
        }
        if out.tables.contains_key(&table) {
            out.unmanaged.push(
                Unmanaged::new(UnmanagedKind::Constraint, &name, Some(&table))
                    .defined_as(format!("CHECK ({clause})")),
            );
        }
    }
    Ok(json)
}

/// The columns of the tables read, in order; generated ones are unmanaged.
fn columns(
    rows: Vec<QueryResult>,
    json: &BTreeSet<(String, String)>,
    mariadb: bool,
    out: &mut Schema,
) -> Result<(), SourceError> {
    for row in rows {
        let table: String = get(&row, "table_name")?;
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        let name: String = get(&row, "name")?;
        let column_type: String = get(&row, "column_type")?;
        let data_type: String = get(&row, "data_type")?;
        let extra: String = get::<Option<String>>(&row, "extra")?.unwrap_or_default();
        let extra_lower = extra.to_ascii_lowercase();
        if extra_lower.contains("generated") && !extra_lower.contains("default_generated") {
            out.unmanaged.push(
                Unmanaged::new(UnmanagedKind::GeneratedColumn, &name, Some(&table))
                    .defined_as(format!("{column_type} {extra}")),
            );
            continue;
        }
        let ty = if json.contains(&(table.clone(), name.clone())) && data_type == "longtext" {
            ColumnType::Json
        } else {
            parse_type(&column_type, &data_type)
        };
        let raw_default: Option<String> = get(&row, "dflt")?;
        let default =
            raw_default.and_then(|d| canonical_default(&d, &data_type, &extra_lower, mariadb));
        let on_update = extra_lower
            .find("on update ")
            .map(|at| canonical_expr(&extra[at + "on update ".len()..]));
        let comment: Option<String> = get(&row, "comment")?;
        t.columns.push(Column {
            name,
            ty,
            nullable: get::<String>(&row, "is_nullable")? == "YES",
            default,
            auto_increment: extra_lower.contains("auto_increment"),
            sequence: Default::default(),
            comment: comment.filter(|c| !c.is_empty()),
            renamed_from: None,
            base_type: None,
            attrs: ColumnAttrs { on_update },
        });
    }
    Ok(())
}

/// An index as its parts add up: the index, whether it is beyond the model,
/// and its definition so far (for the report).
type IndexParts = BTreeMap<(String, String), (Index, bool, String)>;

/// The indexes of the tables read, by (table, name), from their parts.
fn index_parts(rows: Vec<QueryResult>, out: &Schema) -> Result<IndexParts, SourceError> {
    // Index parts, in order; prefix (`col(10)`), FULLTEXT and SPATIAL
    // indexes are beyond the model: reported, never dropped.
    let mut indexes = IndexParts::new();
    for row in rows {
        let table: String = get(&row, "table_name")?;
        if !out.tables.contains_key(&table) {
            continue;
        }
        let name: String = get(&row, "name")?;
        let col: Option<String> = get(&row, "col")?;
        let sub_part: Option<i64> = get(&row, "sub_part")?;
        let kind: String = get::<Option<String>>(&row, "index_type")?.unwrap_or_default();
        let entry = indexes
            .entry((table.clone(), name.clone()))
            .or_insert_with(|| {
                (
                    Index {
                        name: name.clone(),
                        columns: Vec::new(),
                        unique: false,
                        constraint: false,
                    },
                    false,
                    String::new(),
                )
            });
        entry.0.unique = get::<i64>(&row, "non_unique")? == 0;
        let part = match (&col, sub_part) {
            (Some(c), Some(n)) => format!("`{c}`({n})"),
            (Some(c), None) => format!("`{c}`"),
            (None, _) => "<expression>".into(),
        };
        if col.is_none() || sub_part.is_some() || (kind != "BTREE" && kind != "HASH") {
            entry.1 = true;
        }
        entry.2 = if entry.2.is_empty() {
            format!("{kind} ({part}")
        } else {
            format!("{}, {part}", entry.2)
        };
        if let Some(c) = col {
            entry.0.columns.push(c);
        }
    }
    Ok(indexes)
}

/// The foreign keys of the tables read, from their parts.
fn foreign_keys(
    rows: Vec<QueryResult>,
    rules: Vec<QueryResult>,
    database: &str,
    out: &mut Schema,
) -> Result<(), SourceError> {
    // (table, constraint) -> (ON UPDATE, ON DELETE)
    let mut actions: BTreeMap<(String, String), (FkAction, FkAction)> = BTreeMap::new();
    for row in rules {
        actions.insert(
            (get(&row, "table_name")?, get(&row, "name")?),
            (
                FkAction::from_sql(&get::<String>(&row, "on_update")?),
                FkAction::from_sql(&get::<String>(&row, "on_delete")?),
            ),
        );
    }
    let mut fks: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for row in rows {
        let table: String = get(&row, "table_name")?;
        if !out.tables.contains_key(&table) {
            continue;
        }
        let name: String = get(&row, "name")?;
        // A key column without its constraint's rules is not a foreign key
        // (what the inner join of the two tables said before).
        let Some(&(on_update, on_delete)) = actions.get(&(table.clone(), name.clone())) else {
            continue;
        };
        let ref_schema: Option<String> = get(&row, "ref_schema")?;
        let ref_table: String = get(&row, "ref_table")?;
        let fk = fks
            .entry((table.clone(), name.clone()))
            .or_insert_with(|| ForeignKey {
                name: name.clone(),
                columns: Vec::new(),
                // A table of another database is named `db.table`.
                ref_table: match &ref_schema {
                    Some(s) if s != database => format!("{s}.{ref_table}"),
                    _ => ref_table.clone(),
                },
                ref_schema: None,
                ref_columns: Vec::new(),
                on_delete: FkAction::default(),
                on_update: FkAction::default(),
            });
        fk.columns.push(get(&row, "col")?);
        fk.ref_columns.push(get(&row, "ref_col")?);
        fk.on_delete = on_delete;
        fk.on_update = on_update;
    }
    for ((table, _), fk) in fks {
        if let Some(t) = out.tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }
    Ok(())
}

/// Each index to its table: the primary key as the table's key, those
/// beyond the model as unmanaged, InnoDB's own foreign-key indexes not at all.
fn place_indexes(indexes: IndexParts, out: &mut Schema) {
    for ((table, name), (index, unmanaged, def)) in indexes {
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        if name == "PRIMARY" {
            t.primary_key = index.columns;
            t.primary_key_name = name;
            continue;
        }
        if unmanaged {
            out.unmanaged.push(
                Unmanaged::new(UnmanagedKind::Index, &name, Some(&table))
                    .defined_as(format!("{def})")),
            );
            continue;
        }
        if is_implicit_fk_index(t, &index) {
            continue;
        }
        t.indexes.push(index);
    }
}

/// Triggers, views and routines: unmanaged, with their definitions.
fn others(rows: Vec<QueryResult>, out: &mut Schema) -> Result<(), SourceError> {
    for row in rows {
        let kind: String = get(&row, "kind")?;
        let name: String = get(&row, "name")?;
        let table: Option<String> = get(&row, "table_name")?;
        let mut item = Unmanaged::new(UnmanagedKind::from_catalog(&kind), &name, table.as_deref());
        if let Some(def) = get::<Option<String>>(&row, "definition")? {
            item = item.defined_as(def.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out.unmanaged.push(item);
    }
    Ok(())
}

/// The index InnoDB creates for a foreign key that no index supports: named
/// after the constraint, on its columns. Both sides get it from the server
/// alike; it is the foreign key's, not an index of the model.
pub fn is_implicit_fk_index(table: &Table, index: &Index) -> bool {
    !index.unique
        && table
            .foreign_keys
            .iter()
            .any(|fk| fk.name == index.name && fk.columns == index.columns)
}

#[cfg(test)]
mod tests;
