use super::*;

fn tracked(backend: DbBackend, sqls: &[&str]) -> Assumed {
    let mut a = Assumed::empty("test");
    for sql in sqls {
        a.track(sql, backend);
    }
    a
}

fn pairs(v: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn tables_columns_and_indexes_follow_the_ddl() {
    let a = tracked(
        DbBackend::Postgres,
        &[
            r#"CREATE TABLE IF NOT EXISTS "public"."t" ( "id" integer NOT NULL PRIMARY KEY, "a""b" varchar(10) DEFAULT 'x,(y', CONSTRAINT "fk" FOREIGN KEY ("id") REFERENCES "u" ("id") )"#,
            r#"CREATE UNIQUE INDEX "t_a" ON "t" ("a""b")"#,
            r#"ALTER TABLE "t" ADD COLUMN "c" text, ADD CONSTRAINT "u1" UNIQUE ("c"), DROP COLUMN "id""#,
            r#"ALTER TABLE "t" RENAME COLUMN "c" TO "d""#,
            "create table Plain (X int); drop table plain",
            r#"ALTER TABLE "t" RENAME TO "t2""#,
        ],
    );
    assert_eq!(a.tables, ["t2".to_owned()].into());
    assert_eq!(a.columns, pairs(&[("t2", "a\"b"), ("t2", "d")]));
    assert_eq!(a.indexes, pairs(&[("t2", "t_a")]));
    let a = tracked(
        DbBackend::Sqlite,
        &[
            r#"CREATE TABLE "t" ("id" integer)"#,
            r#"CREATE INDEX "i" ON "t" ("id")"#,
            r#"DROP INDEX IF EXISTS "i""#,
            "CREATE FUNCTION f() RETURNS int AS $$ CREATE TABLE x (y int) $$ LANGUAGE sql",
        ],
    );
    assert_eq!(a.tables, ["t".to_owned()].into());
    assert!(a.indexes.is_empty());
}

#[test]
fn the_questions_of_schema_manager_are_answered() {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
    use sea_schema::probe::SchemaProbe;
    let a = tracked(
        DbBackend::Postgres,
        &[
            r#"CREATE TABLE "t" ("id" integer)"#,
            r#"CREATE INDEX "i" ON "t" ("id")"#,
        ],
    );
    let pg = |s: sea_orm::sea_query::SelectStatement| {
        let (sql, values) = s.build(PostgresQueryBuilder);
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    };
    let ask = |s| a.answer(&s).map(|x| (x.question, x.answer));
    let probe = sea_schema::postgres::Postgres;
    assert_eq!(
        ask(pg(probe.has_table("t"))),
        Some(("has_table(\"t\")".into(), true))
    );
    assert_eq!(ask(pg(probe.has_table("u"))).map(|x| x.1), Some(false));
    assert_eq!(
        ask(pg(probe.has_column("t", "id"))).map(|x| x.1),
        Some(true)
    );
    assert_eq!(
        ask(pg(probe.has_column("t", "x"))).map(|x| x.1),
        Some(false)
    );
    assert_eq!(ask(pg(probe.has_index("t", "i"))).map(|x| x.1), Some(true));
    let sqlite = |s: sea_orm::sea_query::SelectStatement| {
        let (sql, values) = s.build(SqliteQueryBuilder);
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    };
    let probe = sea_schema::sqlite::Sqlite;
    assert_eq!(ask(sqlite(probe.has_table("t"))).map(|x| x.1), Some(true));
    assert_eq!(
        ask(sqlite(probe.has_column("t", "id"))).map(|x| x.1),
        Some(true)
    );
    assert_eq!(
        ask(sqlite(probe.has_index("t", "i"))).map(|x| x.1),
        Some(true)
    );
    assert_eq!(
        ask(Statement::from_string(DbBackend::Sqlite, "SELECT 1")),
        None
    );
}
