//! `upgrade --dry-run`: every migration run as `upgrade` would, in one
//! transaction that is then rolled back.

use super::*;

/// What a dry run found: how long each migration that ran took (in order)
/// and the first one that failed, with its one-line reason.
#[derive(Clone, Debug, Default)]
pub struct DryRun {
    pub millis: Vec<u128>,
    pub failure: Option<(String, String)>,
}

/// `upgrade --dry-run`: run the named migrations as `upgrade` would (the
/// bookkeeping table created, each migration's row written, SQLite's
/// foreign keys judged per migration), all in one transaction that is then
/// rolled back. `after_each` is called after the bookkeeping table is
/// installed (`None`) and after each migration that ran (`Some(name)`), so
/// that the caller can tell their statements apart. Every migration must
/// be transactional (the caller checks).
pub async fn dry_run_up<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    mut after_each: impl FnMut(Option<&str>),
) -> Result<DryRun, RuntimeError> {
    let migrations = M::migrations();
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    let result = async {
        let txn = db.begin().await?;
        let mut report = DryRun::default();
        M::install(&txn).await?;
        crate::checksum::install(&txn).await?;
        after_each(None);
        for name in names {
            let migration = migrations
                .iter()
                .find(|m| m.name() == name)
                .ok_or_else(|| RuntimeError::UnknownRevision(name.clone()))?;
            let started = Instant::now();
            let ran = if sqlite {
                step_checking_foreign_keys(&txn, migration.as_ref(), Direction::Up)
                    .await
                    .map_err(|f| f.reason.to_string())
            } else {
                Direction::Up
                    .run(migration.as_ref(), &SchemaManager::new(&txn))
                    .await
                    .map_err(|e| crate::error::one_line(&e))
            };
            let ran = match ran {
                Ok(()) => record(&txn, migration.as_ref(), Direction::Up)
                    .await
                    .map_err(|e| crate::error::one_line(&e)),
                Err(e) => Err(e),
            };
            after_each(Some(name));
            match ran {
                Ok(()) => report.millis.push(started.elapsed().as_millis()),
                Err(reason) => {
                    report.failure = Some((name.clone(), reason));
                    break;
                }
            }
        }
        txn.rollback().await?;
        Ok(report)
    }
    .await;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    result
}
