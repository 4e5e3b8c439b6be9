//! `upgrade --fleet`, `check --fleet`, `current --fleet`, `downgrade --fleet`:
//! the single-target work of each command (the app's boot path for
//! upgrade, the CLI's comparison for check, its session for downgrade) run
//! on every target of a fleet through `crate::fleet`, with a progress line,
//! a table (or `--json`) and an exit code for the whole fleet.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;

use crate::cli::session::{self, Session};
use crate::cli::{CONNECT_TIMEOUT, Command, Context, GenerateArgs, Outcome};
use crate::config::DatabaseUrl;
use crate::fleet::upgrade::{blank, note_split, one_line};
use crate::fleet::{self, Report, RunOptions, State, Target, TargetReport};
use crate::runtime::{self, Direction, Squashed};

/// Targets run at once when neither `--parallel` nor `[fleet] parallel` says.
pub const DEFAULT_PARALLEL: usize = 4;

/// The options that turn a command into a fleet run.
#[derive(Debug, Clone, Default, Args)]
pub struct FleetArgs {
    /// Run on every target of a fleet: FILE lists one database URL per line
    /// (`#` comments, blank lines); without FILE, `[fleet]` in autogen.toml.
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub fleet: Option<Option<PathBuf>>,
    /// Run on the targets this query returns on the control database
    /// (--database-url, DATABASE_URL): its first column is a URL or a
    /// PostgreSQL schema name (a schema of the control database).
    #[arg(long, value_name = "SQL")]
    pub fleet_query: Option<String>,
    /// Fleet: targets worked on at once (default 4, or `parallel` in `[fleet]`).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Fleet: run the first K targets alone first; stop if any of them fails.
    #[arg(long, value_name = "K")]
    pub canary: Option<usize>,
    /// Fleet: go on with the other targets after one fails (default: start no new one).
    #[arg(long)]
    pub continue_on_error: bool,
    /// Fleet: only the targets whose name matches GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Fleet: leave out the targets whose name matches GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub skip: Vec<String>,
}

impl FleetArgs {
    /// Whether the command runs on a fleet.
    pub fn wanted(&self) -> bool {
        self.fleet.is_some() || self.fleet_query.is_some()
    }

    fn stray(&self) -> Option<&'static str> {
        if self.parallel.is_some() {
            Some("--parallel")
        } else if self.canary.is_some() {
            Some("--canary")
        } else if self.continue_on_error {
            Some("--continue-on-error")
        } else if !self.only.is_empty() {
            Some("--only")
        } else if !self.skip.is_empty() {
            Some("--skip")
        } else {
            None
        }
    }
}

/// Fleet options given without `--fleet` are a mistake, not a no-op.
pub fn refuse_stray(command: &Option<Command>) -> anyhow::Result<()> {
    let fleet = match command {
        Some(Command::Upgrade { fleet, .. })
        | Some(Command::Downgrade { fleet, .. })
        | Some(Command::Check { fleet, .. })
        | Some(Command::Current { fleet }) => fleet,
        _ => return Ok(()),
    };
    if !fleet.wanted()
        && let Some(flag) = fleet.stray()
    {
        bail!(
            "{flag} is an option of fleet runs: add --fleet FILE (or --fleet-query SQL), or leave {flag} out"
        );
    }
    Ok(())
}

/// `upgrade --fleet`: every target to head, each as the app's boot does it
/// (its own migration lock, checksums verified, one transaction per
/// migration where the backend allows).
pub async fn upgrade<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &FleetArgs,
    target: &str,
    sql: bool,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    if sql || dry_run {
        bail!(
            "--sql and --dry-run are for one database at a time: run them without --fleet, with --database-url naming the target"
        );
    }
    if !matches!(target, "head" | "heads") {
        bail!(
            "upgrade --fleet goes to head: TARGET {target} is for one database at a time (without --fleet)"
        );
    }
    let on_edited = runtime::checksum::OnEdited::from_env_or(ctx.settings.migrations.on_edited)?;
    let targets = resolve(ctx, args).await?;
    let report = run_fleet(ctx, args, "upgrade", &targets, |t| {
        fleet::upgrade_target::<M>(t, ctx.lock_timeout, on_edited)
    })
    .await?;
    Ok(finish(ctx, &report, State::Ok))
}

/// `downgrade --fleet TARGET --yes`: every target rolled back to TARGET
/// under its own lock, as `autogen downgrade` does it for one.
pub async fn downgrade<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &FleetArgs,
    target: &str,
    sql: bool,
    yes: bool,
) -> anyhow::Result<Outcome> {
    if sql {
        bail!(
            "--sql is for one database at a time: run it without --fleet, with --database-url naming the target"
        );
    }
    if !yes {
        bail!(
            "refusing to roll back a fleet without confirmation: it may drop tables or columns and their data on every target; pass --yes to confirm"
        );
    }
    let rev = runtime::Target::parse(target);
    let targets = resolve(ctx, args).await?;
    let report = run_fleet(ctx, args, "downgrade", &targets, |t| {
        downgrade_one::<M>(ctx, t, &rev)
    })
    .await?;
    Ok(finish(ctx, &report, State::Ok))
}

/// `check --fleet`: each target compared with the entities; drift named.
pub async fn check<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &FleetArgs,
    generate: &GenerateArgs,
) -> anyhow::Result<Outcome> {
    let targets = resolve(ctx, args).await?;
    let report = run_fleet(ctx, args, "check", &targets, |t| {
        check_one::<M>(ctx, t, generate)
    })
    .await?;
    Ok(finish(ctx, &report, State::Drift))
}

/// `current --fleet`: where each target is.
pub async fn current<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &FleetArgs,
) -> anyhow::Result<Outcome> {
    let targets = resolve(ctx, args).await?;
    let report = run_fleet(ctx, args, "current", &targets, |t| current_one::<M>(t)).await?;
    Ok(finish(ctx, &report, State::Behind))
}

/// Print the report; exit 0 when every target is ok, 1 when the only
/// trouble is `differ` (drift, behind head), 2 when any failed or was not run.
fn finish(ctx: &Context, report: &Report, differ: State) -> Outcome {
    if ctx.json {
        match serde_json::to_string(report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("cannot write the fleet report as JSON: {e}"),
        }
    } else {
        print!("{}", report.table());
    }
    if report.failed > 0 || report.not_run > 0 {
        Outcome::Failed
    } else if differ != State::Ok && report.differ > 0 {
        Outcome::Differs
    } else {
        Outcome::Ok
    }
}

/// The fleet's targets: `--fleet-query`, `--fleet FILE`, or `[fleet]`.
async fn resolve(ctx: &Context, args: &FleetArgs) -> anyhow::Result<Vec<Target>> {
    let settings = &ctx.settings.fleet;
    let targets = if let Some(sql) = &args.fleet_query {
        query(ctx, sql).await?
    } else {
        match &args.fleet {
            Some(Some(file)) => fleet::targets::read_file(file)?,
            _ => {
                if let Some(file) = &settings.file {
                    fleet::targets::read_file(file)?
                } else if !settings.targets.is_empty() {
                    fleet::parse_list(&settings.targets.join("\n"), "[fleet] targets")?
                } else if let Some(sql) = &settings.query {
                    query(ctx, sql).await?
                } else {
                    bail!(
                        "--fleet without FILE reads [fleet] in autogen.toml, which sets no `file`, `targets` or `query`: pass --fleet FILE (one URL per line)"
                    );
                }
            }
        }
    };
    Ok(fleet::filter(targets, &args.only, &args.skip)?)
}

/// The targets a query on the control database returns.
async fn query(ctx: &Context, sql: &str) -> anyhow::Result<Vec<Target>> {
    let control = match &ctx.settings.fleet.control_url {
        Some(url) => DatabaseUrl::parse(url, "[fleet] control_url")?,
        None => ctx.url()?,
    };
    let db = runtime::connect_within(&control, CONNECT_TIMEOUT).await?;
    let targets = fleet::from_query(&db, &control, sql).await;
    let _ = db.close().await;
    Ok(targets?)
}

/// Run `work` on every target with the progress line, Ctrl-C handling and
/// the options of the command line (else `[fleet]`).
async fn run_fleet<'a, F, Fut>(
    ctx: &Context,
    args: &FleetArgs,
    command: &'static str,
    targets: &'a [Target],
    work: F,
) -> anyhow::Result<Report>
where
    F: Fn(&'a Target) -> Fut,
    Fut: Future<Output = TargetReport> + 'a,
{
    let settings = &ctx.settings.fleet;
    let parallel = args
        .parallel
        .or(settings.parallel)
        .unwrap_or(DEFAULT_PARALLEL);
    if parallel == 0 {
        bail!("--parallel 0 would run nothing: pass at least 1");
    }
    let options = RunOptions {
        parallel,
        canary: args.canary.or(settings.canary).unwrap_or(0),
        continue_on_error: args.continue_on_error,
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch_interrupts(Arc::clone(&interrupted)));
    let progress = runtime::report::task(&format!("{command} --fleet"), Some(targets.len() as u64));
    // Each target's own progress (a SQLite rebuild...) would fight over the line.
    runtime::report::set_reporter(Arc::new(runtime::report::Silent));
    let started = Instant::now();
    let (slots, stopped) = fleet::run(
        targets.len(),
        options,
        &interrupted,
        |i| work(&targets[i]),
        |r: &TargetReport| r.status == State::Failed,
        |p| {
            progress.position((p.done + p.failed) as u64);
            let eta = p
                .eta()
                .map(|d| format!(", ETA {}", runtime::report::human(d)))
                .unwrap_or_default();
            progress.step(&format!(
                "{} done, {} failed, {} running, {} pending{eta}",
                p.done, p.failed, p.running, p.pending
            ));
        },
    )
    .await;
    watcher.abort();
    progress.finish("");
    let reports = slots
        .into_iter()
        .zip(targets)
        .map(|(slot, t)| match slot {
            Some((mut report, took)) => {
                report.millis = Some(took.as_millis());
                report
            }
            None => TargetReport::not_run(
                &t.name,
                t.url.redacted(),
                t.url.backend(),
                stopped.unwrap_or(fleet::Stop::Failure),
            ),
        })
        .collect();
    Ok(Report::new(command, reports, stopped, started.elapsed()))
}

/// Ctrl-C: stop launching (running targets finish); a second one exits at once.
async fn watch_interrupts(flag: Arc<AtomicBool>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    flag.store(true, Ordering::SeqCst);
    eprintln!(
        "Interrupted: the running targets finish, no new one starts (Ctrl-C again exits at once; a migration cut short rolls back where the backend allows)"
    );
    if tokio::signal::ctrl_c().await.is_ok() {
        std::process::exit(130);
    }
}

/// The same context aimed at one target, printing nothing of its own.
fn target_ctx(ctx: &Context, t: &Target) -> Context {
    Context {
        project: ctx.project.clone(),
        database_url: Some(t.url.expose().to_owned()),
        migration_dir: ctx.migration_dir.clone(),
        json: true,
        lock_timeout: ctx.lock_timeout,
        settings: ctx.settings.clone(),
        squashes: ctx.squashes,
    }
}

async fn downgrade_one<M: MigratorTrait + Squashed>(
    ctx: &Context,
    t: &Target,
    rev: &runtime::Target,
) -> TargetReport {
    let mut r = blank(t);
    let (mut split, mut kept) = (None, 0);
    let tctx = target_ctx(ctx, t);
    let result = session::connected(&tctx, async |s: &Session| {
        let status = runtime::read_status::<M>(&s.db).await?;
        status.check_known()?;
        r.before = status.current().map(str::to_owned);
        r.after = r.before.clone();
        runtime::plan_downgrade(&status, rev)?;
        s.locked(async |conn: &DatabaseConnection| {
            let status = runtime::read_status::<M>(conn).await?;
            status.check_known()?;
            runtime::plan_downgrade(&status, rev)?;
            let (status, _) = session::stamp_squash_if_due::<M>(conn, status, &tctx).await?;
            let steps = runtime::plan_downgrade(&status, rev)?;
            split = runtime::why_not_whole::<M>(conn, &steps, Direction::Down).await?;
            let done = session::apply_whole::<M>(conn, &steps, Direction::Down, &tctx).await;
            let now = runtime::read_status::<M>(conn).await?;
            r.after = now.current().map(str::to_owned);
            r.at_head = Some(now.at_head());
            kept = steps.iter().filter(|s| !now.is_applied(s)).count();
            let done = done?;
            r.atomic = (!done.applied.is_empty()).then_some(done.split.is_none());
            split = done.split;
            r.applied = done.applied.into_iter().map(|a| a.name).collect();
            anyhow::Ok(())
        })
        .await
    })
    .await;
    match result {
        Ok(()) => r.status = State::Ok,
        Err(e) => r.error = Some(one_line(t, e)),
    }
    note_split(&mut r, split.as_deref(), kept);
    r
}

async fn check_one<M: MigratorTrait + Squashed>(
    ctx: &Context,
    t: &Target,
    generate: &GenerateArgs,
) -> TargetReport {
    let mut r = blank(t);
    let tctx = target_ctx(ctx, t);
    let result: anyhow::Result<bool> = async {
        let (db, cmp) = crate::cli::compare::compare::<M>(&tctx, generate, false).await?;
        let result = async {
            let invalid = super::validate::invalid_indexes(&db).await?;
            let status = runtime::read_status::<M>(&db).await?;
            r.before = status.current().map(str::to_owned);
            r.after = r.before.clone();
            r.at_head = Some(status.at_head());
            r.details = cmp.diff.changes.iter().map(|c| c.describe()).collect();
            r.details
                .extend(invalid.iter().map(|i| format!("INVALID index {i}")));
            anyhow::Ok(r.details.is_empty())
        }
        .await;
        let _ = db.close().await;
        result
    }
    .await;
    match result {
        Ok(true) => r.status = State::Ok,
        Ok(false) => r.status = State::Drift,
        Err(e) => r.error = Some(one_line(t, e)),
    }
    r
}

async fn current_one<M: MigratorTrait + Squashed>(t: &Target) -> TargetReport {
    let mut r = blank(t);
    match crate::cli::status::read_only_status::<M>(&t.url).await {
        Ok(status) => {
            r.before = status.current().map(str::to_owned);
            r.after = r.before.clone();
            let pending = status.pending();
            r.at_head = Some(pending.is_empty());
            r.status = if pending.is_empty() {
                State::Ok
            } else {
                State::Behind
            };
            if !pending.is_empty() {
                r.details = vec![format!("{} pending: {}", pending.len(), pending.join(", "))];
            }
        }
        Err(e) => r.error = Some(one_line(t, e)),
    }
    r
}
