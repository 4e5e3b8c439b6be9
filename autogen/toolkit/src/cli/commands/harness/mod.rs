//! `autogen test`: the standard migration tests (pytest-alembic's, Atlas's
//! `migrate test`) on a scratch database that it creates next to the
//! configured one and drops afterwards: one head; every migration applies
//! from empty to head; the database at head matches the entities
//! (`check`); the stairway (`stairway`: up, down, up of each migration with
//! catalog snapshots and generated rows, `seed`); then the user cases
//! (`cases`: TOML files that migrate, run SQL and assert), each on a
//! scratch database of its own. One line per check, a summary, exit 1 on
//! any failure; `--json`.

mod cases;
mod scratch;
mod seed;
mod stairway;

use std::path::{Path, PathBuf};
use std::time::Instant;

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::json;

use crate::cli::{Context, Outcome, output};
use crate::config::DatabaseUrl;
use crate::diff::DiffOptions;
use crate::runtime::{self, Direction, Squashed};
use crate::workspace::MigrationDir;
use scratch::Scratch;

/// One check's result.
#[derive(Debug, Serialize)]
struct Check {
    name: String,
    ok: bool,
    /// The revision the check is about, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<String>,
    /// The user case file the check ran, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    detail: String,
}

/// `autogen test [--cases DIR]`.
pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    cases_dir: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let url = ctx.url()?;
    let scratch = Scratch::create(&url, "").await?;
    let scratch_name = scratch.url.redacted();
    let result = checks::<M>(ctx, &scratch.url).await;
    scratch.drop().await;
    let mut checks = result?;
    checks.extend(user_cases::<M>(ctx, &url, cases_dir).await?);
    let failed = checks.iter().filter(|c| !c.ok).count();
    let millis = started.elapsed().as_millis();
    if ctx.json {
        println!(
            "{}",
            json!({ "ok": failed == 0, "checks": checks, "failed": failed, "millis": millis, "scratch": scratch_name })
        );
    } else {
        print_text(&checks, failed, millis, &url);
    }
    Ok(if failed == 0 {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

fn print_text(checks: &[Check], failed: usize, millis: u128, url: &DatabaseUrl) {
    for c in checks {
        let mark = if c.ok {
            output::green("ok  ")
        } else {
            output::red("FAIL")
        };
        println!("{mark} {}: {}", c.name, c.detail);
    }
    if failed == 0 {
        println!(
            "{} {} check(s) passed on a scratch {} database ({millis} ms)",
            output::green("PASSED:"),
            checks.len(),
            url.backend()
        );
    } else {
        println!(
            "{} {failed} of {} check(s) failed ({millis} ms)",
            output::red("FAILED:"),
            checks.len()
        );
    }
}

/// The user cases: `--cases`, else `[test] cases_dir`, else `tests/` beside
/// the migration crate's `src/`. A directory named explicitly must exist;
/// the default one may not.
async fn user_cases<M: MigratorTrait>(
    ctx: &Context,
    url: &DatabaseUrl,
    flag: Option<&Path>,
) -> anyhow::Result<Vec<Check>> {
    let explicit = flag
        .map(Path::to_path_buf)
        .or_else(|| ctx.settings.test.cases_dir.clone());
    let dir = explicit
        .clone()
        .unwrap_or_else(|| default_cases_dir(&ctx.migration_dir));
    if explicit.is_some() && !dir.is_dir() {
        return Ok(vec![Check {
            name: "user cases".into(),
            ok: false,
            revision: None,
            file: None,
            detail: format!(
                "{} is not a directory (pass --cases DIR, or set [test] cases_dir in autogen.toml)",
                dir.display()
            ),
        }]);
    }
    let files = cases::files(&dir)?;
    Ok(cases::run_all::<M>(url, &files).await)
}

/// `migration/src` -> `migration/tests`.
fn default_cases_dir(migration_dir: &Path) -> PathBuf {
    migration_dir
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join("tests")
}

async fn checks<M: MigratorTrait + Squashed>(
    ctx: &Context,
    url: &DatabaseUrl,
) -> anyhow::Result<Vec<Check>> {
    let mut out = Vec::new();
    let heads = MigrationDir::open(&ctx.migration_dir)?.heads()?;
    out.push(Check {
        name: "single head".into(),
        ok: heads.len() <= 1,
        revision: None,
        file: None,
        detail: match heads.as_slice() {
            [] => "no migrations".into(),
            [one] => one.clone(),
            many => format!(
                "{} heads ({}): run `autogen merge -m \"merge\"`",
                many.len(),
                many.join(", ")
            ),
        },
    });
    let db = runtime::connect(url).await?;
    let result = on_scratch::<M>(ctx, &db, &mut out).await;
    db.close().await.ok();
    result?;
    Ok(out)
}

/// Empty -> head, check at head, back to base, then the stairway.
async fn on_scratch<M: MigratorTrait + Squashed>(
    ctx: &Context,
    db: &DatabaseConnection,
    out: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if !one_by_one::<M>(db, &names, Direction::Up, out).await {
        return Ok(());
    }
    out.push(Check {
        name: "upgrade empty -> head".into(),
        ok: true,
        revision: names.last().cloned(),
        file: None,
        detail: format!("{} migration(s) applied", names.len()),
    });
    out.push(check_at_head(ctx, db, names.last().cloned()).await?);
    let rev: Vec<String> = names.iter().rev().cloned().collect();
    if !one_by_one::<M>(db, &rev, Direction::Down, out).await {
        return Ok(());
    }
    stairway::climb::<M>(db, &names, out).await
}

/// Apply `names` one after the other; `false` (with a failed check) at the
/// first that fails.
async fn one_by_one<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    direction: Direction,
    out: &mut Vec<Check>,
) -> bool {
    let verb = match direction {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    };
    for name in names {
        if let Err(e) = runtime::apply_steps::<M>(db, std::slice::from_ref(name), direction).await {
            out.push(Check {
                name: format!("{verb} {name}"),
                ok: false,
                revision: Some(name.clone()),
                file: None,
                detail: e.to_string(),
            });
            return false;
        }
    }
    true
}

/// The database at head matches the entities.
async fn check_at_head(
    ctx: &Context,
    db: &DatabaseConnection,
    head: Option<String>,
) -> anyhow::Result<Check> {
    let mut options = DiffOptions::default();
    ctx.settings.apply_to(&mut options);
    let cmp = crate::compare(db, &ctx.entity_source(), options, &mut crate::NoRenames).await?;
    let changes: Vec<String> = cmp.diff.changes.iter().map(|c| c.describe()).collect();
    Ok(Check {
        name: "check at head".into(),
        ok: changes.is_empty(),
        revision: head,
        file: None,
        detail: if changes.is_empty() {
            "the database at head matches the entities".into()
        } else {
            format!(
                "the database at head differs from the entities: {}",
                changes.join("; ")
            )
        },
    })
}
