//! `autogen heads`: the head(s) of the revision graph.

use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::cli::status::known_names;
use crate::cli::{Context, Outcome, output};
use crate::workspace::{MigrationDir, WorkspaceError};

pub fn run<M: MigratorTrait>(ctx: &Context) -> anyhow::Result<Outcome> {
    let (heads, note) = match MigrationDir::open(&ctx.migration_dir) {
        Ok(dir) => (dir.heads()?, None),
        Err(WorkspaceError::NotFound(_)) => (
            known_names::<M>().last().cloned().into_iter().collect(),
            Some(format!(
                "{} not found: the head of the migrations compiled into this build",
                ctx.migration_dir.display()
            )),
        ),
        Err(e) => return Err(e.into()),
    };
    if ctx.json {
        println!("{}", json!({ "heads": heads, "note": note }));
        return Ok(Outcome::Ok);
    }
    if let Some(note) = note {
        eprintln!("{} {note}", output::yellow("note:"));
    }
    for h in &heads {
        println!("{h} (head)");
    }
    if heads.len() > 1 {
        println!(
            "{} {} heads: run `autogen merge -m \"merge heads\"` to join them",
            output::yellow("note:"),
            heads.len()
        );
    }
    Ok(Outcome::Ok)
}
