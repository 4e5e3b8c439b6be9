//! `autogen reset --yes`: roll back every migration and apply them again,
//! under one hold of the lock.

use anyhow::bail;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;
use serde_json::json;

use crate::cli::session::{self, Session, apply, print_applied, stamp_squash_if_due};
use crate::cli::status::position;
use crate::cli::{Context, Outcome};
use crate::runtime::{self, Direction, Squashed, Target};

pub async fn run<M: MigratorTrait + Squashed>(ctx: &Context, yes: bool) -> anyhow::Result<Outcome> {
    if !yes {
        bail!(
            "reset rolls back every migration (dropping what they created, with its data) and applies them again: pass --yes to confirm"
        );
    }
    session::connected(ctx, async |s: &Session| {
        let status = runtime::read_status::<M>(&s.db).await?;
        status.check_known()?;
        s.locked(async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            let (status, _) = stamp_squash_if_due::<M>(conn, status, ctx).await?;
            let down = runtime::plan_downgrade(&status, &Target::Base)?;
            let rolled_back = apply::<M>(conn, &down, Direction::Down, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            let up = runtime::plan_upgrade(&status, None)?;
            let applied = apply::<M>(conn, &up, Direction::Up, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "rolled_back": rolled_back, "applied": applied, "current": status.current(), "at_head": status.at_head() })
                );
            } else {
                print_applied(&rolled_back, "Rolled back");
                print_applied(&applied, "Applied");
                println!("Database reset, at {}", position(&status));
            }
            Ok(Outcome::Ok)
        })
        .await
    })
    .await
}
