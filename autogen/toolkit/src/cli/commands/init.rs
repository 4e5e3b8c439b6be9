//! `autogen init`: wire autogen into the SeaORM workspace of the current
//! directory (see `crate::adopt`), print what changed, or that nothing did.

use std::path::Path;

use crate::adopt::Adoption;
use crate::cli::{Outcome, output};

pub fn run(
    root: &Path,
    toolkit: Option<&Path>,
    migration_crate: Option<&str>,
) -> anyhow::Result<Outcome> {
    let adoption = Adoption::plan_with(root, toolkit, migration_crate)?;
    let names = |crates: &[crate::adopt::Crate]| {
        crates
            .iter()
            .map(|c| c.package.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "Found entities in {} and migrations in {}",
        names(&adoption.entities),
        names(std::slice::from_ref(&adoption.migration))
    );
    let run = &adoption.command;
    if adoption.edits.is_empty() {
        println!("autogen is already set up in this workspace: nothing changed");
        println!("Run it with `{run} <command>` from this directory");
        return Ok(Outcome::Ok);
    }
    adoption.write()?;
    for w in &adoption.edits {
        let verb = if w.before.is_empty() {
            "Wrote"
        } else {
            "Updated"
        };
        println!(
            "{verb} {}",
            w.path.strip_prefix(root).unwrap_or(&w.path).display()
        );
    }
    output::diffs(&adoption.edits);
    println!("Run it with `{run} <command>` from this directory.");
    println!(
        "Next, on an existing database: `{run} stamp head` marks a database the migrations did not build as up to date, `{run} adopt --write` then declares the indexes and lists the defaults the entities lack, `{run} check` then reports nothing; afterwards `{run} -m \"message\"` generates a migration from the entities"
    );
    Ok(Outcome::Ok)
}
