//! Data pre-checks of generated migrations: a step that would fail on
//! existing rows (SET NOT NULL on NULLs, a unique index over duplicates, a
//! foreign key with orphans) fails first, with the table, the count and a
//! sample key, and before any DDL ran (the schema is as before). Real
//! databases; the plan is the generator's, run through the runtime.

use autogen_runtime::Direction;
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::DiffOptions;
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::{NoRenames, compare_schemas};
use tests::changes::{connect_case, schema_of};
use tests::support::{TestDb, block_on};

/// Plan `before` (with `rows`) -> `after` on `db`, run `up()`: its error,
/// after checking that the schema did not change.
fn failing_up(db: &TestDb, before: &str, rows: &str, after: &str) -> (String, String) {
    let backend = match db.backend() {
        "sqlite" => Backend::Sqlite,
        _ => Backend::Postgres,
    };
    let scratch = TestDb::postgres();
    block_on(async {
        let conn = connect_case(&db.url()).await;
        sea_orm_migration::sea_orm::ConnectionTrait::execute_unprepared(&conn, before)
            .await
            .expect("before");
        sea_orm_migration::sea_orm::ConnectionTrait::execute_unprepared(&conn, rows)
            .await
            .expect("rows");
        let live = introspect(&conn).await.expect("introspect");
        let target = schema_of(backend, after, &scratch.url()).await;
        let cmp = compare_schemas(
            backend,
            live.clone(),
            target,
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare");
        let plan = cmp.plan();
        let part = plan.parts.last().expect("a part");
        let rendered = part
            .render(&seaorm_autogen::Header {
                revision: "m20990101_000000_x",
                parents: &[],
                message: "x",
                created: "2099-01-01 00:00:00 UTC",
                origin: "test",
            })
            .expect("render");
        let err = autogen_runtime::run_migration(&conn, &part.migration("m"), Direction::Up)
            .await
            .expect_err("the pre-check must fail");
        assert_eq!(
            introspect(&conn).await.expect("introspect"),
            live,
            "the schema changed although the pre-check failed"
        );
        let _ = conn.close().await;
        (err, rendered)
    })
}

const T: &str = "CREATE TABLE items (id integer PRIMARY KEY, code varchar(20), parent_id integer);";

#[test]
fn set_not_null_on_null_rows_fails_first_with_the_count_and_a_key() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        let (err, rendered) = failing_up(
            &db,
            T,
            "INSERT INTO items (id, code) VALUES (1, 'a'), (7, NULL), (8, NULL), (9, NULL);",
            "CREATE TABLE items (id integer PRIMARY KEY, code varchar(20) NOT NULL, parent_id integer);",
        );
        assert!(
            err.contains("table items has 3 row(s) with NULL in code (e.g. id = 7"),
            "{}: {err}",
            db.backend()
        );
        assert!(
            !err.to_lowercase().contains("contains null values"),
            "{err}"
        );
        assert!(
            rendered.contains(
                "autogen_runtime::precheck::no_nulls(manager, \"items\", \"code\", &[\"id\"])"
            ),
            "{rendered}"
        );
    }
}

#[test]
fn a_unique_index_over_duplicates_fails_first() {
    let db = TestDb::postgres();
    let (err, _) = failing_up(
        &db,
        T,
        "INSERT INTO items (id, code) VALUES (1, 'a'), (2, 'b'), (3, 'b'), (4, NULL), (5, NULL);",
        "CREATE TABLE items (id integer PRIMARY KEY, code varchar(20) UNIQUE, parent_id integer);",
    );
    assert!(
        err.contains("table items has 2 row(s) whose (code) is not unique (e.g. id = "),
        "{err}"
    );
}

#[test]
fn a_foreign_key_with_orphans_fails_first() {
    let db = TestDb::postgres();
    let (err, _) = failing_up(
        &db,
        "CREATE TABLE parents (id integer PRIMARY KEY); CREATE TABLE items (id integer PRIMARY KEY, code varchar(20), parent_id integer);",
        "INSERT INTO parents VALUES (1); INSERT INTO items (id, parent_id) VALUES (1, 1), (2, 5), (3, NULL);",
        "CREATE TABLE parents (id integer PRIMARY KEY); CREATE TABLE items (id integer PRIMARY KEY, code varchar(20), parent_id integer REFERENCES parents (id));",
    );
    assert!(
        err.contains(
            "table items has 1 row(s) whose (parent_id) match no row of parents (e.g. id = 2)"
        ),
        "{err}"
    );
}
