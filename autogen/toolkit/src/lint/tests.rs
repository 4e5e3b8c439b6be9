//! The rules on PostgreSQL and SQLite statements, and what is common.

use super::*;

fn on(backend: DbBackend, statements: &[&str], transactional: bool) -> Vec<&'static str> {
    let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
    lint(backend, "m", transactional, &statements)
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

fn ids(statements: &[&str], transactional: bool) -> Vec<&'static str> {
    on(DbBackend::Postgres, statements, transactional)
}

const TIMEOUT: &str = "SET LOCAL lock_timeout = '5s'";

#[test]
fn postgres_only_rules_never_fire_on_mysql_or_sqlite() {
    let statements = [
        "DROP INDEX `idx_x` ON `runbooks`",
        "CREATE INDEX `idx_y` ON `runbooks` (`name`)",
        "ALTER TABLE `runbooks` ADD COLUMN `n` int",
        "ALTER TABLE `runbooks` ADD CONSTRAINT `f` FOREIGN KEY (`n`) REFERENCES `b` (`id`)",
        "ALTER TABLE `runbooks` DROP COLUMN `old`",
    ];
    let got = on(DbBackend::MySql, &statements, false);
    assert_eq!(got, ["mysql-foreign-key-copy", "drop-column"]);
    let sqlite = [
        r#"DROP INDEX "idx_x""#,
        r#"CREATE INDEX "idx_y" ON "runbooks" ("name")"#,
        r#"ALTER TABLE "runbooks" ADD COLUMN "n" integer"#,
        r#"ALTER TABLE "runbooks" DROP COLUMN "old""#,
    ];
    assert_eq!(on(DbBackend::Sqlite, &sqlite, true), ["drop-column"]);
    let pg = ids(&sqlite, true);
    assert_eq!(
        pg,
        [
            "require-timeout-settings",
            "require-concurrent-index-deletion",
            "require-concurrent-index-creation",
            "drop-column"
        ]
    );
}

#[test]
fn each_risky_statement_names_its_rule() {
    let cases: &[(&str, &str)] = &[
        (r#"DROP INDEX "i""#, "require-concurrent-index-deletion"),
        (
            r#"CREATE UNIQUE INDEX "i" ON "a" ("n")"#,
            "require-concurrent-index-creation",
        ),
        (
            r#"ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "b" ("id")"#,
            "constraint-missing-not-valid",
        ),
        (
            r#"ALTER TABLE "a" ADD CONSTRAINT "c" CHECK ("n" > 0)"#,
            "constraint-missing-not-valid",
        ),
        (
            r#"ALTER TABLE "a" ADD COLUMN "n" integer NOT NULL"#,
            "adding-not-nullable-field",
        ),
        (
            r#"ALTER TABLE "a" ALTER COLUMN "n" SET NOT NULL"#,
            "setting-not-null",
        ),
        (
            r#"ALTER TABLE "a" ADD COLUMN "u" uuid DEFAULT gen_random_uuid()"#,
            "adding-field-with-volatile-default",
        ),
        (
            r#"ALTER TABLE "a" ALTER COLUMN "n" TYPE bigint USING "n"::bigint"#,
            "changing-column-type",
        ),
        (r#"ALTER TABLE "a" DROP COLUMN "n""#, "drop-column"),
        (r#"DROP TABLE "a""#, "drop-table"),
        (
            r#"ALTER TABLE "a" RENAME COLUMN "n" TO "m""#,
            "renaming-column",
        ),
        (r#"ALTER TABLE "a" RENAME TO "b""#, "renaming-table"),
        (
            r#"ALTER TABLE "a" ADD CONSTRAINT "u" UNIQUE ("n")"#,
            "disallowed-unique-constraint",
        ),
    ];
    for (sql, rule) in cases {
        assert_eq!(ids(&[TIMEOUT, sql], true), [*rule], "{sql}");
    }
}

#[test]
fn safe_statements_on_existing_tables_are_not_flagged() {
    for sql in [
        r#"ALTER TABLE "a" ADD COLUMN "n" integer"#,
        r#"ALTER TABLE "a" ADD COLUMN "n" integer NOT NULL DEFAULT 0"#,
        r#"ALTER TABLE "a" ALTER COLUMN "n" DROP NOT NULL"#,
        r#"ALTER TABLE "a" ALTER COLUMN "n" SET DEFAULT 1"#,
        r#"COMMENT ON COLUMN "a"."n" IS 'DROP TABLE a'"#,
        r#"CREATE TYPE "s" AS ENUM ('a', 'b')"#,
    ] {
        assert!(ids(&[TIMEOUT, sql], true).is_empty(), "{sql}");
    }
}

#[test]
fn a_concurrent_index_build_in_a_transaction_is_flagged() {
    let build = [TIMEOUT, r#"CREATE INDEX CONCURRENTLY "i" ON "t" ("a")"#];
    assert_eq!(
        ids(&build, true),
        ["ban-concurrent-index-creation-in-transaction"]
    );
    let drop = [
        "SET lock_timeout = '5s'",
        r#"DROP INDEX CONCURRENTLY IF EXISTS "i""#,
    ];
    assert_eq!(
        ids(&drop, true),
        ["ban-concurrent-index-creation-in-transaction"]
    );
    assert!(ids(&drop, false).is_empty());
}

#[test]
fn a_lock_taken_without_a_lock_timeout_is_flagged_once() {
    assert_eq!(
        ids(
            &[
                r#"CREATE INDEX "i" ON "runbooks" ("category")"#,
                r#"ALTER TABLE "runbooks" ADD COLUMN "x" integer"#,
            ],
            true
        ),
        [
            "require-timeout-settings",
            "require-concurrent-index-creation"
        ]
    );
    // Set before the first lock: clean; `SET ... TO` and plain SET count.
    for set in ["SET lock_timeout TO '1s'", "SET LOCAL lock_timeout = 500"] {
        assert!(ids(&[set, r#"ALTER TABLE "a" ADD COLUMN "x" integer"#], true).is_empty());
    }
    // Set after: too late.
    assert_eq!(
        ids(
            &[r#"ALTER TABLE "a" ADD COLUMN "x" integer"#, TIMEOUT],
            true
        ),
        ["require-timeout-settings"]
    );
}

#[test]
fn the_online_forms_lint_clean() {
    let statements = [
        "SET lock_timeout = '5s'",
        r#"CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "runbooks" ("category")"#,
        r#"DROP INDEX CONCURRENTLY IF EXISTS "j""#,
        r#"ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "f""#,
        r#"ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "b" ("id") NOT VALID"#,
        r#"ALTER TABLE "a" VALIDATE CONSTRAINT "f""#,
        r#"ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "a_c_not_null""#,
        r#"ALTER TABLE "a" ADD CONSTRAINT "a_c_not_null" CHECK ("c" IS NOT NULL) NOT VALID"#,
        r#"ALTER TABLE "a" VALIDATE CONSTRAINT "a_c_not_null""#,
        r#"ALTER TABLE "a" ALTER COLUMN "c" SET NOT NULL"#,
        r#"ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "a_c_not_null""#,
        r#"ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "u""#,
        r#"ALTER TABLE "a" ADD CONSTRAINT "u" UNIQUE USING INDEX "u""#,
        "RESET lock_timeout",
    ];
    assert_eq!(ids(&statements, false), Vec::<&str>::new());
    // Without the validated check, SET NOT NULL scans.
    assert_eq!(
        ids(
            &[TIMEOUT, r#"ALTER TABLE "a" ALTER COLUMN "d" SET NOT NULL"#],
            false
        ),
        ["setting-not-null"]
    );
}

#[test]
fn outside_a_transaction_statements_that_cannot_run_twice_are_flagged() {
    let fragile = [
        r#"CREATE INDEX CONCURRENTLY "i" ON "a" ("n")"#,
        r#"DROP INDEX CONCURRENTLY "i""#,
        r#"ALTER TABLE "a" ADD COLUMN "n" integer"#,
        r#"ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "b" ("id") NOT VALID"#,
        r#"CREATE TABLE "t" ("id" integer)"#,
        r#"ALTER TYPE "s" ADD VALUE 'c'"#,
    ];
    for sql in fragile {
        assert_eq!(
            ids(&[TIMEOUT, sql], false),
            ["prefer-robust-stmts"],
            "{sql}"
        );
        assert!(
            ids(&[TIMEOUT, sql], true)
                .iter()
                .all(|r| *r != "prefer-robust-stmts")
        );
        // Behind a catalog query the migration asks first: robust.
        let target = Target::of(Backend::Postgres);
        let inputs = [
            Input {
                sql: TIMEOUT,
                guarded: false,
            },
            Input { sql, guarded: true },
        ];
        assert!(
            lint_inputs(&target, "m", false, &inputs, &[]).is_empty(),
            "{sql}"
        );
    }
    for sql in [
        r#"CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "a" ("n")"#,
        r#"ALTER TABLE "a" ADD COLUMN IF NOT EXISTS "n" integer"#,
        r#"CREATE TABLE IF NOT EXISTS "t" ("id" integer)"#,
        r#"ALTER TYPE "s" ADD VALUE IF NOT EXISTS 'c'"#,
    ] {
        assert!(ids(&[TIMEOUT, sql], false).is_empty(), "{sql}");
    }
    // MySQL has no transactional DDL to leave: the rule is not for it.
    assert!(on(DbBackend::MySql, &["CREATE TABLE `t` (`id` int)"], false).is_empty());
}

#[test]
fn what_a_new_table_gets_is_not_flagged() {
    for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
        let got = on(
            backend,
            &[
                r#"CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY)"#,
                r#"CREATE INDEX "i" ON "t" ("id")"#,
                r#"ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("id") REFERENCES "b" ("id")"#,
                r#"ALTER TABLE "t" ADD COLUMN "n" integer NOT NULL"#,
                r#"DROP INDEX "i""#,
            ],
            true,
        );
        assert!(got.is_empty(), "{backend:?}: {got:?}");
    }
}

#[test]
fn statements_inside_a_do_block_are_linted() {
    let block = r#"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'i') THEN CREATE INDEX "i" ON "runbooks" ("category"); END IF; END $$"#;
    assert_eq!(
        ids(&[TIMEOUT, block], true),
        ["require-concurrent-index-creation"]
    );
    let execute = r#"DO $body$ BEGIN EXECUTE 'ALTER TABLE "a" DROP COLUMN "n"'; END $body$"#;
    assert_eq!(ids(&[TIMEOUT, execute], true), ["drop-column"]);
    let quiet = r#"DO $$ BEGIN RAISE NOTICE 'DROP TABLE a'; END $$"#;
    assert!(ids(&[TIMEOUT, quiet], true).is_empty());
}

#[test]
fn a_new_enum_value_used_in_its_transaction_is_flagged() {
    let statements = [
        r#"ALTER TYPE "execution_status" ADD VALUE IF NOT EXISTS 'queued'"#,
        r#"ALTER TABLE "executions" ALTER COLUMN "status" SET DEFAULT 'queued'"#,
    ];
    assert!(ids(&statements, true).contains(&"enum-value-used-in-same-transaction"));
    assert!(!ids(&statements, false).contains(&"enum-value-used-in-same-transaction"));
    // A name in quotes is not a keyword.
    assert!(ids(&[r#"CREATE TABLE "DROP TABLE x" ("a" int)"#], true).is_empty());
}

#[test]
fn a_statement_the_parser_cannot_read_finds_nothing() {
    assert!(ids(&["VACUUM (ANALYZE, PARALLEL 2) \"a\""], true).is_empty());
    assert!(on(DbBackend::Sqlite, &["PRAGMA foreign_keys = OFF"], true).is_empty());
}

#[test]
fn allowed_rules_come_from_settings_and_the_source() {
    let mut allow = Allow::default();
    allow.read_source(
        "m1",
        "// autogen-lint: allow drop-column, renaming-column\n",
    );
    assert!(allow.allows("m1", "drop-column") && allow.allows("m1", "renaming-column"));
    assert!(!allow.allows("m2", "drop-column"));
}

#[test]
fn a_former_rule_id_still_names_its_rule() {
    assert_eq!(
        rule("require-lock-timeout").map(|r| r.id),
        Some("require-timeout-settings")
    );
    let mut allow = Allow::default();
    allow.everywhere.insert("require-lock-timeout".into());
    assert!(allow.allows("m", "require-timeout-settings"));
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}
