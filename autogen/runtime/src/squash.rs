//! Squashed histories: `autogen squash` replaces every migration by one base
//! migration and lists the replaced revisions in the migration crate. A
//! database at the old head already has the base's schema, so instead of
//! running the base its bookkeeping is rewritten (squashed rows out, base
//! in) in one transaction; a database part-way through the old history is
//! refused, because only the release that still has those migrations can
//! bring it forward.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use sea_orm_migration::sea_query::{Expr, ExprTrait, Query};

use crate::RuntimeError;
use crate::status::{MIGRATION_TABLE, SquashState, Status};

/// Implemented by a workspace's `Migrator` to name the revisions that
/// `autogen squash` folded into its first migration (oldest first). The
/// default is "nothing was squashed".
pub trait Squashed {
    fn squashed() -> &'static [&'static str] {
        &[]
    }
}

/// Record a database that sits at the squashed head as being at the squash
/// base, without running anything. Returns how many squashed rows were
/// replaced (0 when there was nothing to do). Call it under the migration lock.
pub async fn stamp_squashed(
    db: &DatabaseConnection,
    status: &Status,
) -> Result<usize, RuntimeError> {
    let SquashState::AtSquashedHead { base, rows } = status.squash_state() else {
        status.check_known()?;
        return Ok(0);
    };
    let txn = db.begin().await?;
    txn.execute(
        &Query::delete()
            .from_table(MIGRATION_TABLE)
            .and_where(Expr::col("version").is_in(rows.iter().copied()))
            .to_owned(),
    )
    .await?;
    if !status.applied.iter().any(|a| a == base) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let insert = Query::insert()
            .into_table(MIGRATION_TABLE)
            .columns(["version", "applied_at"])
            .values([base.into(), now.into()])
            .map_err(|e| RuntimeError::Db(sea_orm_migration::DbErr::Custom(e.to_string())))?
            .to_owned();
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    tracing::info!("Stamped {base} (squash of {} migrations)", rows.len());
    Ok(rows.len())
}
