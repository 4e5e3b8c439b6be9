//! `autogen lint`: every statement a migration runs (recorded as `--sql`
//! records them), read by the dialect's SQL parser, checked against named
//! rules for migrations that take production down: long write-blocking
//! locks, table copies and rewrites, data loss, and changes that break the
//! release still running. PostgreSQL rules carry squawk's ids
//! (strong_migrations and Atlas's analyzers check the same); MySQL/MariaDB
//! rules name the ALGORITHM the server picks. Each finding says why it
//! matters and what to do instead.
//!
//! `rules` lists them and where each applies (by the engine's
//! capabilities: what only PostgreSQL does never fires on MySQL or SQLite),
//! `parse` reads statements (and `DO` blocks), `check` walks a migration,
//! `mysql` decides the ALGORITHM of a MySQL `ALTER TABLE`.

mod check;
mod mysql;
mod parse;
mod rules;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_mysql;

use std::collections::{BTreeMap, BTreeSet};

use autogen_runtime::config::Backend;
use sea_orm_migration::sea_orm::DbBackend;
use serde::Serialize;

use crate::offline::MigrationSql;
use crate::recorder::Recorded;

pub use rules::{RULES, Rule, Target, rule};

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
    /// Whether `rule` (an id) is allowed in `migration`; a rule's former
    /// ids allow it too.
    pub fn allows(&self, migration: &str, rule: &str) -> bool {
        let names = |allowed: &String| {
            allowed == rule || rules::rule(allowed).is_some_and(|r| r.id == rule)
        };
        self.everywhere.iter().any(names)
            || self
                .per_migration
                .get(migration)
                .is_some_and(|r| r.iter().any(names))
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

/// One statement of a migration; `guarded`: it runs after the migration
/// asked the catalog something, taken as asking whether the statement is
/// needed (the `autogen_runtime::online` helpers ask before each step), so
/// it can run twice. A recording cannot tell which question guards what.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub sql: &'a str,
    pub guarded: bool,
}

/// The dialect of a sea-orm backend.
pub fn dialect(backend: DbBackend) -> Backend {
    match backend {
        DbBackend::Postgres => Backend::Postgres,
        DbBackend::MySql => Backend::MySql,
        _ => Backend::Sqlite,
    }
}

/// Check the statements of one migration (`transactional`: it runs in one
/// transaction) on the plain engine of `backend`.
pub fn lint(
    backend: DbBackend,
    migration: &str,
    transactional: bool,
    statements: &[String],
) -> Vec<Finding> {
    let inputs: Vec<Input<'_>> = statements
        .iter()
        .map(|sql| Input {
            sql,
            guarded: false,
        })
        .collect();
    lint_inputs(
        &Target::of(dialect(backend)),
        migration,
        transactional,
        &inputs,
        &[],
    )
}

/// Check a recorded migration; `down`: its recorded `down()`, whose
/// statements tell what a MySQL `MODIFY COLUMN` changes from.
pub fn lint_recorded(
    target: &Target,
    up: &MigrationSql,
    down: Option<&MigrationSql>,
) -> Vec<Finding> {
    let mut inputs = Vec::new();
    let mut asked = false;
    for line in &up.statements {
        match line {
            Recorded::Execute(sql) => {
                inputs.push(Input {
                    sql,
                    guarded: asked,
                });
            }
            Recorded::Query(_) | Recorded::Answered(_) => asked = true,
        }
    }
    let down: Vec<String> = down
        .map(|d| {
            d.statements
                .iter()
                .filter_map(|l| match l {
                    Recorded::Execute(sql) => Some(sql.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    lint_inputs(target, &up.name, up.transactional, &inputs, &down)
}

/// Check statements on `target`; `down`: the migration's `down()` statements.
pub fn lint_inputs(
    target: &Target,
    migration: &str,
    transactional: bool,
    statements: &[Input<'_>],
    down: &[String],
) -> Vec<Finding> {
    let mut walk = check::Walk::new(
        *target,
        migration,
        transactional,
        check::previous(target, down),
    );
    for (i, input) in statements.iter().enumerate() {
        walk.statement(i + 1, input);
    }
    walk.out
}
