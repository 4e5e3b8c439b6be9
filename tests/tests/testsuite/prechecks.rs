//! Data pre-checks of generated migrations: a step that would fail on
//! existing rows (SET NOT NULL on NULLs, a unique index over duplicates, a
//! foreign key with orphans) fails first, with the table, the count and a
//! sample key, and before any DDL ran (the schema is as before); so do a
//! narrowing type change over values that do not fit and an enum value
//! removed that rows still hold. Real databases (PostgreSQL, MariaDB,
//! SQLite); the plan is the generator's, run through the runtime.

use autogen_runtime::Direction;
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::DiffOptions;
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::{NoRenames, compare_schemas};
use tests::changes::{connect_case, schema_of};
use tests::support::{MyDatabase, TestDb, block_on};

/// Plan `before` (with `rows`) -> `after` on `db`, run `up()`: its error,
/// after checking that the schema did not change.
fn failing_up(db: &TestDb, before: &str, rows: &str, after: &str) -> (String, String) {
    let backend = match db.backend() {
        "sqlite" => Backend::Sqlite,
        _ => Backend::Postgres,
    };
    let scratch = TestDb::postgres();
    failing_up_at(backend, &db.url(), &scratch.url(), before, rows, after)
}

/// The same on MariaDB (its own scratch database for the target schema).
fn failing_up_mysql(before: &str, rows: &str, after: &str) -> (String, String) {
    let (db, scratch) = (MyDatabase::create(), MyDatabase::create());
    failing_up_at(Backend::MySql, db.url(), scratch.url(), before, rows, after)
}

fn failing_up_at(
    backend: Backend,
    url: &str,
    scratch_url: &str,
    before: &str,
    rows: &str,
    after: &str,
) -> (String, String) {
    block_on(async {
        let conn = connect_case(url).await;
        sea_orm_migration::sea_orm::ConnectionTrait::execute_unprepared(&conn, before)
            .await
            .expect("before");
        sea_orm_migration::sea_orm::ConnectionTrait::execute_unprepared(&conn, rows)
            .await
            .expect("rows");
        let live = introspect(&conn).await.expect("introspect");
        let target = schema_of(backend, after, scratch_url).await;
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

#[test]
fn a_narrower_varchar_over_longer_values_fails_first() {
    let after = "CREATE TABLE items (id integer PRIMARY KEY, code varchar(3), parent_id integer);";
    let rows =
        "INSERT INTO items (id, code) VALUES (1, 'abc'), (2, 'abcdef'), (3, NULL), (4, 'ééééé');";
    let pg = TestDb::postgres();
    let mut runs = vec![("postgres", failing_up(&pg, T, rows, after))];
    runs.push(("mariadb", failing_up_mysql(T, rows, after)));
    for (backend, (err, rendered)) in runs {
        assert!(
            err.contains(
                "table items has 2 row(s) whose code is longer than 3 character(s) (e.g. id = "
            ),
            "{backend}: {err}"
        );
        assert!(
            rendered.contains("autogen_runtime::precheck::Fit::MaxLength(3)"),
            "{backend}: {rendered}"
        );
    }
}

#[test]
fn a_smaller_integer_over_values_out_of_range_fails_first() {
    let before = "CREATE TABLE items (id integer PRIMARY KEY, n bigint);";
    let rows = "INSERT INTO items VALUES (1, 5), (2, 3000000000), (3, -3000000000), (4, NULL);";
    let after = "CREATE TABLE items (id integer PRIMARY KEY, n integer);";
    let pg = TestDb::postgres();
    for (backend, (err, _)) in [
        ("postgres", failing_up(&pg, before, rows, after)),
        ("mariadb", failing_up_mysql(before, rows, after)),
    ] {
        assert!(
            err.contains("table items has 2 row(s) whose n is outside -2147483648..=2147483647"),
            "{backend}: {err}"
        );
    }
}

#[test]
fn a_smaller_numeric_over_values_too_large_fails_first() {
    let before = "CREATE TABLE items (id integer PRIMARY KEY, price numeric(10,2));";
    let rows = "INSERT INTO items VALUES (1, 999.99), (2, 1000.00), (3, -12345.5);";
    let after = "CREATE TABLE items (id integer PRIMARY KEY, price numeric(5,2));";
    let (err, rendered) = failing_up(&TestDb::postgres(), before, rows, after);
    assert!(
        err.contains("table items has 2 row(s) whose price is too large for numeric(5,2)"),
        "{err}\n{rendered}"
    );
}

#[test]
fn an_enum_value_removed_while_rows_hold_it_fails_first() {
    let before = "CREATE TYPE status AS ENUM ('new', 'old', 'done'); CREATE TABLE items (id integer PRIMARY KEY, s status);";
    let rows = "INSERT INTO items VALUES (1, 'new'), (2, 'old'), (3, 'old'), (4, NULL);";
    let after = "CREATE TYPE status AS ENUM ('new', 'done'); CREATE TABLE items (id integer PRIMARY KEY, s status);";
    let (err, rendered) = failing_up(&TestDb::postgres(), before, rows, after);
    assert!(
        err.contains(
            "table items has 2 row(s) whose s is one of the removed value(s) old (e.g. id = 2)"
        ),
        "{err}\n{rendered}"
    );
    assert!(
        rendered.contains("autogen_runtime::precheck::no_value("),
        "{rendered}"
    );
}

#[test]
fn values_that_fit_pass_the_narrowing_check() {
    use sea_orm_migration::sea_orm::ConnectionTrait;
    let db = TestDb::postgres();
    block_on(async {
        let conn = connect_case(&db.url()).await;
        conn.execute_unprepared("CREATE TABLE items (id integer PRIMARY KEY, code varchar(20)); INSERT INTO items VALUES (1, 'abc'), (2, NULL);")
            .await
            .expect("rows");
        let manager = sea_orm_migration::SchemaManager::new(&conn);
        autogen_runtime::precheck::values_fit(
            &manager,
            "items",
            "code",
            autogen_runtime::precheck::Fit::MaxLength(3),
            &["id"],
        )
        .await
        .expect("values that fit pass");
        let err = autogen_runtime::precheck::values_fit(
            &manager,
            "items",
            "code",
            autogen_runtime::precheck::Fit::MaxLength(2),
            &["id"],
        )
        .await
        .expect_err("abc does not fit in 2")
        .to_string();
        assert!(
            err.contains("1 row(s) whose code is longer than 2 character(s) (e.g. id = 1)"),
            "{err}"
        );
        let _ = conn.close().await;
    });
}
