//! `autogen adopt`: what the database has that the entities do not declare
//! (indexes created by hand-written migrations, column defaults), as the
//! declarations to add, so that the first `autogen -m` after adopting
//! autogen does not drop them. Writes the extra-index list with `--write`.

use anyhow::Context as _;
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::cli::compare::compare;
use crate::cli::{Context, GenerateArgs, Outcome};
use crate::runtime::Squashed;

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
    write: Option<&std::path::Path>,
) -> anyhow::Result<Outcome> {
    let (_db, cmp) = compare::<M>(ctx, args, false).await?;
    let missing = crate::undeclared::missing(&cmp);
    let module = crate::render::rustfmt(&missing.index_module).unwrap_or(missing.index_module);
    if let Some(path) = write
        && missing.indexes > 0
    {
        std::fs::write(path, &module)
            .with_context(|| format!("writing the index list to {}", path.display()))?;
    }
    if ctx.json {
        let attributes: Vec<_> = missing
            .attributes
            .iter()
            .map(|(t, c, a)| json!({ "table": t, "column": c, "attribute": a }))
            .collect();
        println!(
            "{}",
            json!({ "indexes": missing.indexes, "index_module": module, "attributes": attributes })
        );
        return Ok(Outcome::Ok);
    }
    if missing.indexes == 0 && missing.attributes.is_empty() {
        println!("The entities declare every index and default the database has.");
        return Ok(Outcome::Ok);
    }
    if missing.indexes > 0 {
        match write {
            Some(path) => println!(
                "Wrote {} index declaration(s) to {}: give them to the autogen binary with `Project::with_indexes(<module>::all)`.",
                missing.indexes,
                path.display()
            ),
            None => println!(
                "{} index(es) the database has and the entities do not declare (write them with `--write FILE`, then `Project::with_indexes(<module>::all)`):\n\n{module}",
                missing.indexes
            ),
        }
    }
    if !missing.attributes.is_empty() {
        println!("Defaults the database has and the entities do not declare; add to the fields:");
        for (table, column, attribute) in &missing.attributes {
            println!("  {table}.{column}: {attribute}");
        }
    }
    Ok(Outcome::Ok)
}
