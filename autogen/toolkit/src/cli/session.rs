//! The database session of the commands that write (`upgrade`, `downgrade`,
//! `stamp`, `reset`): connect, look and plan on the plain connection, take
//! the migration lock for the work, then release the lock and close the
//! connection whatever happened. Applying under the lock lives here too.

use anyhow::anyhow;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;

use super::Context;
use crate::config::DatabaseUrl;
use crate::runtime::{self, Applied, Direction, MigrationLock, RuntimeError, Squashed, Status};

/// A connection to the configured database, open for the length of [`connected`].
pub struct Session<'a> {
    ctx: &'a Context,
    url: DatabaseUrl,
    pub db: DatabaseConnection,
}

/// Connect to the configured database, run `work`, close the connection
/// (also when `work` failed).
pub async fn connected<'a, T, F>(ctx: &'a Context, work: F) -> anyhow::Result<T>
where
    F: AsyncFnOnce(&Session<'a>) -> anyhow::Result<T>,
{
    let (url, db) = ctx.connect().await?;
    let session = Session { ctx, url, db };
    let result = work(&session).await;
    session.db.close().await?;
    result
}

impl Session<'_> {
    /// Take the migration lock and a migration session, run `work`, release both.
    pub async fn locked<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: AsyncFnOnce(&DatabaseConnection) -> anyhow::Result<T>,
    {
        let lock = MigrationLock::acquire(&self.url, self.ctx.lock_timeout).await?;
        let result = async {
            let conn =
                runtime::connect_for_migrations(&self.db, &self.url, self.ctx.lock_timeout).await?;
            let result = work(&conn).await;
            conn.close().await;
            result
        }
        .await;
        lock.release().await;
        result
    }
}

/// Apply `steps` under the lock, with lock timeouts explained.
pub async fn apply<M: MigratorTrait>(
    conn: &DatabaseConnection,
    steps: &[String],
    direction: Direction,
    ctx: &Context,
) -> anyhow::Result<Vec<Applied>> {
    runtime::apply_steps::<M>(conn, steps, direction)
        .await
        .map_err(|e| explain(e, ctx))
}

/// [`apply`], the run in one transaction where the backend allows
/// ([`runtime::apply_steps_whole`]).
pub async fn apply_whole<M: MigratorTrait>(
    conn: &DatabaseConnection,
    steps: &[String],
    direction: Direction,
    ctx: &Context,
) -> anyhow::Result<runtime::WholeRun> {
    runtime::apply_steps_whole::<M>(conn, steps, direction)
        .await
        .map_err(|e| explain(e, ctx))
}

/// A failed migration's error, with what to do when it gave up waiting for a table.
fn explain(e: RuntimeError, ctx: &Context) -> anyhow::Error {
    let text = e.to_string();
    if text.contains("lock timeout") {
        anyhow!(
            "{text} (a table it needs stayed locked by other sessions for more than --lock-timeout = {} s: retry when it is free, or raise --lock-timeout)",
            ctx.lock_timeout.as_secs()
        )
    } else {
        e.into()
    }
}

pub fn print_applied(applied: &[Applied], verb: &str) {
    for a in applied {
        println!("{verb} {} ({} ms)", a.name, a.millis);
    }
}

/// Under the lock: record a database at a squashed head as at the squash base.
pub async fn stamp_squash_if_due<M: MigratorTrait + Squashed>(
    conn: &DatabaseConnection,
    status: Status,
    ctx: &Context,
) -> anyhow::Result<(Status, usize)> {
    let stamped = runtime::stamp_squashed(conn, &status).await?;
    if stamped == 0 {
        return Ok((status, 0));
    }
    let status = runtime::read_status::<M>(conn).await?;
    if !ctx.json {
        println!(
            "Stamped {} (squash of {stamped} migrations): the database was at the squashed head, nothing was run",
            status.known.first().map(String::as_str).unwrap_or_default()
        );
    }
    Ok((status, stamped))
}
