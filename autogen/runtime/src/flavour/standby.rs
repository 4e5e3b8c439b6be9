//! A PostgreSQL hot standby (streaming replica, `pg_is_in_recovery()`):
//! it serves reads and refuses every write, so nothing is migrated there;
//! the app waits for the primary's history to arrive by replication.

use super::{Capabilities, Flavour, Probe, Registration, postgres};
use crate::config::Backend;

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "standby",
        dialect: Backend::Postgres,
        caps: Capabilities {
            writable: false,
            ..postgres::CAPS
        },
        describe: "a read-only PostgreSQL standby (in recovery)",
    },
    matches: |p: &Probe| p.in_recovery,
};

/// Before a migration on a primary: wait, at most the bound set in
/// `AUTOGEN_WAIT_FOR_STANDBYS` (seconds; unset or 0: do not wait), until
/// every standby streaming from it (`pg_stat_replication`) has replayed
/// everything written so far, i.e. the migrations before `next`. Readers
/// on a standby then see the schema the previous migration made before the
/// next one (a destructive contract step, say) runs. Runs before every
/// migration, not only destructive ones: the runtime does not classify
/// them, and a standby that has caught up costs one query.
pub(crate) async fn wait_for_replay(
    db: &sea_orm::DatabaseConnection,
    flavour: &Flavour,
    previous: &str,
    next: &str,
) -> Result<(), crate::RuntimeError> {
    let Some(bound) = wait_setting()? else {
        return Ok(());
    };
    if flavour.dialect != Backend::Postgres || !flavour.caps.writable {
        return Ok(());
    }
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let target = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT pg_current_wal_lsn()::text AS lsn",
        ))
        .await?
        .map(|r| r.try_get::<String>("", "lsn"))
        .transpose()?
        .unwrap_or_default();
    // Quoted as a literal: an LSN is `hex/hex`, read from the server.
    let lsn = target.replace('\'', "");
    let behind_sql = format!(
        "SELECT coalesce(application_name, '') || ' (' || coalesce(client_addr::text, 'local') || \
         ', replayed ' || coalesce(replay_lsn::text, 'nothing') || ')' AS standby \
         FROM pg_stat_replication \
         WHERE replay_lsn IS NULL OR replay_lsn < '{lsn}'::pg_lsn ORDER BY 1"
    );
    let started = std::time::Instant::now();
    let deadline = crate::wait::deadline_after(bound);
    let mut said = false;
    loop {
        let behind: Vec<String> = db
            .query_all_raw(Statement::from_string(backend, behind_sql.clone()))
            .await?
            .iter()
            .map(|r| r.try_get::<String>("", "standby"))
            .collect::<Result<_, _>>()?;
        if behind.is_empty() {
            if said {
                tracing::info!(
                    "Every standby has replayed {previous} ({} ms): running {next}",
                    started.elapsed().as_millis()
                );
            }
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(crate::RuntimeError::StandbysBehind {
                previous: previous.to_owned(),
                next: next.to_owned(),
                lsn: target,
                standbys: behind.join(", "),
                waited: bound,
            });
        }
        if !said {
            tracing::info!(
                "Waiting up to {} s (AUTOGEN_WAIT_FOR_STANDBYS) for {} standby(s) to replay {previous} (WAL {target}) before {next}",
                bound.as_secs(),
                behind.len()
            );
            said = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `AUTOGEN_WAIT_FOR_STANDBYS`: seconds (`30` or `30s`); unset, empty or 0: no wait.
fn wait_setting() -> Result<Option<std::time::Duration>, crate::RuntimeError> {
    let Ok(raw) = std::env::var("AUTOGEN_WAIT_FOR_STANDBYS") else {
        return Ok(None);
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let secs: u64 = trimmed
        .strip_suffix('s')
        .unwrap_or(trimmed)
        .trim()
        .parse()
        .map_err(|_| crate::RuntimeError::BadWaitForStandbys(raw.clone()))?;
    if secs == 0 {
        return Ok(None);
    }
    Ok(Some(crate::config::wait_secs(
        "AUTOGEN_WAIT_FOR_STANDBYS",
        secs,
    )?))
}
