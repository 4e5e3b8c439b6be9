//! A run of migrations applied in one transaction (all or nothing) where
//! the backend and every migration allow it, and why not where they do not.

use super::*;

/// Why a run of migrations cannot be applied in one transaction here, on
/// one line (`None`: it can, or it is a single migration, which is one
/// transaction anyway where the backend allows). See [`apply_steps_whole`].
pub async fn why_not_whole<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    direction: Direction,
) -> Result<Option<String>, RuntimeError> {
    if names.len() < 2 {
        return Ok(None);
    }
    let flavour = crate::flavour::for_connection(db).await?;
    if !flavour.caps.transactional_ddl {
        return Ok(Some("the backend has no transactional DDL".into()));
    }
    let migrations = M::migrations();
    let run: Vec<&dyn MigrationTrait> = names
        .iter()
        .filter_map(|n| migrations.iter().find(|m| m.name() == n))
        .map(|m| m.as_ref())
        .collect();
    if let Some(m) = run.iter().find(|m| !flavour.transactional(**m)) {
        return Ok(Some(format!(
            "migration {} runs outside a transaction (online, or use_transaction() is false)",
            m.name()
        )));
    }
    if flavour.dialect == Backend::Postgres {
        let mut need = 0;
        for m in &run {
            need += crate::capacity::need(db, *m, direction)
                .await
                .map_or(0, |(locks, _)| locks);
        }
        if let Ok(table) = crate::capacity::LockTable::read(db).await {
            let free = table.capacity().saturating_sub(table.in_use);
            if need > free {
                return Ok(Some(format!(
                    "together they take about {need} locks, more than the {free} free in the server's lock table (max_locks_per_transaction)"
                )));
            }
        }
    }
    Ok(None)
}

/// What [`apply_steps_whole`] did.
#[derive(Clone, Debug, Default)]
pub struct WholeRun {
    pub applied: Vec<Applied>,
    /// `None`: the run was one transaction, all or nothing. Otherwise why
    /// it was applied one migration at a time ([`why_not_whole`]), so that
    /// a failure keeps the migrations before it.
    pub split: Option<String>,
}

/// Apply (or roll back) the named migrations all in one transaction,
/// their bookkeeping and checksum rows inside it, where the backend has
/// transactional DDL (PostgreSQL, SQLite) and each of them can run in a
/// transaction: a failure rolls the whole run back, leaving the database at
/// the revision it started from. Otherwise (MySQL/MariaDB, an online
/// migration, a run too big for the lock table) it is [`apply_steps`], one
/// migration at a time, and [`WholeRun::split`] says why.
pub async fn apply_steps_whole<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    direction: Direction,
) -> Result<WholeRun, RuntimeError> {
    if names.len() < 2 {
        let applied = apply_steps::<M>(db, names, direction).await?;
        return Ok(WholeRun {
            applied,
            split: None,
        });
    }
    if let Some(why) = why_not_whole::<M>(db, names, direction).await? {
        let applied = apply_steps::<M>(db, names, direction).await?;
        return Ok(WholeRun {
            applied,
            split: Some(why),
        });
    }
    let (flavour, per_txn) = writable(db).await?;
    if let Some(lock) = &per_txn {
        let txn = db.begin().await?;
        lock.take(&txn).await?;
        M::install(&txn).await?;
        crate::checksum::install(&txn).await?;
        txn.commit().await?;
    } else {
        M::install(db).await?;
        crate::checksum::install(db).await?;
    }
    let start = match direction {
        Direction::Up => {
            let status = crate::status::read_status_unsquashed::<M>(db).await?;
            status.current().unwrap_or("base").to_owned()
        }
        Direction::Down => names.first().cloned().unwrap_or_default(),
    };
    let migrations = M::migrations();
    let run: Vec<&dyn MigrationTrait> = names
        .iter()
        .map(|n| {
            migrations
                .iter()
                .find(|m| m.name() == n)
                .map(|m| m.as_ref())
                .ok_or_else(|| RuntimeError::UnknownRevision(n.clone()))
        })
        .collect::<Result<_, _>>()?;
    let sqlite = flavour.dialect == Backend::Sqlite;
    if sqlite {
        // As `run_one`: foreign keys judged per migration, at its end.
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    let result = whole_transaction(db, &run, direction, per_txn, sqlite).await;
    if sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    }
    match result {
        Ok(applied) => {
            for a in &applied {
                match direction {
                    Direction::Up => {
                        tracing::info!("Applied migration {} ({} ms)", a.name, a.millis)
                    }
                    Direction::Down => {
                        tracing::info!("Rolled back migration {} ({} ms)", a.name, a.millis)
                    }
                }
            }
            Ok(WholeRun {
                applied,
                split: None,
            })
        }
        Err((name, done, reason)) => Err(RuntimeError::MigrationFailed {
            name,
            previous: start,
            reason: if done == 0 {
                reason
            } else {
                Cause::Said(format!(
                    "{reason} (the {done} migration(s) before it in this run, in the same transaction, were rolled back with it)"
                ))
            },
        }),
    }
}

/// The body of [`apply_steps_whole`]: one transaction; on failure the
/// failed migration's name, how many ran before it, and the reason.
async fn whole_transaction(
    db: &DatabaseConnection,
    run: &[&dyn MigrationTrait],
    direction: Direction,
    per_txn: Option<TxnLock>,
    sqlite: bool,
) -> Result<Vec<Applied>, (String, usize, Cause)> {
    let first = run.first().map(|m| m.name().to_owned()).unwrap_or_default();
    let at_start = |e: Failed| (first.clone(), 0, e.reason);
    let txn = db.begin().await.map_err(|e| at_start(e.into()))?;
    let mut applied = Vec::new();
    let mut locked = false;
    for migration in run {
        let name = migration.name().to_owned();
        let failed = |e: Failed, done: usize| (name.clone(), done, e.reason);
        if let Some(lock) = per_txn {
            // Taken once (it lasts the transaction); a migration another
            // process did meanwhile is skipped.
            if !locked {
                lock.take(&txn)
                    .await
                    .map_err(|e| (name.clone(), 0, Cause::Said(e.to_string())))?;
                locked = true;
            }
            let name = name.replace('\'', "''");
            let found = txn
                .execute_unprepared(&format!(
                    "SELECT 1 FROM {MIGRATION_TABLE} WHERE version = '{name}'"
                ))
                .await
                .map_err(|e| failed(e.into(), applied.len()))?
                .rows_affected();
            if (direction == Direction::Up) == (found > 0) {
                continue;
            }
        }
        let started = Instant::now();
        let ran = if sqlite {
            step_checking_foreign_keys(&txn, *migration, direction).await
        } else {
            direction
                .run(*migration, &SchemaManager::new(&txn))
                .await
                .map_err(Failed::from)
        };
        let ran = match ran {
            Ok(()) => record(&txn, *migration, direction)
                .await
                .map_err(Failed::from),
            Err(e) => Err(e),
        };
        if let Err(e) = ran {
            let done = applied.len();
            let _ = txn.rollback().await;
            return Err(failed(e, done));
        }
        applied.push(Applied {
            name,
            millis: started.elapsed().as_millis(),
        });
    }
    let done = applied.len();
    txn.commit().await.map_err(|e| {
        (
            run.last().map(|m| m.name().to_owned()).unwrap_or_default(),
            done,
            Failed::from(e).reason,
        )
    })?;
    Ok(applied)
}
