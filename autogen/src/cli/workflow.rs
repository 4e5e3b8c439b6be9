//! `current`, `history`, `heads`, `upgrade`, `downgrade`, `stamp`, `merge`,
//! `reset`: the runtime commands, sharing the app's lock and apply path.

use anyhow::bail;
use sea_orm_migration::MigratorTrait;

use super::{Context, Outcome};

pub async fn current<M: MigratorTrait>(_ctx: &Context) -> anyhow::Result<Outcome> {
    bail!("current is not available yet")
}
pub async fn history<M: MigratorTrait>(_ctx: &Context, _verbose: bool) -> anyhow::Result<Outcome> {
    bail!("history is not available yet")
}
pub fn heads(_ctx: &Context) -> anyhow::Result<Outcome> {
    bail!("heads is not available yet")
}
pub async fn upgrade<M: MigratorTrait>(
    _ctx: &Context,
    _target: &str,
    _sql: bool,
    _dry_run: bool,
) -> anyhow::Result<Outcome> {
    bail!("upgrade is not available yet")
}
pub async fn downgrade<M: MigratorTrait>(
    _ctx: &Context,
    _target: &str,
    _sql: bool,
    _yes: bool,
) -> anyhow::Result<Outcome> {
    bail!("downgrade is not available yet")
}
pub async fn stamp<M: MigratorTrait>(_ctx: &Context, _target: &str) -> anyhow::Result<Outcome> {
    bail!("stamp is not available yet")
}
pub fn merge(_ctx: &Context, _message: &str) -> anyhow::Result<Outcome> {
    bail!("merge is not available yet")
}
pub async fn reset<M: MigratorTrait>(_ctx: &Context, _yes: bool) -> anyhow::Result<Outcome> {
    bail!("reset is not available yet")
}
