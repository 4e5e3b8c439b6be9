//! `autogen lint`: every statement a migration runs (recorded as `--sql`
//! records them) checked against named rules for PostgreSQL migrations that
//! take production down: long write-blocking locks, table rewrites, data
//! loss, and changes that break the release still running. The rules are
//! those of squawk, strong_migrations and Atlas's analyzers, under squawk's
//! ids; each finding says why it matters and what to do instead.
//!
//! Rules are scoped by backend: what only PostgreSQL does (CONCURRENTLY,
//! NOT VALID, lock_timeout, enum values in a transaction) never fires on a
//! MySQL or SQLite migration, whose statements are not PostgreSQL's.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm_migration::sea_orm::DbBackend;
use serde::Serialize;

use crate::plan::is_volatile;

/// A lint rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub id: &'static str,
    /// Only meaningful on PostgreSQL (its remedy is PostgreSQL's).
    pub postgres_only: bool,
    pub why: &'static str,
    pub instead: &'static str,
}

macro_rules! rules {
    ($($name:ident $(($pg:ident))? = $id:literal: $why:literal => $instead:literal;)*) => {
        $(const $name: Rule = Rule { id: $id, postgres_only: rules!(@pg $($pg)?), why: $why, instead: $instead };)*
        /// Every rule, in the order they are documented.
        pub const RULES: &[Rule] = &[$($name),*];
    };
    (@pg postgres) => { true };
    (@pg) => { false };
}

rules! {
    CONCURRENT_CREATE(postgres) = "require-concurrent-index-creation":
        "CREATE INDEX blocks every write to the table for the whole index build"
        => "build it with CREATE INDEX CONCURRENTLY in a non-transactional migration (`autogen -m --online`)";
    CONCURRENT_DROP(postgres) = "require-concurrent-index-deletion":
        "DROP INDEX takes an exclusive lock on the table, queueing reads and writes behind any running query"
        => "drop it with DROP INDEX CONCURRENTLY in a non-transactional migration (`autogen -m --online`)";
    NOT_VALID(postgres) = "constraint-missing-not-valid":
        "adding a foreign key or CHECK validates every existing row while holding a lock that blocks writes"
        => "add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction (`autogen -m --online`)";
    NOT_NULL_FIELD = "adding-not-nullable-field":
        "adding a NOT NULL column without a default fails on a table that has rows"
        => "add it nullable (or with a constant default), backfill it, then set NOT NULL through a validated CHECK";
    SET_NOT_NULL(postgres) = "setting-not-null":
        "SET NOT NULL scans the whole table under an exclusive lock that blocks reads and writes"
        => "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL and drop the check (`autogen -m --online`)";
    VOLATILE_DEFAULT(postgres) = "adding-field-with-volatile-default":
        "a column with a volatile default (random(), gen_random_uuid(), clock_timestamp(), ...) rewrites the whole table under an exclusive lock"
        => "add the column without a default, backfill it in batches, then set the default";
    COLUMN_TYPE = "changing-column-type":
        "changing a column's type usually rewrites the table (and its indexes) under an exclusive lock"
        => "add a new column, backfill it in batches, switch reads and writes to it, then drop the old one";
    DROP_COLUMN = "drop-column":
        "dropping a column loses its data, and the release still running may read or write it"
        => "stop using the column in a release first, then drop it (allow the rule for this migration once that is done)";
    DROP_TABLE = "drop-table":
        "dropping a table loses its data, and the release still running may use it"
        => "stop using the table in a release first, then drop it (allow the rule for this migration once that is done)";
    RENAME_COLUMN = "renaming-column":
        "renaming a column breaks the release still running, which uses the old name"
        => "add the new column, write both, backfill, move reads, then drop the old one";
    RENAME_TABLE = "renaming-table":
        "renaming a table breaks the release still running, which uses the old name"
        => "create the new table (or a view under the old name), move the code over, then drop the old one";
    UNIQUE(postgres) = "disallowed-unique-constraint":
        "adding a UNIQUE constraint builds its index while blocking writes to the table"
        => "build a unique index CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX (`autogen -m --online`)";
    LOCK_TIMEOUT(postgres) = "require-lock-timeout":
        "a DDL statement waiting for its table lock queues every later query on that table behind it, for as long as the wait lasts"
        => "start the migration with SET LOCAL lock_timeout = '5s' (SET outside a transaction); autogen retries what gives up (`autogen -m --online` writes it)";
    ENUM_SAME_TXN(postgres) = "enum-value-used-in-same-transaction":
        "PostgreSQL refuses to use an enum value in the transaction that added it (\"unsafe use of new value\")"
        => "add the value in a migration of its own that commits first (`autogen -m` does this)";
    CONCURRENT_IN_TXN(postgres) = "ban-concurrent-index-creation-in-transaction":
        "PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY inside a transaction block, so the migration fails"
        => "put it in a non-transactional migration (`use_transaction()` returning `Some(false)`; `autogen -m --online` does this)";
}

/// A rule id, if it names one.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// One problem found.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub migration: String,
    /// 1-based position among the migration's statements.
    pub statement: usize,
    pub sql: String,
    pub why: &'static str,
    pub instead: &'static str,
}

/// Rules switched off: everywhere, or for one migration.
#[derive(Clone, Debug, Default)]
pub struct Allow {
    pub everywhere: BTreeSet<String>,
    pub per_migration: BTreeMap<String, BTreeSet<String>>,
}

impl Allow {
    pub fn allows(&self, migration: &str, rule: &str) -> bool {
        self.everywhere.contains(rule)
            || self
                .per_migration
                .get(migration)
                .is_some_and(|r| r.contains(rule))
    }

    /// Rules allowed in a migration's source by `// autogen-lint: allow RULE, RULE`.
    pub fn read_source(&mut self, migration: &str, source: &str) {
        for line in source.lines() {
            if let Some(rest) = line.split("autogen-lint: allow").nth(1) {
                let rules = rest
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned);
                self.per_migration
                    .entry(migration.to_owned())
                    .or_default()
                    .extend(rules);
            }
        }
    }
}

/// `sql` with its keywords in upper case and string literals emptied
/// (`'...'` → `''`): keywords are matched on this, never inside a quoted
/// identifier or a string.
fn shape(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                out.push('\'');
                while let Some(d) = chars.next() {
                    if d == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                            continue;
                        }
                        break;
                    }
                }
                out.push('\'');
            }
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c.to_ascii_uppercase()),
        }
    }
    out.trim().to_owned()
}

/// The relation named right after `keyword` (a quoted, maybe qualified name).
fn name_after(shaped: &str, keyword: &str) -> Option<String> {
    let mut rest = &shaped[shaped.find(keyword)? + keyword.len()..];
    for skip in ["ONLY ", "IF NOT EXISTS ", "IF EXISTS ", "CONCURRENTLY "] {
        rest = rest.strip_prefix(skip).unwrap_or(rest);
    }
    let end = rest.find([' ', '(']).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// The string literals of `sql` (`'it''s'` → `it's`).
fn literals(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            for d in chars.by_ref() {
                if d == '"' {
                    break;
                }
            }
        } else if c == '\'' {
            let mut lit = String::new();
            while let Some(d) = chars.next() {
                if d == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        lit.push('\'');
                        continue;
                    }
                    break;
                }
                lit.push(d);
            }
            out.push(lit);
        }
    }
    out
}

/// Check the statements of one migration (`transactional`: it runs in one
/// transaction). Queries the migration only asks are not statements.
pub fn lint(
    backend: DbBackend,
    migration: &str,
    transactional: bool,
    statements: &[String],
) -> Vec<Finding> {
    let mut found = lint_all(migration, transactional, statements);
    if backend != DbBackend::Postgres {
        found.retain(|f| rule(f.rule).is_some_and(|r| !r.postgres_only));
    }
    found
}

fn lint_all(migration: &str, transactional: bool, statements: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut created_indexes: BTreeSet<String> = BTreeSet::new();
    let mut lock_timeout = false;
    let mut lock_reported = false;
    let mut new_values: Vec<String> = Vec::new();
    let mut validated_checks: Vec<String> = Vec::new();
    for (i, sql) in statements.iter().enumerate() {
        let s = shape(sql);
        let mut found = |rule: &Rule| {
            out.push(Finding {
                rule: rule.id,
                migration: migration.to_owned(),
                statement: i + 1,
                sql: sql.clone(),
                why: rule.why,
                instead: rule.instead,
            })
        };
        if s.starts_with("SET ") && s.contains("LOCK_TIMEOUT") {
            lock_timeout = true;
            continue;
        }
        let table = if s.starts_with("ALTER TABLE ") {
            name_after(&s, "ALTER TABLE ")
        } else if s.starts_with("CREATE INDEX") || s.starts_with("CREATE UNIQUE INDEX") {
            name_after(&s, " ON ")
        } else if s.starts_with("DROP TABLE ") {
            name_after(&s, "DROP TABLE ")
        } else {
            None
        };
        if s.starts_with("CREATE TABLE ")
            && let Some(t) = name_after(&s, "CREATE TABLE ")
        {
            created.insert(t);
            continue;
        }
        let existing = table.as_ref().is_some_and(|t| !created.contains(t));
        let takes_lock = existing
            || s.starts_with("DROP INDEX")
            || s.starts_with("ALTER TYPE")
            || s.starts_with("DROP TYPE");
        if takes_lock && !lock_timeout && !lock_reported {
            lock_reported = true;
            found(&LOCK_TIMEOUT);
        }
        if transactional
            && !new_values.is_empty()
            && literals(sql).iter().any(|l| new_values.contains(l))
        {
            found(&ENUM_SAME_TXN);
        }
        if s.starts_with("ALTER TYPE ") && s.contains(" ADD VALUE ") {
            // The value is the first literal after ADD VALUE.
            let at = sql.to_ascii_uppercase().find(" ADD VALUE ").unwrap_or(0);
            if let Some(v) = literals(&sql[at..]).into_iter().next() {
                new_values.push(v);
            }
            continue;
        }
        if s.starts_with("CREATE INDEX") || s.starts_with("CREATE UNIQUE INDEX") {
            if let Some(name) = name_after(&s, "INDEX ") {
                created_indexes.insert(name);
            }
            if existing && !s.contains(" CONCURRENTLY ") {
                found(&CONCURRENT_CREATE);
            }
            if transactional && s.contains(" CONCURRENTLY ") {
                found(&CONCURRENT_IN_TXN);
            }
            continue;
        }
        if s.starts_with("DROP INDEX") {
            let name = name_after(&s, "DROP INDEX ");
            if !s.contains(" CONCURRENTLY ") && !name.is_some_and(|n| created_indexes.contains(&n))
            {
                found(&CONCURRENT_DROP);
            }
            if transactional && s.contains(" CONCURRENTLY ") {
                found(&CONCURRENT_IN_TXN);
            }
            continue;
        }
        if s.starts_with("DROP TABLE ") {
            if existing {
                found(&DROP_TABLE);
            }
            continue;
        }
        if !s.starts_with("ALTER TABLE ") || !existing {
            continue;
        }
        if s.contains(" RENAME COLUMN ") {
            found(&RENAME_COLUMN);
        } else if s.contains(" RENAME TO ") {
            found(&RENAME_TABLE);
        }
        if s.contains(" DROP COLUMN ") {
            found(&DROP_COLUMN);
        }
        if s.contains(" ADD COLUMN ") {
            if s.contains(" NOT NULL") && !s.contains(" DEFAULT ") {
                found(&NOT_NULL_FIELD);
            }
            if let Some(at) = s.find(" DEFAULT ")
                && is_volatile(&s[at..])
            {
                found(&VOLATILE_DEFAULT);
            }
        }
        if s.contains(" ALTER COLUMN ") && (s.contains(" TYPE ") || s.contains(" SET DATA TYPE ")) {
            found(&COLUMN_TYPE);
        }
        if s.contains(" VALIDATE CONSTRAINT ") {
            validated_checks.extend(
                statements[..i]
                    .iter()
                    .map(|p| shape(p))
                    .filter(|p| p.contains(" CHECK (") && p.contains(" IS NOT NULL)"))
                    .filter_map(|p| name_after(&p, " CHECK (")),
            );
        }
        if s.contains(" SET NOT NULL") {
            let column = name_after(&s, " ALTER COLUMN ");
            if !column.is_some_and(|c| validated_checks.contains(&c)) {
                found(&SET_NOT_NULL);
            }
        }
        let adds_constraint = s.contains(" ADD CONSTRAINT ") || s.contains(" ADD FOREIGN KEY");
        if adds_constraint
            && (s.contains(" FOREIGN KEY") || s.contains(" CHECK ("))
            && !s.contains(" NOT VALID")
        {
            found(&NOT_VALID);
        }
        if adds_constraint && s.contains(" UNIQUE") && !s.contains(" USING INDEX") {
            found(&UNIQUE);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(statements: &[&str], transactional: bool) -> Vec<&'static str> {
        let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        lint(DbBackend::Postgres, "m", transactional, &statements)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn postgres_only_rules_never_fire_on_mysql_or_sqlite() {
        let statements: Vec<String> = [
            "DROP INDEX `idx_x` ON `runbooks`",
            "CREATE INDEX `idx_y` ON `runbooks` (`name`)",
            "ALTER TABLE `runbooks` ADD COLUMN `n` int",
            "ALTER TABLE `runbooks` DROP COLUMN `old`",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for backend in [DbBackend::MySql, DbBackend::Sqlite] {
            let got: Vec<&str> = lint(backend, "m", backend == DbBackend::Sqlite, &statements)
                .into_iter()
                .map(|f| f.rule)
                .collect();
            assert_eq!(got, ["drop-column"], "{backend:?}");
        }
        let pg = lint(DbBackend::Postgres, "m", true, &statements);
        assert!(
            pg.iter()
                .any(|f| f.rule == "require-concurrent-index-deletion")
        );
        assert!(pg.iter().any(|f| f.rule == "require-lock-timeout"));
    }

    #[test]
    fn a_concurrent_index_build_in_a_transaction_is_flagged() {
        assert_eq!(
            ids(
                &[
                    "SET lock_timeout = '5s'",
                    "CREATE INDEX CONCURRENTLY i ON t (a)"
                ],
                true
            ),
            ["ban-concurrent-index-creation-in-transaction"]
        );
        assert!(
            ids(
                &[
                    "SET lock_timeout = '5s'",
                    "CREATE INDEX CONCURRENTLY i ON t (a)"
                ],
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn a_plain_index_on_an_existing_table_is_flagged() {
        assert_eq!(
            ids(&[r#"CREATE INDEX "i" ON "runbooks" ("category")"#], true),
            ["require-lock-timeout", "require-concurrent-index-creation"]
        );
    }

    #[test]
    fn the_online_forms_lint_clean() {
        assert!(
            ids(
                &[
                    "SET lock_timeout = '5s'",
                    r#"CREATE INDEX CONCURRENTLY "i" ON "runbooks" ("category")"#,
                    r#"DROP INDEX CONCURRENTLY IF EXISTS "j""#,
                    r#"ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "b" ("id") NOT VALID"#,
                    r#"ALTER TABLE "a" VALIDATE CONSTRAINT "f""#,
                    r#"ALTER TABLE "a" ADD CONSTRAINT "a_c_not_null" CHECK ("c" IS NOT NULL) NOT VALID"#,
                    r#"ALTER TABLE "a" VALIDATE CONSTRAINT "a_c_not_null""#,
                    r#"ALTER TABLE "a" ALTER COLUMN "c" SET NOT NULL"#,
                    r#"ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "a_c_not_null""#,
                    r#"ALTER TABLE "a" ADD CONSTRAINT "u" UNIQUE USING INDEX "u""#,
                    "RESET lock_timeout",
                ],
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn what_a_new_table_gets_is_not_flagged() {
        assert!(
            ids(
                &[
                    r#"CREATE TABLE "t" ("id" integer NOT NULL PRIMARY KEY)"#,
                    r#"CREATE INDEX "i" ON "t" ("id")"#,
                    r#"ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("id") REFERENCES "b" ("id")"#,
                ],
                true
            )
            .is_empty()
        );
    }

    #[test]
    fn each_risky_statement_names_its_rule() {
        let cases: &[(&str, &str)] = &[
            (r#"DROP INDEX "i""#, "require-concurrent-index-deletion"),
            (
                r#"ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "b" ("id")"#,
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
            let got = ids(&["SET LOCAL lock_timeout = '5s'", sql], true);
            assert_eq!(got, [*rule], "{sql}");
        }
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
    fn allowed_rules_come_from_settings_and_the_source() {
        let mut allow = Allow::default();
        allow.read_source(
            "m1",
            "// autogen-lint: allow drop-column, renaming-column\n",
        );
        assert!(allow.allows("m1", "drop-column") && allow.allows("m1", "renaming-column"));
        assert!(!allow.allows("m2", "drop-column"));
    }
}
