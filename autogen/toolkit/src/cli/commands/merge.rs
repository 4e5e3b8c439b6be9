//! `autogen merge -m MESSAGE`: a migration without changes whose parents are
//! the current heads, so that the revision graph has one head again.

use anyhow::bail;
use serde_json::json;

use super::revision::render_without_steps;
use crate::cli::compare::lock_dir;
use crate::cli::{Context, Outcome, output};
use crate::workspace::MigrationDir;

pub fn run(ctx: &Context, message: &str) -> anyhow::Result<Outcome> {
    let _lock = lock_dir(ctx)?;
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    let heads = dir.heads()?;
    match heads.len() {
        0 => bail!("nothing to merge: there are no migrations"),
        1 => bail!(
            "nothing to merge: the migrations have one head ({})",
            heads[0]
        ),
        _ => {}
    }
    let now = chrono::Utc::now();
    let name = dir.new_name(message, now)?;
    let origin = format!(
        "Merges the heads {}: no schema change of its own, it joins the branches so that the revision graph has one head again.",
        heads.join(" and ")
    );
    let source = render_without_steps(&name, &heads, message, now, &origin)?
        .replace(
            "// Hand-written changes go here.",
            "// Nothing to do: this migration only merges heads.",
        )
        .replace(
            "// Undo the changes of up() here.",
            "// Nothing to undo: this migration only merges heads.",
        );
    let written = dir.add(&name, &source)?;
    if ctx.json {
        println!(
            "{}",
            json!({ "revision": name, "file": written[0].path, "parents": heads })
        );
    } else {
        println!(
            "Generated {} (merge of {})",
            written[0].path.display(),
            heads.join(", ")
        );
        output::diffs(&written);
    }
    Ok(Outcome::Ok)
}
