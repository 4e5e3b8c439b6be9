//! Squashed histories: `autogen squash` replaces every migration by one base
//! migration and lists the replaced revisions in the migration crate. A
//! database at the old head already has the base's schema, so instead of
//! running the base its bookkeeping is rewritten (squashed rows out, base
//! in) in one transaction; a database part-way through the old history is
//! refused, because only the release that still has those migrations can
//! bring it forward.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::RuntimeError;
use crate::bookkeeping;
pub use crate::status::Squashed;
use crate::status::{SquashState, Status};

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
    txn.execute(&bookkeeping::forget(rows.iter().copied()))
        .await?;
    if !status.applied.iter().any(|a| a == base) {
        txn.execute(&bookkeeping::record(base, bookkeeping::now()))
            .await?;
    }
    txn.commit().await?;
    tracing::info!("Stamped {base} (squash of {} migrations)", rows.len());
    Ok(rows.len())
}
