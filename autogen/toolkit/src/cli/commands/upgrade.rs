//! `autogen upgrade [TARGET]`: apply pending migrations under the lock;
//! `--sql` prints them instead (offline mode), `--dry-run` runs them in a
//! transaction that is rolled back.

use std::sync::{Arc, Mutex};

use anyhow::bail;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend};
use serde_json::json;

use crate::cli::session::{self, Session, apply, print_applied, stamp_squash_if_due};
use crate::cli::status::{one_line, plan_up, position};
use crate::cli::{Context, Outcome, output};
use crate::offline::{self, Recorded};
use crate::recorder::{Log, take};
use crate::runtime::{self, Direction, RuntimeError, Squashed, Status, Target};

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &str,
    sql: bool,
    offline: bool,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    if sql && dry_run {
        bail!(
            "--sql and --dry-run exclude each other: --sql prints the SQL without running it, --dry-run runs it and rolls back"
        );
    }
    let target = Target::parse(target);
    if sql {
        return super::sql::script::<M>(ctx, &target, Direction::Up, offline).await;
    }
    session::connected(ctx, async |s: &Session| {
        let status = runtime::read_status::<M>(&s.db).await?;
        status.check_known()?;
        verify_history::<M>(ctx, &s.db).await?;
        let steps = plan_up(&status, &target)?;
        if dry_run {
            return dry_run_up::<M>(ctx, s, &status, &steps).await;
        }
        if steps.is_empty() && !status.squash_due() {
            nothing_to_upgrade(ctx, &status);
            return Ok(Outcome::Ok);
        }
        s.locked(async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            let (status, squash_stamped) = stamp_squash_if_due::<M>(conn, status, ctx).await?;
            let steps = runtime::plan_upgrade(&status, Some(&target))?;
            if steps.is_empty() {
                nothing_to_upgrade(ctx, &status);
                return Ok(Outcome::Ok);
            }
            let applied = apply::<M>(conn, &steps, Direction::Up, ctx).await?;
            let status = runtime::read_status::<M>(conn).await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "applied": applied, "current": status.current(), "at_head": status.at_head(), "squash_stamped": squash_stamped })
                );
            } else {
                print_applied(&applied, "Applied");
                println!("Database at {}", position(&status));
            }
            Ok(Outcome::Ok)
        })
        .await
    })
    .await
}

/// Refuse (or warn about, per `[migrations] on_edited` and
/// `AUTOGEN_ON_EDITED`) applied migrations edited since they ran.
async fn verify_history<M: MigratorTrait + Squashed>(
    ctx: &Context,
    db: &DatabaseConnection,
) -> anyhow::Result<()> {
    let on_edited = runtime::checksum::OnEdited::from_env_or(ctx.settings.migrations.on_edited)?;
    let rows = runtime::checksum::read_applied(db).await?;
    let v = runtime::checksum::verify::<M>(db.get_database_backend(), &rows).await;
    runtime::check_edits(&v, on_edited)?;
    Ok(())
}

fn nothing_to_upgrade(ctx: &Context, status: &Status) {
    if ctx.json {
        println!(
            "{}",
            json!({ "applied": [], "current": status.current(), "at_head": status.at_head() })
        );
    } else {
        println!(
            "Nothing to upgrade: the database is at {}",
            position(status)
        );
    }
}

/// `upgrade --dry-run`: the pending migrations run in one transaction that
/// is rolled back, with their statements and timings reported.
async fn dry_run_up<M: MigratorTrait + Squashed>(
    ctx: &Context,
    session: &Session<'_>,
    status: &Status,
    steps: &[String],
) -> anyhow::Result<Outcome> {
    if steps.is_empty() {
        nothing_to_upgrade(ctx, status);
        return Ok(Outcome::Ok);
    }
    let backend = session.db.get_database_backend();
    if backend == DbBackend::MySql {
        bail!(
            "--dry-run needs transactional DDL, and MySQL/MariaDB commits every DDL statement: review the SQL with `autogen upgrade --sql` instead"
        );
    }
    let migrations = M::migrations();
    let selected: Vec<_> = steps
        .iter()
        .map(|name| {
            migrations
                .iter()
                .find(|m| m.name() == name)
                .ok_or_else(|| RuntimeError::UnknownRevision(name.clone()))
        })
        .collect::<Result<_, _>>()?;
    if let Some(m) = selected
        .iter()
        .find(|m| !offline::transactional(m.as_ref(), backend))
    {
        bail!(
            "{} runs outside a transaction (use_transaction() is Some(false)), so a dry run could not roll it back: review it with `autogen upgrade --sql`",
            m.name()
        );
    }
    // The statements are those the live run sends, as SeaORM reports them
    // (prepared statements; a migration's `execute_unprepared` text is run
    // but not reported).
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let (recorded, timings, failure) = session
        .locked(async |conn: &DatabaseConnection| {
            let mut conn = conn.clone();
            let sink = Arc::clone(&log);
            conn.set_metric_callback(move |info| {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(seen(&info.statement.to_string()));
            });
            let mut recorded: Vec<(String, Vec<Recorded>)> = Vec::new();
            let report = runtime::dry_run_up::<M>(&conn, steps, |ran| {
                let statements = take(&log);
                if let Some(name) = ran {
                    recorded.push((name.to_owned(), statements));
                }
            })
            .await?;
            Ok((recorded, report.millis, report.failure))
        })
        .await?;
    let recorded: Vec<(String, Vec<Recorded>)> = steps
        .iter()
        .map(|name| {
            let statements = recorded
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            (name.clone(), statements)
        })
        .collect();

    if ctx.json {
        let report: Vec<_> = recorded
            .iter()
            .zip(timings.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|((name, statements), ms)| json!({ "revision": name, "millis": ms, "statements": statements }))
            .collect();
        println!(
            "{}",
            json!({ "dry_run": report, "failed": failure.as_ref().map(|(n, r)| json!({ "revision": n, "reason": r })), "rolled_back": true })
        );
    } else {
        for (i, (name, statements)) in recorded.iter().enumerate() {
            match timings.get(i) {
                Some(ms) => println!("{} ({ms} ms)", output::bold(name)),
                None => match &failure {
                    Some((failed, reason)) if failed == name => {
                        println!(
                            "{} {}",
                            output::bold(name),
                            output::red(&format!("FAILED: {reason}"))
                        )
                    }
                    _ => println!("{} (not run)", output::bold(name)),
                },
            }
            for s in statements {
                match s {
                    Recorded::Execute(sql) => {
                        println!("    {};", sql.trim_end().trim_end_matches(';'))
                    }
                    Recorded::Query(sql) | Recorded::Answered(sql) => {
                        println!("    -- reads: {}", one_line(sql))
                    }
                }
            }
        }
        let total: u128 = timings.iter().sum();
        println!(
            "Dry run: {} of {} migration(s) ran in {total} ms inside one transaction, which was rolled back: the database is unchanged",
            timings.len(),
            recorded.len()
        );
    }
    match failure {
        Some((name, reason)) => {
            bail!("dry run: migration {name} fails: {reason} (rolled back, nothing was changed)")
        }
        None => Ok(Outcome::Ok),
    }
}

/// A statement the live run sent: a query when it only reads.
fn seen(sql: &str) -> Recorded {
    let head = sql.trim_start().to_ascii_uppercase();
    let reads = head.starts_with("SELECT")
        || head.starts_with("WITH")
        || head.starts_with("EXPLAIN")
        || head.starts_with("SHOW")
        || (head.starts_with("PRAGMA") && !head.contains('='));
    if reads {
        Recorded::Query(sql.to_owned())
    } else {
        Recorded::Execute(sql.to_owned())
    }
}
