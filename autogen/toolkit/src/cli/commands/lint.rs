//! `autogen lint [REV...]`: check migrations (generated or hand-written)
//! against the rules of `crate::lint`, by recording what they run as
//! `upgrade --sql` does. Default: the migrations pending on the database.
//! Exit 0 without findings, 1 with.

use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::cli::status::read_only_status;
use crate::cli::{Context, Outcome, output};
use crate::lint::{self, Allow, Finding};
use crate::offline;
use crate::runtime::{self, Direction, Squashed};
use sea_orm_migration::sea_orm::DbBackend;

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    revisions: &[String],
    allow: &[String],
) -> anyhow::Result<Outcome> {
    let allow = allowed(ctx, allow)?;
    let url = ctx.url()?;
    let backend = DbBackend::from(url.backend());
    let names: Vec<String> = if revisions.is_empty() {
        let status = read_only_status::<M>(&url).await?;
        status.check_known()?;
        status.pending().into_iter().map(str::to_owned).collect()
    } else {
        let status = crate::cli::status::empty_status::<M>();
        revisions
            .iter()
            .map(|r| runtime::resolve(&status, r).map(str::to_owned))
            .collect::<Result<_, _>>()?
    };
    let migrations = M::migrations();
    let mut findings = Vec::new();
    for name in &names {
        let Some(migration) = migrations.iter().find(|m| m.name() == name) else {
            continue;
        };
        let recorded = offline::record_one(backend, migration.as_ref(), Direction::Up).await?;
        let down = offline::record_one(backend, migration.as_ref(), Direction::Down)
            .await
            .ok();
        findings.extend(check(backend, &recorded, down.as_ref(), &allow, ctx));
    }
    report(ctx, &names, &findings);
    Ok(if findings.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

/// The rules switched off by the settings and `--allow`, each checked.
pub fn allowed(ctx: &Context, flags: &[String]) -> anyhow::Result<Allow> {
    let settings = &ctx.settings.lint;
    let mut allow = Allow::default();
    for id in settings.allow.iter().chain(flags) {
        known(id)?;
        allow.everywhere.insert(id.clone());
    }
    for (migration, ids) in &settings.migrations {
        for id in ids {
            known(id)?;
        }
        allow
            .per_migration
            .entry(migration.clone())
            .or_default()
            .extend(ids.iter().cloned());
    }
    Ok(allow)
}

fn known(id: &str) -> anyhow::Result<()> {
    if lint::rule(id).is_none() {
        anyhow::bail!(
            "unknown lint rule `{id}`: the rules are {}",
            lint::RULES
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// The findings of one recorded migration, less the allowed ones (in the
/// settings, on the command line, or in the file: `// autogen-lint: allow RULE`).
/// `down`: its recorded `down()` (what a MySQL `MODIFY` changes from).
pub fn check(
    backend: sea_orm_migration::sea_orm::DbBackend,
    recorded: &offline::MigrationSql,
    down: Option<&offline::MigrationSql>,
    allow: &Allow,
    ctx: &Context,
) -> Vec<Finding> {
    let mut allow = allow.clone();
    if let Ok(source) =
        std::fs::read_to_string(ctx.migration_dir.join(format!("{}.rs", recorded.name)))
    {
        allow.read_source(&recorded.name, &source);
    }
    let target = lint::Target::of(lint::dialect(backend));
    lint::lint_recorded(&target, recorded, down)
        .into_iter()
        .filter(|f| !allow.allows(&f.migration, f.rule))
        .collect()
}

/// Print the findings (or their JSON).
pub fn report(ctx: &Context, migrations: &[String], findings: &[Finding]) {
    if ctx.json {
        println!(
            "{}",
            json!({ "migrations": migrations, "findings": findings })
        );
        return;
    }
    print_findings(findings);
    if findings.is_empty() {
        println!("No lint findings in {} migration(s).", migrations.len());
    } else {
        println!(
            "{} lint finding(s) in {} migration(s); allow a rule with --allow RULE, `[lint]` in autogen.toml, or `// autogen-lint: allow RULE` in the migration.",
            findings.len(),
            migrations.len()
        );
    }
}

/// Each finding: rule, migration and statement, why, and what to do instead.
pub fn print_findings(findings: &[Finding]) {
    for f in findings {
        println!(
            "{} {}: statement {}: {}",
            output::yellow("lint"),
            f.migration,
            f.statement,
            output::bold(f.rule)
        );
        println!("    {}", f.sql.lines().next().unwrap_or_default());
        println!("    why: {}", f.why);
        println!("    instead: {}", f.instead);
    }
}
