//! `autogen init`: wire autogen into the SeaORM workspace of the current
//! directory (see `crate::adopt`), print what changed, or that nothing did.

use std::path::Path;

use crate::adopt::Adoption;
use crate::cli::{Outcome, output};

pub fn run(root: &Path, toolkit: Option<&Path>) -> anyhow::Result<Outcome> {
    let adoption = Adoption::plan(root, toolkit)?;
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
    if adoption.edits.is_empty() {
        println!("autogen is already set up in this workspace: nothing changed");
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
    println!(
        "Next: on a database that hand-written migrations built, `cargo run --bin autogen -- adopt` lists the indexes and defaults it has that the entities do not declare (declare them first, or the first migration drops them); then `cargo run --bin autogen -- -m \"message\"` generates a migration from the entities"
    );
    Ok(Outcome::Ok)
}
