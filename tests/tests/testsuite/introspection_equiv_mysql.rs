//! The bulk MySQL/MariaDB introspection (`seaorm_autogen::source::database::mysql`)
//! reports what sea-schema 0.18's MySQL discovery reports, proved on the
//! synthetic benchmark schema and on the remediation schema of the
//! migrations, as `introspection_equiv` does for PostgreSQL.
//!
//! sea-schema's result is translated into autogen's vocabulary (types,
//! defaults, foreign key actions) and both are compared as whole sorted
//! structures. Two folds, both documented rules of the introspector:
//! MariaDB's JSON is a `longtext` to sea-schema (autogen reads the
//! `json_valid` CHECK that makes it JSON), numeric defaults are compared as
//! numbers (sea-schema parses them), and the index InnoDB creates for
//! a foreign key (named after it, on its columns) is the key's, not an index.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_schema::mysql::def::{
    ColumnDefault, ForeignKeyAction, Schema as Discovered, TableDef, Type,
};
use sea_schema::mysql::discovery::SchemaDiscovery;
use seaorm_autogen::schema::{ColumnType, FkAction, Schema};
use seaorm_autogen::source::database::mysql;
use seaorm_autogen::synthetic::synthetic_ddl_mysql;
use tests::support::{MyDatabase, connect};

const SYNTHETIC_TABLES: usize = 24;

#[derive(Debug, PartialEq, Eq)]
struct TableFacts {
    columns: Vec<ColumnFacts>,
    comment: Option<String>,
    primary_key: Vec<String>,
    /// Every managed index, by name: (unique, columns in key order).
    indexes: BTreeMap<String, (bool, Vec<String>)>,
    foreign_keys: BTreeMap<String, FkFacts>,
}

#[derive(Debug, PartialEq, Eq)]
struct ColumnFacts {
    name: String,
    ty: ColumnType,
    nullable: bool,
    default: Option<String>,
    auto_increment: bool,
    comment: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
struct FkFacts {
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: FkAction,
    on_update: FkAction,
}

type Facts = BTreeMap<String, TableFacts>;

fn from_autogen(schema: &Schema) -> Facts {
    schema
        .tables
        .iter()
        .map(|(name, t)| {
            let columns = t
                .columns
                .iter()
                .map(|c| ColumnFacts {
                    name: c.name.clone(),
                    // sea-schema sees MariaDB's JSON as what it is stored as.
                    ty: match &c.ty {
                        ColumnType::Json => ColumnType::Custom("longtext".into()),
                        other => other.clone(),
                    },
                    nullable: c.nullable,
                    // sea-schema's side below spells `ON UPDATE` with the default.
                    default: match (&c.default, &c.attrs.on_update) {
                        (d, Some(u)) => Some(format!(
                            "{} ON UPDATE {u}",
                            d.as_deref().map_or("NULL".into(), as_sea_schema_folds)
                        )),
                        (d, None) => d.as_deref().map(as_sea_schema_folds),
                    },
                    auto_increment: c.auto_increment,
                    comment: c.comment.clone(),
                })
                .collect();
            let facts = TableFacts {
                columns,
                comment: t.comment.clone(),
                primary_key: t.primary_key.clone(),
                indexes: t
                    .indexes
                    .iter()
                    .map(|i| (i.name.clone(), (i.unique, i.columns.clone())))
                    .collect(),
                foreign_keys: t
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
                    .collect(),
            };
            (name.clone(), facts)
        })
        .collect()
}

/// sea-schema parses a numeric default into a float (`1.50` → `1.5`):
/// fold autogen's text the same way.
fn as_sea_schema_folds(default: &str) -> String {
    match default.parse::<f64>() {
        Ok(real) if default.parse::<i64>().is_err() => real.to_string(),
        _ => default.to_owned(),
    }
}

fn from_sea_schema(discovered: &Discovered) -> Facts {
    discovered
        .tables
        .iter()
        .map(|t| (t.info.name.clone(), table_facts(t)))
        .collect()
}

fn table_facts(t: &TableDef) -> TableFacts {
    let columns = t
        .columns
        .iter()
        .map(|c| {
            let mut default = match &c.default {
                None | Some(ColumnDefault::Null) => None,
                Some(ColumnDefault::Int(n)) => Some(n.to_string()),
                Some(ColumnDefault::Real(r)) => Some(r.to_string()),
                // sea-schema strips MariaDB's quotes but keeps its escapes (`it''s`).
                Some(ColumnDefault::String(s)) => Some(format!("'{s}'")),
                Some(ColumnDefault::CurrentTimestamp) => Some("CURRENT_TIMESTAMP".into()),
                Some(ColumnDefault::CustomExpr(e)) => Some(e.clone()),
            };
            if c.extra.on_update_current_timestamp {
                default = Some(format!(
                    "{} ON UPDATE CURRENT_TIMESTAMP",
                    default.unwrap_or_else(|| "NULL".into())
                ));
            }
            ColumnFacts {
                name: c.name.clone(),
                ty: column_type(&c.col_type),
                nullable: c.null,
                default,
                auto_increment: c.extra.auto_increment,
                comment: (!c.comment.is_empty()).then(|| c.comment.clone()),
            }
        })
        .collect();
    let foreign_keys: BTreeMap<String, FkFacts> = t
        .foreign_keys
        .iter()
        .map(|fk| {
            let facts = FkFacts {
                columns: fk.columns.clone(),
                ref_table: fk.referenced_table.clone(),
                ref_columns: fk.referenced_columns.clone(),
                on_delete: action(&fk.on_delete),
                on_update: action(&fk.on_update),
            };
            (fk.name.clone(), facts)
        })
        .collect();
    let mut primary_key = Vec::new();
    let mut indexes = BTreeMap::new();
    for i in &t.indexes {
        let columns: Vec<String> = i.parts.iter().map(|p| p.column.clone()).collect();
        if i.name == "PRIMARY" {
            primary_key = columns;
            continue;
        }
        let implicit = !i.unique
            && foreign_keys
                .get(&i.name)
                .is_some_and(|fk| fk.columns == columns);
        if !implicit {
            indexes.insert(i.name.clone(), (i.unique, columns));
        }
    }
    TableFacts {
        columns,
        comment: (!t.info.comment.is_empty()).then(|| t.info.comment.clone()),
        primary_key,
        indexes,
        foreign_keys,
    }
}

/// sea-schema's type as autogen's canonical one (the types of these schemas).
fn column_type(ty: &Type) -> ColumnType {
    let int = |base: &str, attr: &sea_schema::mysql::def::NumericAttr, plain: ColumnType| {
        if attr.unsigned == Some(true) {
            ColumnType::Custom(format!("{base} unsigned"))
        } else {
            plain
        }
    };
    match ty {
        Type::Bool => ColumnType::Boolean,
        Type::TinyInt(a) if a.maximum == Some(1) && a.unsigned != Some(true) => ColumnType::Boolean,
        Type::TinyInt(a) => int("tinyint", a, ColumnType::Custom("tinyint".into())),
        Type::SmallInt(a) => int("smallint", a, ColumnType::SmallInt),
        Type::Int(a) => int("int", a, ColumnType::Integer),
        Type::BigInt(a) => int("bigint", a, ColumnType::BigInt),
        Type::Decimal(a) => ColumnType::Decimal(a.maximum.zip(a.decimal)),
        Type::Float(_) => ColumnType::Real,
        Type::Double(_) => ColumnType::Double,
        Type::Varchar(s) => ColumnType::String(s.length),
        Type::Char(s) => ColumnType::Char(s.length),
        Type::Text(_) => ColumnType::Text,
        Type::LongText(_) => ColumnType::Custom("longtext".into()),
        Type::Date => ColumnType::Date,
        Type::Time(t) if t.fractional.is_none() => ColumnType::Time,
        Type::DateTime(t) if t.fractional.is_none() => ColumnType::Custom("datetime".into()),
        Type::Timestamp(t) if t.fractional.is_none() => ColumnType::TimestampTz,
        Type::Binary(s) => ColumnType::Custom(format!("binary({})", s.length.unwrap_or(1))),
        Type::Json => ColumnType::Json,
        Type::Enum(e) => ColumnType::Custom(format!(
            "enum({})",
            e.values
                .iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(",")
        )),
        other => panic!("type {other:?} is not in these schemas: extend the translation"),
    }
}

fn action(a: &ForeignKeyAction) -> FkAction {
    match a {
        ForeignKeyAction::Cascade => FkAction::Cascade,
        ForeignKeyAction::SetNull => FkAction::SetNull,
        ForeignKeyAction::SetDefault => FkAction::SetDefault,
        ForeignKeyAction::Restrict => FkAction::Restrict,
        ForeignKeyAction::NoAction => FkAction::NoAction,
    }
}

fn assert_same(actual: &Facts, expected: &Facts) {
    const SIDES: &str = "left: autogen, right: sea-schema";
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "tables ({SIDES})"
    );
    for (name, a) in actual {
        let e = &expected[name];
        for (ca, ce) in a.columns.iter().zip(&e.columns) {
            assert_eq!(ca, ce, "{name}.{} ({SIDES})", ca.name);
        }
        assert_eq!(a, e, "{name} ({SIDES})");
    }
}

struct Proved {
    facts: Facts,
    discovery: Duration,
    introspection: Duration,
}

async fn prove_equal(db: &DatabaseConnection, database: &str) -> Proved {
    let start = Instant::now();
    let discovered = SchemaDiscovery::new_no_exec(database)
        .discover_with(db)
        .await
        .expect("sea-schema discovers the schema");
    let discovery = start.elapsed();
    let start = Instant::now();
    let schema = mysql::introspect(db)
        .await
        .expect("autogen introspects the schema");
    let introspection = start.elapsed();
    let actual = from_autogen(&schema);
    assert_same(&actual, &from_sea_schema(&discovered));
    assert!(schema.unmanaged.is_empty(), "{:?}", schema.unmanaged);
    Proved {
        facts: actual,
        discovery,
        introspection,
    }
}

fn report(what: &str, proved: &Proved) {
    println!(
        "{what} (MariaDB): {} tables; sea-schema discovery {:.0?}, autogen introspection {:.0?}",
        proved.facts.len(),
        proved.discovery,
        proved.introspection
    );
}

#[tokio::test]
async fn synthetic_schema_is_introspected_as_sea_schema_discovers_it_on_mariadb() {
    let n = SYNTHETIC_TABLES;
    let my = MyDatabase::create();
    let db = connect(my.url()).await.expect("connect");
    for stmt in synthetic_ddl_mysql(n, 1) {
        db.execute_unprepared(&stmt).await.expect("synthetic DDL");
    }
    db.execute_unprepared(
        "CREATE TABLE extras (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         `order` int NOT NULL DEFAULT 0 COMMENT 'a reserved word', \
         price decimal(10,2) NOT NULL DEFAULT 1.50, label char(4) DEFAULT 'it''s', \
         touched datetime DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP, \
         seen timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, \
         ratio double, hits smallint, t00000_id int NOT NULL, \
         CONSTRAINT `fk-extras-t00000` FOREIGN KEY (t00000_id) REFERENCES t00000 (id) ON UPDATE RESTRICT, \
         UNIQUE KEY `uq-extras-order-label` (`order`, label)) COMMENT 'extra shapes'",
    )
    .await
    .expect("extra shapes");
    let proved = prove_equal(&db, my.name()).await;
    report("synthetic schema", &proved);
    let facts = &proved.facts;
    assert_eq!(facts.len(), n + 1);
    let count = |f: &dyn Fn(&TableFacts) -> usize| facts.values().map(f).sum::<usize>();
    assert_eq!(count(&|t| t.foreign_keys.len()), n);
    assert_eq!(
        count(&|t| t.indexes.len()),
        2 * n + 1,
        "name unique + created_at per table"
    );
    assert_eq!(
        facts["t00001"].foreign_keys.len(),
        1,
        "the foreign key's own index is not an index of the model"
    );
    db.close().await.expect("close");
}

#[tokio::test]
async fn remediation_schema_is_introspected_as_sea_schema_discovers_it_on_mariadb() {
    let my = MyDatabase::create();
    let db = connect(my.url()).await.expect("connect");
    <migration::Migrator as MigratorTrait>::up(&db, None)
        .await
        .expect("apply the workspace's migrations");
    let proved = prove_equal(&db, my.name()).await;
    report("remediation schema", &proved);
    let facts = &proved.facts;
    let mut expected: Vec<&str> = tests::support::BASE_TABLES.to_vec();
    expected.push("seaql_migrations");
    expected.sort_unstable();
    assert_eq!(
        facts.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        facts.values().map(|t| t.foreign_keys.len()).sum::<usize>(),
        5
    );
    assert!(
        facts["executions"]
            .columns
            .iter()
            .any(|c| c.name == "status"
                && matches!(&c.ty, ColumnType::Custom(t) if t.starts_with("enum("))),
        "enums are inline"
    );
    db.close().await.expect("close");
}
