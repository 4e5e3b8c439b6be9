//! The bulk PostgreSQL introspection (`seaorm_autogen::source::database::postgres`)
//! reports the same schema as sea-schema 0.18's own discovery, proved on the
//! synthetic benchmark schema and on the remediation schema of the migrations.
//!
//! Why: sea-schema runs several `information_schema` queries per table (35 s
//! for 100 tables on the development machine), far from the performance target, so
//! autogen reads the catalog in five bulk queries instead. The issue allows
//! that only if the bulk path "produces the same discovered schema, proved
//! equal to sea-schema's output by a test on the synthetic schemas and the
//! remediation schema". This file is that test: both tools read the same
//! fresh database, sea-schema's result is translated into autogen's
//! vocabulary (types, default expressions, foreign key actions) and the two
//! are compared as whole sorted structures, so a difference prints as a diff.
//!
//! Every fact sea-schema discovers takes part: per table the columns in
//! order (name, type, nullability, default, identity), the primary key, the
//! unique constraints and unique indexes, the foreign keys; and the enum
//! types with their values. What sea-schema 0.18 does not discover
//! (non-unique indexes) is checked against `pg_indexes` instead.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_schema::postgres::def::{
    ColumnDefault, ColumnInfo, ForeignKeyAction, Schema as Discovered, TableDef, TimeAttr, Type,
};
use sea_schema::postgres::discovery::SchemaDiscovery;
use seaorm_autogen::schema::{ColumnType, FkAction, Schema};
use seaorm_autogen::source::database::postgres;
use seaorm_autogen::source::database::postgres::canonical_default;
use seaorm_autogen::synthetic::synthetic_ddl;
use tests::support::{PgDatabase, connect};

/// Tables of the synthetic schema: enough for every shape it has (enum
/// column on every third table, foreign keys to earlier tables) while
/// sea-schema's per-table discovery stays within a few seconds.
const SYNTHETIC_TABLES: usize = 24;

/// The facts both tools report, in a form where equality means "the same
/// schema" and `Debug` output reads as a diff.
#[derive(Debug, PartialEq, Eq)]
struct Facts {
    tables: BTreeMap<String, TableFacts>,
    enums: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, PartialEq, Eq)]
struct TableFacts {
    /// In table order.
    columns: Vec<ColumnFacts>,
    /// Constraint name and columns in key order (`("", [])`: none).
    primary_key: (String, Vec<String>),
    /// Unique constraints and unique indexes, by name, columns in key order.
    uniques: BTreeMap<String, Vec<String>>,
    foreign_keys: BTreeMap<String, FkFacts>,
}

#[derive(Debug, PartialEq, Eq)]
struct ColumnFacts {
    name: String,
    ty: ColumnType,
    nullable: bool,
    default: Option<String>,
    auto_increment: bool,
}

#[derive(Debug, PartialEq, Eq)]
struct FkFacts {
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: FkAction,
    on_update: FkAction,
}

impl Facts {
    fn count(&self, per_table: impl Fn(&TableFacts) -> usize) -> usize {
        self.tables.values().map(per_table).sum()
    }
}

// ---------------------------------------------------------------- autogen

fn from_autogen(schema: &Schema) -> Facts {
    let tables = schema
        .tables
        .iter()
        .map(|(name, t)| {
            let columns = t
                .columns
                .iter()
                .map(|c| ColumnFacts {
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                    nullable: c.nullable,
                    default: c.default.as_deref().map(as_sea_schema_folds),
                    auto_increment: c.auto_increment,
                })
                .collect();
            let uniques = t
                .indexes
                .iter()
                .filter(|i| i.unique)
                .map(|i| (i.name.clone(), i.columns.clone()))
                .collect();
            let foreign_keys = t
                .foreign_keys
                .iter()
                .map(|fk| {
                    let facts = FkFacts {
                        columns: fk.columns.clone(),
                        ref_table: fk.ref_table.clone(),
                        ref_columns: fk.ref_columns.clone(),
                        on_delete: fk.on_delete,
                        on_update: fk.on_update,
                    };
                    (fk.name.clone(), facts)
                })
                .collect();
            let facts = TableFacts {
                columns,
                primary_key: (t.primary_key_name.clone(), t.primary_key.clone()),
                uniques,
                foreign_keys,
            };
            (name.clone(), facts)
        })
        .collect();
    Facts {
        tables,
        enums: schema.enums.clone(),
    }
}

/// The one normalization, applied to autogen's default text: sea-schema
/// parses a default into a value and so cannot tell apart spellings of the
/// same value (`now()` and `CURRENT_TIMESTAMP` both become
/// `ColumnDefault::CurrentTimestamp`; `1.50` and `1.5` both become
/// `Real(1.5)`). Fold autogen's text the same way; every other expression is
/// compared verbatim.
fn as_sea_schema_folds(default: &str) -> String {
    let text = default.trim();
    if text == "now()" {
        return "CURRENT_TIMESTAMP".to_owned();
    }
    if text.parse::<i64>().is_err()
        && let Ok(real) = text.parse::<f64>()
    {
        return real.to_string();
    }
    default.to_owned()
}

// ------------------------------------------------------------- sea-schema

fn from_sea_schema(discovered: &Discovered) -> Facts {
    let tables = discovered
        .tables
        .iter()
        .map(|t| (t.info.name.clone(), table_facts(t)))
        .collect();
    let enums = discovered
        .enums
        .iter()
        .map(|e| (e.typename.clone(), e.values.clone()))
        .collect();
    Facts { tables, enums }
}

fn table_facts(t: &TableDef) -> TableFacts {
    let table = &t.info.name;
    assert!(
        t.primary_key_constraints.len() <= 1,
        "{table}: sea-schema reports several primary keys: {:?}",
        t.primary_key_constraints
    );
    let primary_key = t
        .primary_key_constraints
        .first()
        .map(|pk| (pk.name.clone(), pk.columns.clone()))
        .unwrap_or_default();
    let uniques = t
        .unique_constraints
        .iter()
        .map(|u| {
            // autogen reports a partial index as unmanaged, not as a unique
            // key; none is expected in these schemas.
            assert!(!u.is_partial, "{table}: partial unique index {}", u.name);
            (u.name.clone(), u.columns.clone())
        })
        .collect();
    let foreign_keys = t
        .reference_constraints
        .iter()
        .map(|r| {
            let at = format!("{table}.{}", r.name);
            let facts = FkFacts {
                columns: r.columns.clone(),
                ref_table: r.table.clone(),
                ref_columns: r.foreign_columns.clone(),
                on_delete: fk_action(r.on_delete.as_ref(), &at),
                on_update: fk_action(r.on_update.as_ref(), &at),
            };
            (r.name.clone(), facts)
        })
        .collect();
    TableFacts {
        // sea-schema's column query has no ORDER BY; PostgreSQL answers it in
        // attribute order (scan of pg_attribute by relid, attnum), which the
        // comparison relies on.
        columns: t.columns.iter().map(|c| column_facts(table, c)).collect(),
        primary_key,
        uniques,
        foreign_keys,
    }
}

fn column_facts(table: &str, c: &ColumnInfo) -> ColumnFacts {
    let at = format!("{table}.{}", c.name);
    // autogen reports a generated column's expression as its default; none
    // is expected here, so its absence is asserted rather than assumed.
    assert!(c.generated.is_none(), "{at}: generated column {:?}", c);
    // A serial column is auto-increment in autogen's model and its
    // `nextval(...)` default is not kept; sea-schema keeps it as a default.
    let (default, serial) = match &c.default {
        Some(ColumnDefault::AutoIncrement(_)) => (None, true),
        // In the canonical spelling autogen compares (one spelling per
        // meaning: `'x'::character varying` is `'x'::text`).
        Some(other) => (Some(canonical_default(&default_text(other))), false),
        None => (None, false),
    };
    ColumnFacts {
        name: c.name.clone(),
        ty: column_type(&c.col_type, &at),
        nullable: c.not_null.is_none(),
        default,
        auto_increment: c.is_identity || serial,
    }
}

/// sea-schema's parsed default back to the text PostgreSQL reports.
fn default_text(default: &ColumnDefault) -> String {
    match default {
        ColumnDefault::Int(i) => i.to_string(),
        ColumnDefault::Real(r) => r.to_string(),
        // Only a bare literal becomes `String` (quotes stripped, nothing
        // unescaped): quoting it again gives the original text.
        ColumnDefault::String(s) => format!("'{s}'"),
        ColumnDefault::Bool(b) => b.to_string(),
        ColumnDefault::CurrentTimestamp => "CURRENT_TIMESTAMP".to_owned(),
        ColumnDefault::AutoIncrement(e) | ColumnDefault::Expression(e) => e.clone(),
    }
}

/// PostgreSQL reports precision 6 for a time type declared without one,
/// which is what autogen calls plain `Timestamp`, `TimestampTz`, `Time`.
fn default_precision(attr: &TimeAttr) -> bool {
    attr.precision == Some(6)
}

/// sea-schema's type in autogen's vocabulary. A type without a mapping fails
/// the test: a column is never left out of the comparison.
fn column_type(ty: &Type, at: &str) -> ColumnType {
    match ty {
        Type::SmallInt => ColumnType::SmallInt,
        Type::Integer => ColumnType::Integer,
        Type::BigInt => ColumnType::BigInt,
        Type::Real => ColumnType::Real,
        Type::DoublePrecision => ColumnType::Double,
        Type::Decimal(a) | Type::Numeric(a) => ColumnType::Decimal(match (a.precision, a.scale) {
            (Some(p), Some(s)) => Some((p.into(), s.into())),
            (None, None) => None,
            other => panic!("{at}: numeric with precision and scale {other:?}"),
        }),
        Type::Varchar(a) => ColumnType::String(a.length.map(u32::from)),
        Type::Char(a) => ColumnType::Char(a.length.map(u32::from)),
        Type::Text => ColumnType::Text,
        Type::Bytea => ColumnType::Binary,
        Type::Boolean => ColumnType::Boolean,
        Type::Date => ColumnType::Date,
        Type::Time(a) if default_precision(a) => ColumnType::Time,
        Type::Timestamp(a) if default_precision(a) => ColumnType::Timestamp,
        Type::TimestampWithTimeZone(a) if default_precision(a) => ColumnType::TimestampTz,
        Type::Json => ColumnType::Json,
        Type::JsonBinary => ColumnType::JsonBinary,
        Type::Uuid => ColumnType::Uuid,
        Type::Enum(def) => ColumnType::Enum(def.typename.clone()),
        other => panic!(
            "{at}: sea-schema type {other:?} has no mapping to autogen's ColumnType; \
             extend `column_type` rather than leave the column out"
        ),
    }
}

fn fk_action(action: Option<&ForeignKeyAction>, at: &str) -> FkAction {
    match action {
        Some(ForeignKeyAction::Cascade) => FkAction::Cascade,
        Some(ForeignKeyAction::SetNull) => FkAction::SetNull,
        Some(ForeignKeyAction::SetDefault) => FkAction::SetDefault,
        Some(ForeignKeyAction::Restrict) => FkAction::Restrict,
        Some(ForeignKeyAction::NoAction) => FkAction::NoAction,
        None => panic!("{at}: sea-schema could not read the foreign key action"),
    }
}

/// Constraints autogen keeps as unmanaged must be unmanaged for sea-schema
/// too: no CHECK (beyond the NOT NULL ones `information_schema` lists as
/// checks, which autogen reads as nullability) and no exclusion constraint.
fn assert_nothing_unmanaged(discovered: &Discovered, schema: &Schema) {
    assert!(
        schema.unmanaged.is_empty(),
        "autogen: unmanaged {:?}",
        schema.unmanaged
    );
    for t in &discovered.tables {
        let checks: Vec<_> = t
            .check_constraints
            .iter()
            .filter(|c| !c.name.ends_with("_not_null"))
            .collect();
        assert!(checks.is_empty(), "{}: CHECK {checks:?}", t.info.name);
        assert!(
            t.exclusion_constraints.is_empty(),
            "{}: EXCLUDE {:?}",
            t.info.name,
            t.exclusion_constraints
        );
    }
}

// ----------------------------------------------------------------- indexes

/// An index as (table, name, unique, columns).
type IndexFacts = (String, String, bool, Vec<String>);

/// Every index autogen knows, the primary key's included (PostgreSQL names
/// the index after the constraint).
fn autogen_indexes(schema: &Schema) -> BTreeSet<IndexFacts> {
    let mut out = BTreeSet::new();
    for (table, t) in &schema.tables {
        if !t.primary_key.is_empty() {
            out.insert((
                table.clone(),
                t.primary_key_name.clone(),
                true,
                t.primary_key.clone(),
            ));
        }
        for i in &t.indexes {
            out.insert((table.clone(), i.name.clone(), i.unique, i.columns.clone()));
        }
    }
    out
}

/// Every index of the public schema as `pg_indexes` defines it. A
/// definition that is not a plain btree index on columns fails the test
/// (none is expected here, and autogen would report it as unmanaged).
async fn pg_indexes(db: &DatabaseConnection) -> BTreeSet<IndexFacts> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT tablename::text, indexname::text, indexdef FROM pg_indexes \
             WHERE schemaname = 'public'",
        ))
        .await
        .expect("pg_indexes is readable");
    rows.iter()
        .map(|row| {
            let table: String = row.try_get_by_index(0).expect("tablename");
            let name: String = row.try_get_by_index(1).expect("indexname");
            let def: String = row.try_get_by_index(2).expect("indexdef");
            let (unique, columns) = simple_index(&def)
                .unwrap_or_else(|| panic!("{table}.{name}: not a plain column index: {def}"));
            (table, name, unique, columns)
        })
        .collect()
}

/// `CREATE [UNIQUE] INDEX name ON schema.table USING btree (a, "b")` →
/// uniqueness and columns; `None` for anything else (expressions, sort
/// options, operator classes, INCLUDE, WHERE, another access method).
fn simple_index(def: &str) -> Option<(bool, Vec<String>)> {
    let (unique, rest) = match def.strip_prefix("CREATE UNIQUE INDEX ") {
        Some(rest) => (true, rest),
        None => (false, def.strip_prefix("CREATE INDEX ")?),
    };
    let (_, method_and_keys) = rest.split_once(" USING ")?;
    let keys = method_and_keys.strip_prefix("btree (")?.strip_suffix(')')?;
    let columns = keys
        .split(", ")
        .map(|key| {
            let name = match key.strip_prefix('"') {
                Some(quoted) => quoted.strip_suffix('"')?,
                None => key,
            };
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            plain.then(|| name.to_owned())
        })
        .collect::<Option<Vec<_>>>()?;
    Some((unique, columns))
}

// ------------------------------------------------------------------- proof

/// `actual` (autogen) equals `expected` (sea-schema), asserted table by
/// table and column by column so that a failure names the differing object
/// instead of printing both schemas whole; the final whole comparison keeps
/// a fact added to `Facts` from escaping the detailed ones.
fn assert_same(actual: &Facts, expected: &Facts) {
    const SIDES: &str = "left: autogen, right: sea-schema";
    assert_eq!(
        actual.tables.keys().collect::<Vec<_>>(),
        expected.tables.keys().collect::<Vec<_>>(),
        "tables ({SIDES})"
    );
    for (name, a) in &actual.tables {
        let e = &expected.tables[name];
        let names = |t: &TableFacts| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(a), names(e), "{name}: columns in order ({SIDES})");
        for (ca, ce) in a.columns.iter().zip(&e.columns) {
            assert_eq!(ca, ce, "{name}.{} ({SIDES})", ca.name);
        }
        assert_eq!(
            a.primary_key, e.primary_key,
            "{name}: primary key ({SIDES})"
        );
        assert_eq!(a.uniques, e.uniques, "{name}: unique keys ({SIDES})");
        assert_eq!(
            a.foreign_keys, e.foreign_keys,
            "{name}: foreign keys ({SIDES})"
        );
    }
    assert_eq!(actual.enums, expected.enums, "enum types ({SIDES})");
    assert_eq!(actual, expected, "{SIDES}");
}

/// What both tools reported, once proved equal.
struct Proved {
    facts: Facts,
    /// Non-unique indexes, from `pg_indexes` (equal to autogen's).
    plain_indexes: usize,
    discovery: Duration,
    introspection: Duration,
}

/// Read `db` with both tools and assert they report the same schema.
async fn prove_equal(db: &DatabaseConnection) -> Proved {
    let start = Instant::now();
    let discovered = SchemaDiscovery::new_no_exec("public")
        .discover_with(db)
        .await
        .expect("sea-schema discovers the schema");
    let discovery = start.elapsed();

    let start = Instant::now();
    let schema = postgres::introspect(db, None)
        .await
        .expect("autogen introspects the schema");
    let introspection = start.elapsed();

    let expected = from_sea_schema(&discovered);
    let actual = from_autogen(&schema);
    assert_same(&actual, &expected);
    assert_nothing_unmanaged(&discovered, &schema);

    let in_catalog = pg_indexes(db).await;
    let in_autogen = autogen_indexes(&schema);
    let only_autogen: Vec<_> = in_autogen.difference(&in_catalog).collect();
    let only_catalog: Vec<_> = in_catalog.difference(&in_autogen).collect();
    assert_eq!(
        (only_autogen, only_catalog),
        (vec![], vec![]),
        "indexes only in autogen's introspection (left) and only in pg_indexes (right)"
    );
    let plain_indexes = in_catalog.iter().filter(|(_, _, u, _)| !u).count();

    Proved {
        facts: actual,
        plain_indexes,
        discovery,
        introspection,
    }
}

fn report(what: &str, proved: &Proved) {
    println!(
        "{what}: {} tables; sea-schema discovery {:.0?}, autogen introspection {:.0?}",
        proved.facts.tables.len(),
        proved.discovery,
        proved.introspection
    );
}

#[tokio::test]
async fn synthetic_schema_is_introspected_as_sea_schema_discovers_it() {
    let n = SYNTHETIC_TABLES;
    let pg = PgDatabase::create();
    let db = connect(pg.url())
        .await
        .expect("connect to the test database");
    db.execute_unprepared(&synthetic_ddl(n, false).join(";\n"))
        .await
        .expect("create the synthetic schema");

    let proved = prove_equal(&db).await;
    report("synthetic schema", &proved);

    // Sizes, so that the equality above cannot hold vacuously.
    let facts = &proved.facts;
    assert_eq!(facts.tables.len(), n);
    assert_eq!(
        facts.count(|t| t.columns.len()),
        9 * n + n.div_ceil(3) + (n - 1)
    );
    assert_eq!(
        facts.count(|t| t.uniques.len()),
        n,
        "one unique name per table"
    );
    assert_eq!(facts.count(|t| t.foreign_keys.len()), n - 1);
    assert_eq!(facts.count(|t| usize::from(!t.primary_key.1.is_empty())), n);
    assert_eq!(
        facts.count(|t| t.columns.iter().filter(|c| c.auto_increment).count()),
        n,
        "an identity id per table"
    );
    assert_eq!(
        facts.count(|t| {
            let enums = t
                .columns
                .iter()
                .filter(|c| matches!(c.ty, ColumnType::Enum(_)));
            enums.count()
        }),
        n.div_ceil(3)
    );
    assert_eq!(
        facts.enums.get("run_status").expect("the run_status enum"),
        &["pending", "running", "succeeded", "failed"]
    );
    assert_eq!(proved.plain_indexes, n, "one created_at index per table");
    db.close().await.expect("close the connection");
}

#[tokio::test]
async fn remediation_schema_is_introspected_as_sea_schema_discovers_it() {
    let pg = PgDatabase::create();
    let db = connect(pg.url())
        .await
        .expect("connect to the test database");
    <migration::Migrator as MigratorTrait>::up(&db, None)
        .await
        .expect("apply the workspace's migrations");

    let proved = prove_equal(&db).await;
    report("remediation schema", &proved);

    // Sizes, so that the equality above cannot hold vacuously.
    let facts = &proved.facts;
    let mut expected_tables: Vec<&str> = tests::support::BASE_TABLES.to_vec();
    expected_tables.push("seaql_migrations");
    expected_tables.sort_unstable();
    assert_eq!(
        facts.tables.keys().map(String::as_str).collect::<Vec<_>>(),
        expected_tables
    );
    assert_eq!(
        facts.count(|t| t.foreign_keys.len()),
        5,
        "steps, versions, schedules → runbooks; executions → runbooks, schedules"
    );
    assert_eq!(
        facts.count(|t| t.uniques.len()),
        4,
        "runbooks.name, alerts.fingerprint and two composite unique indexes"
    );
    assert!(
        facts.tables["runbook_steps"]
            .uniques
            .values()
            .any(|cols| cols == &["runbook_id", "position"]),
        "the composite unique index keeps its column order"
    );
    assert_eq!(facts.enums.len(), 4);
    assert_eq!(
        facts.enums.get("execution_status").map(Vec::len),
        Some(5),
        "enum values in declaration order"
    );
    assert!(
        facts.count(|t| t.columns.iter().filter(|c| c.default.is_some()).count()) >= 6,
        "defaults of several kinds: boolean, timestamp, integer, jsonb, varchar"
    );
    assert_eq!(
        proved.plain_indexes, 2,
        "schedules.next_run_at and executions (runbook_id, started_at)"
    );
    db.close().await.expect("close the connection");
}

/// What sea-schema does not discover, against PostgreSQL's own functions:
/// comments (read by a join, not `obj_description` / `col_description` per
/// row) and the definitions of unmanaged objects (deparsed only for them).
#[tokio::test]
async fn comments_and_unmanaged_definitions_match_the_catalog_functions() {
    let pg = PgDatabase::create();
    let db = connect(pg.url())
        .await
        .expect("connect to the test database");
    db.execute_unprepared(
        "CREATE TABLE t (id serial PRIMARY KEY, a integer CONSTRAINT a_positive CHECK (a > 0), b text);
         CREATE TABLE u (id serial PRIMARY KEY);
         COMMENT ON TABLE t IS 'the t table';
         COMMENT ON COLUMN t.b IS 'the b column';
         CREATE INDEX t_lower_b ON t (lower(b));
         CREATE INDEX t_partial ON t (a) WHERE a > 10;
         CREATE INDEX t_plain ON t (a);",
    )
    .await
    .expect("create the objects");
    let schema = postgres::introspect(&db, None)
        .await
        .expect("autogen introspects the schema");
    let one = |sql: &str| {
        let db = &db;
        let sql = sql.to_owned();
        async move {
            db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .expect("catalog query")
                .and_then(|r| r.try_get::<Option<String>>("", "v").ok())
                .flatten()
        }
    };
    let t = &schema.tables["t"];
    assert_eq!(
        t.comment,
        one("SELECT obj_description('t'::regclass, 'pg_class') AS v").await
    );
    assert_eq!(t.comment.as_deref(), Some("the t table"));
    let b = t.columns.iter().find(|c| c.name == "b").expect("column b");
    assert_eq!(
        b.comment,
        one("SELECT col_description('t'::regclass, 3) AS v").await
    );
    assert_eq!(b.comment.as_deref(), Some("the b column"));
    assert!(
        t.columns
            .iter()
            .filter(|c| c.name != "b")
            .all(|c| c.comment.is_none())
    );
    assert_eq!(schema.tables["u"].comment, None);

    let check = one(
        "SELECT pg_get_constraintdef(oid) AS v FROM pg_constraint WHERE conname = 'a_positive'",
    )
    .await
    .expect("the CHECK constraint");
    let mut expected = vec![format!("constraint a_positive on t: {check}")];
    for index in ["t_lower_b", "t_partial"] {
        let def = one(&format!("SELECT pg_get_indexdef('{index}'::regclass) AS v"))
            .await
            .expect("the index");
        expected.push(format!("index {index} on t: {def}"));
    }
    let mut unmanaged: Vec<String> = schema.unmanaged.iter().map(ToString::to_string).collect();
    unmanaged.sort();
    expected.sort();
    assert_eq!(unmanaged, expected);
    assert!(
        t.indexes.iter().any(|i| i.name == "t_plain"),
        "a plain index is managed"
    );
    db.close().await.expect("close the connection");
}
