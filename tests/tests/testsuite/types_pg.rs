//! Every column type SeaORM 2 can declare on PostgreSQL, through the whole
//! workflow: generated from scratch, applied, fixpoint; then every column
//! moved to a neighbouring type with a row in each table; down restores v1
//! exactly; up again. See `tests/src/zoo`.

use seaorm_autogen::change::Risk;
use tests::support::PgDatabase;
use tests::zoo::{
    Evolution, column_count, pg_ltree, pg_v1, pg_v2, prove_evolution, prove_from_scratch,
};

const ROWS: &str = r#"
INSERT INTO zoo_numbers (tiny, small, int, big, u_small, u_int, u_big, float, double, dec, dec_free, money)
VALUES (1, 2, 3, 4, 5, 6, 7, 1.5, 2.25, 12.34, 5.678, 9.99);
INSERT INTO zoo_texts (name, code, label, body, bytes, fixed, blob, flag, tier, level, mood)
VALUES ('zoo', 'abc', 'label', 'body', '\x01', '\x02', '\x03', true, 'pro', 2, 'sad');
INSERT INTO zoo_times (day, clock, naive, stamp, zoned, span, doc, docb, uid)
VALUES ('2024-01-02', '03:04:05', '2024-01-02 03:04:05', '2024-01-02 03:04:05', '2024-01-02 03:04:05+00',
        '1 day 2 hours', '{"a": 1}', '{"b": 2}', '00000000-0000-0000-0000-000000000001');
INSERT INTO zoo_networks (ip, net, mac, bits, bit, varbits, search, range)
VALUES ('10.0.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', B'10101010', B'1', B'101', 'a fat cat', '[1,5)');
INSERT INTO zoo_arrays (tags, labels, names, small_nums, nums, flags, ids)
VALUES ('{a,b}', '{x}', '{n}', '{1,2}', '{3}', '{true}', '{00000000-0000-0000-0000-000000000002}');
"#;

/// Values whose text is the same in v1 and v2 (one row per table, so the
/// cross join is one row).
const SNAPSHOT: &str = r#"
SELECT concat_ws('|', n.tiny, n.small, n.int, n.big, n.float, n.dec, n.money::numeric,
                 t.name, trim(t.code), t.label, t.body, t.tier, t.level, t.mood,
                 ti.day::date, ti.naive::timestamp, ti.span, ti.doc::jsonb, ti.docb::jsonb, ti.uid,
                 nw.ip, host(nw.net), nw.bits::text, nw.varbits,
                 array_to_string(a.tags, ','), array_to_string(a.labels, ','),
                 array_to_string(a.small_nums, ','), array_to_string(a.nums, ','))
FROM zoo_numbers n, zoo_texts t, zoo_times ti, zoo_networks nw, zoo_arrays a"#;

/// The columns v2 moves to a neighbouring type, sorted.
const PG_CHANGED: [&str; 25] = [
    "zoo_arrays.labels",
    "zoo_arrays.nums",
    "zoo_arrays.small_nums",
    "zoo_arrays.tags",
    "zoo_networks.bits",
    "zoo_networks.mac",
    "zoo_networks.net",
    "zoo_networks.varbits",
    "zoo_numbers.dec",
    "zoo_numbers.float",
    "zoo_numbers.int",
    "zoo_numbers.small",
    "zoo_numbers.tiny",
    "zoo_texts.body",
    "zoo_texts.code",
    "zoo_texts.label",
    "zoo_texts.level",
    "zoo_texts.name",
    "zoo_texts.tier",
    "zoo_times.day",
    "zoo_times.doc",
    "zoo_times.docb",
    "zoo_times.naive",
    "zoo_times.span",
    "zoo_times.zoned",
];

#[test]
fn every_postgres_type_is_created_changed_rolled_back_and_kept() {
    let db = PgDatabase::create();
    let evolved = prove_evolution(
        db.url(),
        &Evolution {
            v1: pg_v1::PREFIX,
            v2: pg_v2::PREFIX,
            setup: "",
            rows: ROWS,
            snapshot: SNAPSHOT,
        },
    );
    assert_eq!(evolved.v1.tables.len(), pg_v1::TABLES, "v1 tables");
    assert_eq!(column_count(&evolved.v1), pg_v1::COLUMNS, "v1 columns");
    assert_eq!(evolved.v2.tables.len(), pg_v1::TABLES, "v2 tables");
    assert_eq!(column_count(&evolved.v2), pg_v1::COLUMNS, "v2 columns");
    assert_eq!(
        evolved.v1.enums.get("zoo_mood"),
        Some(&vec!["happy".to_owned(), "sad".to_owned()]),
        "native enum of v1"
    );
    // One create per table and the enum type.
    assert_eq!(
        evolved.created.len(),
        pg_v1::TABLES + 1,
        "{:#?}",
        evolved.created
    );
    // Every changed column is found, and the enum gains a value.
    let mut altered = evolved.altered_columns();
    altered.sort();
    assert_eq!(altered, PG_CHANGED, "{:#?}", evolved.described());
    assert_eq!(
        evolved.changed.len(),
        PG_CHANGED.len() + 1,
        "{:#?}",
        evolved.described()
    );
    assert!(
        evolved.snapshot.contains("|zoo|abc|"),
        "{}",
        evolved.snapshot
    );

    // Widening moves are table rewrites, not "may fail on existing data".
    for (column, move_) in [
        ("zoo_arrays.tags", "text[] -> varchar[]"),
        ("zoo_arrays.labels", "varchar(20)[] -> text[]"),
        ("zoo_arrays.small_nums", "smallint[] -> integer[]"),
        ("zoo_arrays.nums", "integer[] -> bigint[]"),
        ("zoo_networks.net", "cidr -> inet"),
        ("zoo_networks.mac", "macaddr -> macaddr8"),
        ("zoo_networks.bits", "bit(8) -> varbit(16)"),
        ("zoo_networks.varbits", "varbit(16) -> varbit(32)"),
        ("zoo_numbers.int", "integer -> bigint"),
        ("zoo_numbers.float", "real -> double precision"),
        ("zoo_numbers.dec", "numeric(10,2) -> numeric(12,2)"),
        ("zoo_texts.name", "varchar(50) -> varchar(100)"),
        ("zoo_texts.code", "char(3) -> char(5)"),
        ("zoo_texts.label", "varchar -> text"),
        ("zoo_times.day", "date -> timestamp"),
        ("zoo_times.doc", "json -> jsonb"),
    ] {
        assert_eq!(
            evolved.risk_of(column),
            Some(Risk::Heavy),
            "{column}: {move_}"
        );
    }
    // interval -> interval(3) rounds to milliseconds.
    assert_eq!(evolved.risk_of("zoo_times.span"), Some(Risk::DataLoss));
}

/// How the v1 types read back from the catalog: the model's own variants
/// where it has one, the server's spelling otherwise.
#[test]
fn postgres_types_read_back_as_declared() {
    let db = PgDatabase::create();
    let (schema, _) = prove_from_scratch(db.url(), pg_v1::PREFIX, "");
    let ty = |table: &str, column: &str| {
        schema.tables[table]
            .column(column)
            .unwrap_or_else(|| panic!("{table}.{column} missing"))
            .ty
            .sql()
    };
    for (table, column, want) in [
        ("zoo_numbers", "tiny", "smallint"),
        ("zoo_numbers", "u_small", "integer"),
        ("zoo_numbers", "u_int", "bigint"),
        ("zoo_numbers", "u_big", "bigint"),
        ("zoo_numbers", "float", "real"),
        ("zoo_numbers", "dec", "numeric(10,2)"),
        ("zoo_numbers", "dec_free", "numeric"),
        ("zoo_numbers", "money", "money"),
        ("zoo_texts", "name", "varchar(50)"),
        ("zoo_texts", "code", "char(3)"),
        ("zoo_texts", "label", "varchar"),
        ("zoo_texts", "bytes", "bytea"),
        ("zoo_texts", "fixed", "bytea"),
        ("zoo_texts", "tier", "varchar(20)"),
        ("zoo_texts", "level", "integer"),
        ("zoo_texts", "mood", "zoo_mood"),
        ("zoo_times", "naive", "timestamp"),
        ("zoo_times", "stamp", "timestamp"),
        ("zoo_times", "zoned", "timestamptz"),
        ("zoo_times", "span", "interval"),
        ("zoo_networks", "ip", "inet"),
        ("zoo_networks", "net", "cidr"),
        ("zoo_networks", "mac", "macaddr"),
        ("zoo_networks", "bits", "bit(8)"),
        ("zoo_networks", "bit", "bit(1)"),
        ("zoo_networks", "varbits", "bit varying(16)"),
        ("zoo_networks", "search", "tsvector"),
        ("zoo_networks", "range", "int4range"),
        ("zoo_arrays", "tags", "text[]"),
        ("zoo_arrays", "labels", "varchar(20)[]"),
        ("zoo_arrays", "names", "varchar[]"),
        ("zoo_arrays", "small_nums", "smallint[]"),
        ("zoo_arrays", "flags", "boolean[]"),
        ("zoo_arrays", "ids", "uuid[]"),
    ] {
        assert_eq!(ty(table, column), want, "{table}.{column}");
    }
}

/// `ltree` with the extension installed where every schema sees it
/// (`pg_catalog`): created, changed, rolled back.
#[test]
fn ltree_from_an_extension_in_pg_catalog() {
    let db = PgDatabase::create();
    let (schema, created) = prove_from_scratch(
        db.url(),
        pg_ltree::PREFIX,
        "CREATE EXTENSION IF NOT EXISTS ltree SCHEMA pg_catalog",
    );
    assert_eq!(created.len(), 1, "{created:#?}");
    assert_eq!(
        schema.tables["zoo_paths"]
            .column("path")
            .map(|c| c.ty.sql()),
        Some("ltree".to_owned())
    );
}

/// The usual install (`CREATE EXTENSION ltree` into `public`): the entity
/// DDL runs in a scratch schema placed in front of the connection's search
/// path, so the extension's types resolve there too (citext, hstore and
/// vector alike), and read back unqualified as on the live side.
#[test]
fn ltree_from_an_extension_in_public() {
    let db = PgDatabase::create();
    prove_from_scratch(
        db.url(),
        pg_ltree::PREFIX,
        "CREATE EXTENSION IF NOT EXISTS ltree",
    );
}
