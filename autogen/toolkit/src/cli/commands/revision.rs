//! `autogen revision -m MESSAGE [--empty]`: a generated migration (as
//! `autogen -m`) or an empty template for hand-written changes.

use sea_orm_migration::MigratorTrait;
use serde_json::json;

use super::generate;
use crate::cli::compare::{lock_dir, single_head};
use crate::cli::{Context, GenerateArgs, Outcome, output};
use crate::render::{MigrationSource, RenderError, render_migration};
use crate::runtime::Squashed;
use crate::workspace::MigrationDir;

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
    empty: bool,
) -> anyhow::Result<Outcome> {
    let message = args
        .message
        .clone()
        .ok_or_else(|| anyhow::anyhow!("revision needs a message: pass -m \"message\""))?;
    if empty {
        empty_revision(ctx, &message)
    } else {
        generate::run::<M>(ctx, args, &message).await
    }
}

fn empty_revision(ctx: &Context, message: &str) -> anyhow::Result<Outcome> {
    let _lock = lock_dir(ctx)?;
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    let heads = single_head(&dir)?;
    let now = chrono::Utc::now();
    let name = dir.new_name(message, now)?;
    let source = render_without_steps(
        &name,
        &heads,
        message,
        now,
        "Written by hand (template from `autogen revision --empty`).",
    )?;
    let written = dir.add(&name, &source)?;
    if ctx.json {
        println!("{}", json!({ "revision": name, "file": written[0].path }));
    } else {
        println!("Generated {}", written[0].path.display());
        output::diffs(&written);
    }
    Ok(Outcome::Ok)
}

/// A migration file with empty `up()`/`down()`: a template or a merge.
pub fn render_without_steps(
    name: &str,
    parents: &[String],
    message: &str,
    now: chrono::DateTime<chrono::Utc>,
    origin: &str,
) -> Result<String, RenderError> {
    render_migration(&MigrationSource {
        revision: name,
        parents,
        message,
        created: &now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        changes: &[],
        // No changes: nothing is labelled for a backend.
        backend: crate::config::Backend::Postgres,
        up: &[],
        down: &[],
        origin,
        note: None,
        transactional: true,
    })
}
