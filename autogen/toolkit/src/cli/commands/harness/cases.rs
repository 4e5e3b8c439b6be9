//! User cases of `autogen test` (Atlas's `migrate test`): TOML files, one
//! case each, that migrate a scratch database to a revision, run SQL there
//! (seed rows), migrate on and assert on query results. Data, not code: no
//! rebuild of the migration crate per case, the SQL the team already
//! writes, and a file the harness validates before running anything.
//!
//! ```toml
//! backends = ["postgres", "sqlite"]          # optional: where the case runs
//! [[step]]
//! migrate_to = "m20260101_000001_initial"    # a revision, "head" or "base"
//! sql = ["INSERT INTO runbooks (name, category) VALUES ('a', 'x')"]
//! [[step]]
//! migrate_to = "head"
//! [[step.assert]]
//! query = "SELECT count(*) FROM runbooks"
//! equals = [["1"]]                           # rows of text values
//! ```
//!
//! A step migrates first (when it says where to), then runs its `sql` in
//! order, then checks its assertions; `backends` on a step or an assertion
//! limits it to those backends (per-backend SQL). Values are compared as
//! text (`NULL` for NULL); a column of a type not read as text (numeric,
//! enums, arrays) is an error that says to cast it in the query.

use std::path::{Path, PathBuf};

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use serde::Deserialize;

use super::Check;
use super::scratch::Scratch;
use crate::cli::status::one_line;
use crate::config::{Backend, DatabaseUrl};
use crate::runtime::{self, Direction};
use crate::settings::one_line as toml_one_line;

/// One case file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// What the case proves, for the reader of the file (not printed).
    #[serde(default, rename = "description")]
    _description: Option<String>,
    /// Where the case runs: `postgres`, `mysql` (MariaDB too), `sqlite`; all when empty.
    #[serde(default)]
    backends: Vec<String>,
    #[serde(default, rename = "step")]
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// A revision, `head` or `base`; none: stay where the previous step left it.
    migrate_to: Option<String>,
    #[serde(default)]
    sql: Vec<String>,
    #[serde(default)]
    backends: Vec<String>,
    #[serde(default, rename = "assert")]
    asserts: Vec<Assert>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Assert {
    query: String,
    /// The rows the query returns, each a list of text values.
    equals: Vec<Vec<String>>,
    #[serde(default)]
    backends: Vec<String>,
}

/// The case files of `dir` (`*.toml`, by name); none when it does not exist.
pub(super) fn files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the test cases in {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// Run every case in `files`, each on a fresh scratch database beside `url`:
/// one check per file.
pub(super) async fn run_all<M: MigratorTrait>(url: &DatabaseUrl, files: &[PathBuf]) -> Vec<Check> {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mut out = Vec::with_capacity(files.len());
    for (i, path) in files.iter().enumerate() {
        let result = match load(path, &names) {
            Err(why) => Err(why),
            Ok(case) => run_one::<M>(url, &case, &names, i).await,
        };
        out.push(Check {
            name: format!("case {}", path.display()),
            ok: result.is_ok(),
            revision: None,
            file: Some(path.display().to_string()),
            detail: result.unwrap_or_else(|why| why),
        });
    }
    out
}

/// Read, parse and validate one file: every revision known, every backend
/// named right, something to do. The error is one line.
fn load(path: &Path, names: &[String]) -> Result<CaseFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let case: CaseFile = toml::from_str(&text)
        .map_err(|e| format!("not a valid case file: {}", toml_one_line(&e.to_string())))?;
    if case.steps.is_empty() {
        return Err("no [[step]]: a case migrates, runs SQL and asserts in steps".into());
    }
    known_backends(&case.backends, "the case")?;
    for (i, step) in case.steps.iter().enumerate() {
        let at = format!("step {}", i + 1);
        known_backends(&step.backends, &at)?;
        if let Some(target) = &step.migrate_to {
            position(target, names).ok_or_else(|| {
                format!(
                    "{at}: unknown revision `{target}` in migrate_to (not a migration of this build, nor `head` or `base`; `autogen history` lists them)"
                )
            })?;
        }
        for (j, assert) in step.asserts.iter().enumerate() {
            known_backends(&assert.backends, &format!("{at}, assertion {}", j + 1))?;
        }
    }
    Ok(case)
}

fn known_backends(backends: &[String], at: &str) -> Result<(), String> {
    match backends.iter().find(|b| backend_named(b).is_none()) {
        Some(b) => Err(format!(
            "{at}: unknown backend `{b}` in backends (postgres, mysql, sqlite)"
        )),
        None => Ok(()),
    }
}

fn backend_named(name: &str) -> Option<Backend> {
    match name {
        "postgres" => Some(Backend::Postgres),
        "mysql" => Some(Backend::MySql),
        "sqlite" => Some(Backend::Sqlite),
        _ => None,
    }
}

/// Whether something limited to `backends` runs on `backend`.
fn runs_on(backends: &[String], backend: Backend) -> bool {
    backends.is_empty() || backends.iter().any(|b| backend_named(b) == Some(backend))
}

/// How many migrations are applied at `target`.
fn position(target: &str, names: &[String]) -> Option<usize> {
    match target {
        "head" => Some(names.len()),
        "base" => Some(0),
        rev => names.iter().position(|n| n == rev).map(|i| i + 1),
    }
}

/// One case on a scratch database of its own; `Ok`: what it did.
async fn run_one<M: MigratorTrait>(
    url: &DatabaseUrl,
    case: &CaseFile,
    names: &[String],
    index: usize,
) -> Result<String, String> {
    let backend = url.backend();
    if !runs_on(&case.backends, backend) {
        return Ok(format!(
            "skipped on {backend} (backends = [{}])",
            case.backends.join(", ")
        ));
    }
    let scratch = Scratch::create(url, &format!("_c{index}"))
        .await
        .map_err(|e| one_line(&format!("{e:#}")))?;
    let result = match runtime::connect(&scratch.url).await {
        Ok(db) => {
            let r = steps::<M>(&db, case, names, backend).await;
            db.close().await.ok();
            r
        }
        Err(e) => Err(format!("cannot connect to the scratch database: {e}")),
    };
    scratch.drop().await;
    result
}

async fn steps<M: MigratorTrait>(
    db: &DatabaseConnection,
    case: &CaseFile,
    names: &[String],
    backend: Backend,
) -> Result<String, String> {
    let (mut at, mut ran, mut checked) = (0, 0, 0);
    for (i, step) in case.steps.iter().enumerate() {
        if !runs_on(&step.backends, backend) {
            continue;
        }
        let label = format!("step {}", i + 1);
        if let Some(target) = &step.migrate_to {
            let to = position(target, names)
                .ok_or_else(|| format!("{label}: unknown revision `{target}`"))?;
            migrate::<M>(db, names, at, to)
                .await
                .map_err(|e| format!("{label}: migrating to {target} failed: {}", one_line(&e)))?;
            at = to;
        }
        for (k, sql) in step.sql.iter().enumerate() {
            db.execute_unprepared(sql).await.map_err(|e| {
                format!(
                    "{label}: sql #{} failed: {}: {}",
                    k + 1,
                    one_line(&e.to_string()),
                    one_line(sql)
                )
            })?;
            ran += 1;
        }
        for (j, assert) in step.asserts.iter().enumerate() {
            if !runs_on(&assert.backends, backend) {
                continue;
            }
            let label = format!("{label}, assertion {}", j + 1);
            check(db, assert)
                .await
                .map_err(|e| format!("{label}: {e}"))?;
            checked += 1;
        }
    }
    Ok(format!(
        "{} step(s), {ran} statement(s), {checked} assertion(s) passed",
        case.steps.len()
    ))
}

/// Apply (or roll back) the migrations between `from` and `to` applied.
async fn migrate<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    from: usize,
    to: usize,
) -> Result<(), String> {
    let result = if to >= from {
        runtime::apply_steps::<M>(db, &names[from..to], Direction::Up).await
    } else {
        let down: Vec<String> = names[to..from].iter().rev().cloned().collect();
        runtime::apply_steps::<M>(db, &down, Direction::Down).await
    };
    result.map(|_| ()).map_err(|e| e.to_string())
}

/// Run the assertion's query; `Err`: query, expected, got.
async fn check(db: &DatabaseConnection, assert: &Assert) -> Result<(), String> {
    let query = one_line(&assert.query);
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            assert.query.clone(),
        ))
        .await
        .map_err(|e| format!("`{query}` failed: {}", one_line(&e.to_string())))?;
    let got = rows
        .iter()
        .map(texts)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`{query}`: {e}"))?;
    if got == assert.equals {
        return Ok(());
    }
    let show = |rows: &[Vec<String>]| serde_json::to_string(rows).unwrap_or_default();
    Err(format!(
        "`{query}`: expected {}, got {}",
        show(&assert.equals),
        show(&got)
    ))
}

/// A row's values as text, in column order.
fn texts(row: &QueryResult) -> Result<Vec<String>, String> {
    (0..row.column_names().len())
        .map(|i| text(row, i))
        .collect()
}

/// One value as text: the first type it reads as, `NULL` for NULL.
fn text(row: &QueryResult, i: usize) -> Result<String, String> {
    use sea_orm_migration::sea_orm::prelude::{
        ChronoDate, ChronoDateTime, ChronoDateTimeUtc, ChronoTime, Json, Uuid,
    };
    fn get<T: sea_orm_migration::sea_orm::TryGetable + ToString>(
        row: &QueryResult,
        i: usize,
    ) -> Option<String> {
        match row.try_get_by_index::<Option<T>>(i) {
            Ok(Some(v)) => Some(v.to_string()),
            Ok(None) => Some("NULL".to_owned()),
            Err(_) => None,
        }
    }
    get::<String>(row, i)
        .or_else(|| get::<i64>(row, i))
        .or_else(|| get::<i32>(row, i))
        .or_else(|| get::<i16>(row, i))
        .or_else(|| get::<u64>(row, i))
        .or_else(|| get::<bool>(row, i))
        .or_else(|| get::<f64>(row, i))
        .or_else(|| get::<f32>(row, i))
        .or_else(|| get::<Uuid>(row, i))
        .or_else(|| get::<Json>(row, i))
        .or_else(|| get::<ChronoDateTimeUtc>(row, i))
        .or_else(|| get::<ChronoDateTime>(row, i))
        .or_else(|| get::<ChronoDate>(row, i))
        .or_else(|| get::<ChronoTime>(row, i))
        .ok_or_else(|| {
            let name = row.column_names().get(i).cloned().unwrap_or_default();
            format!(
                "column {} ({name}) has a type autogen does not read as text: cast it in the query (CAST(... AS TEXT))",
                i + 1
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["m1_base".into(), "m2_more".into()]
    }

    fn load_text(text: &str) -> Result<CaseFile, String> {
        let dir = std::env::temp_dir().join(format!(
            "autogen-case-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join("case.toml");
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        let r = load(&path, &names());
        std::fs::remove_dir_all(&dir).ok();
        r
    }

    #[test]
    fn a_case_with_steps_sql_and_assertions_is_read() {
        let case = load_text(
            r#"
backends = ["postgres", "sqlite"]
[[step]]
migrate_to = "m1_base"
sql = ["INSERT INTO t VALUES (1)"]
[[step]]
migrate_to = "head"
[[step.assert]]
query = "SELECT count(*) FROM t"
equals = [["1"]]
[[step]]
backends = ["mysql"]
sql = ["SELECT 1"]
"#,
        )
        .expect("valid");
        assert_eq!(case.steps.len(), 3);
        assert_eq!(case.steps[1].asserts[0].equals, [["1"]]);
        assert!(runs_on(&case.backends, Backend::Sqlite));
        assert!(!runs_on(&case.backends, Backend::MySql));
        assert!(runs_on(&case.steps[0].backends, Backend::MySql));
    }

    #[test]
    fn an_unknown_revision_or_backend_is_one_line_naming_it() {
        let e = load_text("[[step]]\nmigrate_to = \"m9_nope\"\n").expect_err("unknown");
        assert!(e.starts_with("step 1: unknown revision `m9_nope`"), "{e}");
        let e = load_text("[[step]]\nbackends = [\"oracle\"]\n").expect_err("unknown");
        assert!(e.contains("unknown backend `oracle`"), "{e}");
        let e = load_text("[[step]]\nmigrate_to = \"head\"\nsqls = []\n").expect_err("typo");
        assert!(
            e.starts_with("not a valid case file") && e.contains("sqls"),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
        let e = load_text("").expect_err("empty");
        assert!(e.starts_with("no [[step]]"), "{e}");
    }

    #[test]
    fn targets_are_positions_in_the_history() {
        let names = names();
        assert_eq!(position("base", &names), Some(0));
        assert_eq!(position("m1_base", &names), Some(1));
        assert_eq!(position("head", &names), Some(2));
        assert_eq!(position("m3", &names), None);
    }
}
