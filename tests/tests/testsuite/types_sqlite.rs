//! Every column type SeaORM 2 can declare on SQLite, through the whole
//! workflow: generated from scratch, applied, fixpoint; then columns moved
//! to a neighbouring type (table rebuilds) with a row in each table; down
//! restores v1 exactly; up again. See `tests/src/zoo`.

use tests::support::SqliteFile;
use tests::zoo::{
    Evolution, column_count, prove_evolution, prove_from_scratch, sqlite_v1, sqlite_v2,
};

const ROWS: &str = r#"
INSERT INTO zoo_numbers (tiny, small, int, big, u_tiny, u_small, u_int, u_big, float, double, dec, dec_free, money)
VALUES (1, 2, 3, 4, 5, 6, 7, 8, 1.5, 2.25, 12.34, 5.678, 9.99);
INSERT INTO zoo_texts (name, code, label, body, bytes, fixed, blob, flag, tier, level, mood, custom)
VALUES ('zoo', 'abc', 'label', 'body', x'01', x'02', x'03', 1, 'pro', 2, 'sad', '1.5');
INSERT INTO zoo_times (day, clock, naive, stamp, zoned, doc, docb, uid)
VALUES ('2024-01-02', '03:04:05', '2024-01-02 03:04:05', '2024-01-02 03:04:05', '2024-01-02 03:04:05+00:00',
        '{"a":1}', '{"b":2}', '00000000-0000-0000-0000-000000000001');
"#;

/// One row per table, so the cross join is one row.
const SNAPSHOT: &str = r#"
SELECT n.tiny || '|' || n.small || '|' || n.int || '|' || n.big || '|' || n.u_tiny || '|' || n.float
    || '|' || n.dec || '|' || t.name || '|' || t.code || '|' || t.label || '|' || t.tier || '|' || t.level
    || '|' || t.mood || '|' || hex(t.bytes) || hex(t.fixed) || hex(t.blob) || '|' || ti.naive || '|' || ti.doc
    || '|' || ti.uid
FROM zoo_numbers n, zoo_texts t, zoo_times ti"#;

/// The columns v2 moves to a neighbouring type SQLite can tell apart, sorted.
const SQLITE_CHANGED: [&str; 11] = [
    "zoo_numbers.dec",
    "zoo_numbers.float",
    "zoo_numbers.small",
    "zoo_numbers.u_tiny",
    "zoo_texts.code",
    "zoo_texts.custom",
    "zoo_texts.label",
    "zoo_texts.name",
    "zoo_texts.tier",
    "zoo_times.doc",
    "zoo_times.naive",
];

#[test]
fn every_sqlite_type_is_created_changed_rolled_back_and_kept() {
    let file = SqliteFile::create();
    let evolved = prove_evolution(
        &file.url(),
        &Evolution {
            v1: sqlite_v1::PREFIX,
            v2: sqlite_v2::PREFIX,
            setup: "",
            rows: ROWS,
            snapshot: SNAPSHOT,
        },
    );
    assert_eq!(evolved.v1.tables.len(), sqlite_v1::TABLES, "v1 tables");
    assert_eq!(column_count(&evolved.v1), sqlite_v1::COLUMNS, "v1 columns");
    assert_eq!(evolved.v2.tables.len(), sqlite_v1::TABLES, "v2 tables");
    assert_eq!(column_count(&evolved.v2), sqlite_v1::COLUMNS, "v2 columns");
    assert_eq!(
        evolved.created.len(),
        sqlite_v1::TABLES,
        "{:#?}",
        evolved.created
    );
    let mut altered = evolved.altered_columns();
    altered.sort();
    assert_eq!(altered, SQLITE_CHANGED, "{:#?}", evolved.described());
    assert!(
        evolved.snapshot.contains("|zoo|abc|"),
        "{}",
        evolved.snapshot
    );
}

/// How the v1 types read back from SQLite's declared types.
#[test]
fn sqlite_types_read_back_as_declared() {
    let file = SqliteFile::create();
    let (schema, _) = prove_from_scratch(&file.url(), sqlite_v1::PREFIX, "");
    let ty = |table: &str, column: &str| {
        schema.tables[table]
            .column(column)
            .unwrap_or_else(|| panic!("{table}.{column} missing"))
            .ty
            .sql()
    };
    for (table, column, want) in [
        ("zoo_numbers", "tiny", "smallint"),
        ("zoo_numbers", "small", "smallint"),
        ("zoo_numbers", "int", "integer"),
        ("zoo_numbers", "big", "integer"),
        ("zoo_numbers", "u_big", "integer"),
        ("zoo_numbers", "float", "real"),
        ("zoo_numbers", "double", "double precision"),
        ("zoo_numbers", "dec", "numeric(10,2)"),
        ("zoo_numbers", "dec_free", "numeric"),
        ("zoo_numbers", "money", "real_money"),
        ("zoo_texts", "name", "varchar(50)"),
        ("zoo_texts", "code", "char(3)"),
        ("zoo_texts", "label", "varchar"),
        ("zoo_texts", "body", "text"),
        ("zoo_texts", "bytes", "varbinary_blob"),
        ("zoo_texts", "fixed", "bytea"),
        ("zoo_texts", "blob", "bytea"),
        ("zoo_texts", "flag", "boolean"),
        ("zoo_texts", "mood", "enum_text"),
        ("zoo_texts", "custom", "numeric"),
        ("zoo_times", "day", "date"),
        ("zoo_times", "clock", "time"),
        ("zoo_times", "naive", "timestamp"),
        ("zoo_times", "zoned", "timestamptz"),
        ("zoo_times", "doc", "json"),
        ("zoo_times", "docb", "jsonb"),
        ("zoo_times", "uid", "uuid"),
    ] {
        assert_eq!(ty(table, column), want, "{table}.{column}");
    }
}

/// A type SQLite cannot hold (an array, inet, interval, ...) is refused when
/// the migration is generated, in one sentence naming the table and column,
/// never by a panic inside sea-query's SQLite builder.
#[test]
fn postgres_only_types_are_refused_on_sqlite_by_table_and_column() {
    use sea_orm_migration::sea_orm::DbBackend;
    use tests::zoo::{pg_v1, source};

    let err = tests::support::block_on(async {
        seaorm_autogen::source::entities::record(&source(pg_v1::PREFIX), DbBackend::Sqlite).await
    })
    .expect_err("the PostgreSQL zoo cannot be created on SQLite");
    let message = err.to_string();
    assert!(
        message.contains("entity table zoo_")
            && message.contains(" column ")
            && message.contains("does not exist on SQLite"),
        "{message}"
    );
    assert!(!message.contains('\n'), "one line: {message}");

    // The same zoo records on PostgreSQL without a server.
    let recorded = tests::support::block_on(async {
        seaorm_autogen::source::entities::record(&source(pg_v1::PREFIX), DbBackend::Postgres).await
    })
    .expect("PostgreSQL holds every type of its zoo");
    assert!(!recorded.tables.is_empty());
}
