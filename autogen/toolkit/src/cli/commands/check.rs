//! `autogen check`: exit 0 when the entities and the database agree, 1 with
//! the list of differences when they do not (for CI).

use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::cli::compare::{changes_json, compare_for_check};
use crate::cli::{Context, GenerateArgs, Outcome, output};
use crate::runtime::Squashed;

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
) -> anyhow::Result<Outcome> {
    let (db, cmp) = compare_for_check::<M>(ctx, args).await?;
    // An index an interrupted CREATE INDEX CONCURRENTLY left invalid is in
    // the catalog but neither used nor enforced: drift, not "present".
    let invalid = super::validate::invalid_indexes(&db).await?;
    let in_sync = cmp.diff.changes.is_empty() && invalid.is_empty();
    if ctx.json {
        let mut v = changes_json(&cmp);
        v["in_sync"] = json!(in_sync);
        v["invalid_indexes"] = json!(invalid);
        println!("{v}");
        return Ok(if in_sync {
            Outcome::Ok
        } else {
            Outcome::Differs
        });
    }
    // What is left alone is said here too, as `diff` and `-m` say it: a
    // clean check on an adopted database still has its unmanaged objects.
    if !cmp.diff.changes.is_empty() {
        output::detected(&cmp.diff.changes, cmp.backend);
    }
    output::unknown_tables(&cmp.diff.unknown_tables);
    output::unmanaged(&cmp.live.unmanaged);
    output::unmanaged(&cmp.diff.unmanaged);
    if in_sync {
        println!("No changes detected");
    } else if cmp.diff.changes.is_empty() {
        for i in &invalid {
            println!(
                "Detected INVALID index {i} (an interrupted CREATE INDEX CONCURRENTLY): DROP INDEX CONCURRENTLY it and build it again"
            );
        }
        println!(
            "{} {} index(es) are invalid",
            output::red("FAILED:"),
            invalid.len()
        );
    } else {
        for i in &invalid {
            println!("Detected INVALID index {i} (an interrupted CREATE INDEX CONCURRENTLY)");
        }
        // On a database adopted with `autogen stamp` (never built by these
        // migrations), most of the list is what the entities do not declare:
        // `-m` would drop it, `adopt` turns it into declarations.
        let missing = crate::undeclared::missing(&cmp);
        let undeclared = missing.indexes + missing.attributes.len();
        let next = if undeclared > 0 {
            format!(
                "{undeclared} of them are indexes and defaults the database has and the entities do not declare (a database adopted with `autogen stamp`?): run `autogen adopt` to declare them first, since `autogen -m` would drop them; then `autogen -m \"message\"` for the rest"
            )
        } else {
            "run `autogen -m \"message\"` to generate a migration".to_owned()
        };
        println!(
            "{} the database and the entities differ by {} change(s): {next}",
            output::red("FAILED:"),
            cmp.diff.changes.len()
        );
    }
    Ok(if in_sync {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}
