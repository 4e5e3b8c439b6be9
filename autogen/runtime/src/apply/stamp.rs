//! `stamp`: move the bookkeeping to a revision without running anything.

use super::*;

/// Mark the database as being at `target` without running any migration:
/// afterwards exactly the known revisions up to `target` are recorded.
pub async fn stamp<M: MigratorTrait>(
    db: &DatabaseConnection,
    status: &Status,
    target: &Target,
) -> Result<Vec<String>, RuntimeError> {
    let upto = match target {
        Target::Head => status.known.len(),
        Target::Base => 0,
        Target::Revision(rev) => position(status, resolve(status, rev)?) + 1,
        Target::Relative(n) => {
            // Checked, not clamped: `+N` past head (or `-N` past base) is a
            // mistake, as it is for upgrade and downgrade, and a huge N
            // must not wrap around to some other revision.
            let current = status.current().map(|c| position(status, c) + 1);
            let from = current.unwrap_or(0);
            let steps = usize::try_from(n.unsigned_abs()).ok();
            let upto = if *n >= 0 {
                steps
                    .and_then(|s| from.checked_add(s))
                    .filter(|u| *u <= status.known.len())
            } else {
                steps.and_then(|s| from.checked_sub(s))
            };
            upto.ok_or_else(|| RuntimeError::StampOutOfRange {
                step: *n,
                current: status.current().unwrap_or("base").to_owned(),
                available: if *n >= 0 {
                    status.known.len().saturating_sub(from)
                } else {
                    from
                },
            })?
        }
    };
    M::install(db).await?;
    crate::checksum::install(db).await?;
    let migrations = M::migrations();
    let txn = db.begin().await?;
    txn.execute(&Query::delete().from_table(MIGRATION_TABLE).to_owned())
        .await?;
    txn.execute(
        &Query::delete()
            .from_table(crate::checksum::CHECKSUM_TABLE)
            .to_owned(),
    )
    .await?;
    let stamped: Vec<String> = status.known[..upto].to_vec();
    for migration in migrations.iter().take(upto) {
        record(&txn, migration.as_ref(), Direction::Up).await?;
    }
    txn.commit().await?;
    Ok(stamped)
}
