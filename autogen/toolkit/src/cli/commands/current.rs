//! `autogen current`: the revision(s) the database is at, and whether that is head.

use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::cli::status::{compiled_graph, current, file_revisions, read_only_status};
use crate::cli::{Context, Outcome, output};
use crate::runtime::{SquashState, Squashed};

pub async fn run<M: MigratorTrait + Squashed>(ctx: &Context) -> anyhow::Result<Outcome> {
    let url = ctx.url()?;
    let status = read_only_status::<M>(&url).await?;
    status.check_known()?;
    let files = file_revisions(ctx)?;
    let graph = compiled_graph(&status.known, files.as_deref());
    let current = current(&graph, &status);
    let heads = graph.heads();
    let pending = status.pending();
    let squash = match status.squash_state() {
        SquashState::AtSquashedHead { base, rows } => Some((base, rows)),
        _ => None,
    };
    if ctx.json {
        println!(
            "{}",
            json!({
                "database": url.redacted(),
                "backend": url.backend(),
                "current": current,
                "heads": heads,
                "at_head": pending.is_empty(),
                "applied": status.applied,
                "pending": pending,
                "squash_stamp_due": squash.as_ref().map(|(base, rows)| json!({ "base": base, "squashed_rows": rows })),
            })
        );
        return Ok(Outcome::Ok);
    }
    if current.is_empty() {
        println!(
            "<base> (no migration recorded: {} pending, head is {}): `autogen upgrade` applies them; a database that was built without them is adopted with `autogen stamp head`, then `autogen adopt` and `autogen check`",
            pending.len(),
            heads.join(", ")
        );
    }
    for rev in &current {
        if pending.is_empty() && heads.contains(rev) {
            println!("{rev} (head)");
        } else {
            println!(
                "{rev} ({} pending: run `autogen upgrade` to reach head {})",
                pending.len(),
                heads.join(", ")
            );
        }
    }
    if let Some((base, rows)) = squash {
        println!(
            "{} the database still records the {} squashed revision(s) up to {}: the next `autogen upgrade` records it as at {base} without running anything",
            output::yellow("note:"),
            rows.len(),
            rows.last().copied().unwrap_or_default()
        );
    }
    Ok(Outcome::Ok)
}
