//! `autogen diff`: print what `autogen -m` would generate, writing nothing.

use sea_orm_migration::MigratorTrait;

use crate::Header;
use crate::cli::compare::{changes_json, compare, plan_options};
use crate::cli::{Context, GenerateArgs, Outcome, output};
use crate::runtime::Squashed;
use crate::workspace::MigrationDir;

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
) -> anyhow::Result<Outcome> {
    let (_db, cmp) = compare::<M>(ctx, args, false).await?;
    if ctx.json {
        println!("{}", changes_json(&cmp));
        return Ok(Outcome::Ok);
    }
    output::detected(&cmp.diff.changes, cmp.backend);
    output::unknown_tables(&cmp.diff.unknown_tables);
    output::unmanaged(&cmp.live.unmanaged);
    output::unmanaged(&cmp.diff.unmanaged);
    output::warn_undecided(&cmp.diff.rename_candidates);
    if cmp.diff.changes.is_empty() {
        println!("No changes detected");
        return Ok(Outcome::Ok);
    }
    // The file(s) `autogen -m` would write hang off the current head.
    let parents = MigrationDir::open(&ctx.migration_dir)?.heads()?;
    let plan = cmp.plan_with(&plan_options(ctx, args, cmp.backend)?);
    for part in &plan.parts {
        let source = part.render(&Header {
            revision: "<not written>",
            parents: &parents,
            message: &plan.message(part, "autogen diff (nothing written)"),
            created: &chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
            origin: "Preview: run `autogen -m \"message\"` to write it.",
        })?;
        println!("{source}");
    }
    Ok(Outcome::Ok)
}
