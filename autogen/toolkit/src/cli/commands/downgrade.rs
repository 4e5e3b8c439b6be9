//! `autogen downgrade TARGET`: roll back under the lock, after confirmation
//! (the derived `down()`s drop what the migrations created); `--sql` prints
//! the rollback script instead.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;
use serde_json::json;

use crate::cli::session::{self, Session, apply, print_applied, stamp_squash_if_due};
use crate::cli::status::{plan_down, position};
use crate::cli::{Context, Outcome};
use crate::runtime::{self, Direction, Squashed, Status, Target};

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &str,
    sql: bool,
    offline: bool,
    yes: bool,
) -> anyhow::Result<Outcome> {
    let target = Target::parse(target);
    if sql {
        return super::sql::script::<M>(ctx, &target, Direction::Down, offline).await;
    }
    session::connected(ctx, async |s: &Session| {
        let status = runtime::read_status::<M>(&s.db).await?;
        status.check_known()?;
        let steps = plan_down(&status, &target)?;
        if steps.is_empty() {
            nothing_to_downgrade(ctx, &status);
            return Ok(Outcome::Ok);
        }
        confirm(&steps, yes, ctx.json)?;
        s.locked(async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            // Validate against the database as it is now, before any write.
            runtime::plan_downgrade(&status, &target)?;
            let (status, _) = stamp_squash_if_due::<M>(conn, status, ctx).await?;
            let steps = runtime::plan_downgrade(&status, &target)?;
            if steps.is_empty() {
                nothing_to_downgrade(ctx, &status);
                return Ok(Outcome::Ok);
            }
            let rolled_back = apply::<M>(conn, &steps, Direction::Down, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "rolled_back": rolled_back, "current": status.current(), "at_head": status.at_head() })
                );
            } else {
                print_applied(&rolled_back, "Rolled back");
                println!("Database at {}", position(&status));
            }
            Ok(Outcome::Ok)
        })
        .await
    })
    .await
}

/// Rolling back runs the derived `down()`s, which drop what the migrations
/// created: ask on a terminal, demand `--yes` elsewhere (never wait for input).
fn confirm(steps: &[String], yes: bool, json: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let what = format!("{} migration(s) ({})", steps.len(), steps.join(", "));
    if json || !std::io::stdin().is_terminal() {
        bail!(
            "refusing to roll back {what} without confirmation: it may drop tables or columns and their data; pass --yes to confirm"
        );
    }
    print!("Roll back {what}? This may drop tables/columns and their data [y/N] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        bail!("cancelled: nothing was rolled back")
    }
}

fn nothing_to_downgrade(ctx: &Context, status: &Status) {
    if ctx.json {
        println!(
            "{}",
            json!({ "rolled_back": [], "current": status.current() })
        );
    } else {
        println!(
            "Nothing to roll back: the database is at {}",
            position(status)
        );
    }
}
