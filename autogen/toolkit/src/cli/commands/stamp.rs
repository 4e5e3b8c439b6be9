//! `autogen stamp TARGET`: record the database as at TARGET without running
//! any migration (how an existing database is adopted).

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;
use serde_json::json;

use crate::cli::session::{self, Session};
use crate::cli::status::position;
use crate::cli::{Context, Outcome};
use crate::runtime::{self, Squashed, Target};

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &str,
) -> anyhow::Result<Outcome> {
    let target = Target::parse(target);
    session::connected(ctx, async |s: &Session| {
        // No check_known here: stamping is how a database with unknown
        // revisions recorded is adopted.
        let status = runtime::read_status::<M>(&s.db).await?;
        if let Target::Revision(rev) = &target {
            runtime::resolve(&status, rev)?;
        }
        s.locked(async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            let stamped = runtime::stamp::<M>(conn, &status, &target).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!("{}", json!({ "stamped": stamped, "current": status.current(), "at_head": status.at_head() }));
            } else {
                println!(
                    "Stamped the database at {} without running any migration ({} revision(s) recorded)",
                    position(&status),
                    stamped.len()
                );
                if status.at_head() && !stamped.is_empty() {
                    println!(
                        "Next: `autogen check` compares it with the entities; `autogen adopt` turns what the database has and the entities lack into declarations"
                    );
                }
            }
            Ok(Outcome::Ok)
        })
        .await
    })
    .await
}
