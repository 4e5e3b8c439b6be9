//! The comparison shared by `autogen -m`, `diff`, `check` and `squash`:
//! check the migrations and the database are at one head, read the entities
//! and the database, diff them (asking about renames on a terminal).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;
use serde_json::json;

use super::{Context, GenerateArgs};
use crate::config::Backend;
use crate::diff::{DiffOptions, RenameCandidate};
use crate::runtime::Squashed;
use crate::workspace::MigrationDir;
use crate::{Comparison, NoRenames, OnlineOptions, PlanOptions, Renames};

fn options(ctx: &Context, args: &GenerateArgs) -> anyhow::Result<DiffOptions> {
    let mut opts = DiffOptions {
        drop_unknown: args.drop_unknown,
        exclude: args.exclude.clone(),
        ..DiffOptions::default()
    };
    ctx.settings.apply_to(&mut opts);
    // Fields the entities mark `#[sea_orm(ignore)]` are unmanaged columns.
    let prefixes: Vec<String> = ctx
        .entity_source()
        .registry_prefix
        .split(',')
        .map(|p| p.trim().to_owned())
        .collect();
    opts.unmanaged_columns
        .extend(crate::source::ignored::ignored_for(
            std::path::Path::new("."),
            &prefixes,
        ));
    for r in &args.renames {
        let parsed = r
            .split_once('=')
            .and_then(|(l, new)| l.split_once('.').map(|(t, old)| (t, old, new)))
            .filter(|(t, o, n)| !t.is_empty() && !o.is_empty() && !n.is_empty());
        let Some((table, old, new)) = parsed else {
            bail!("--rename {r:?} is not of the form table.old=new");
        };
        opts.column_renames
            .insert((table.to_owned(), old.to_owned()), new.to_owned());
    }
    for r in &args.table_renames {
        match r.split_once('=') {
            Some((old, new)) if !old.is_empty() && !new.is_empty() => {
                opts.table_renames.insert(old.to_owned(), new.to_owned());
            }
            _ => bail!("--rename-table {r:?} is not of the form old=new"),
        }
    }
    Ok(opts)
}

/// The heads of the revision graph, refusing when there are several: a new
/// migration needs one parent (`autogen merge` joins branches first).
pub fn single_head(dir: &MigrationDir) -> anyhow::Result<Vec<String>> {
    let heads = dir.heads()?;
    if heads.len() > 1 {
        bail!(
            "the migrations have {} heads ({}): run `autogen merge -m \"merge\"` first",
            heads.len(),
            heads.join(", ")
        );
    }
    Ok(heads)
}

/// Refuse to compare a database that is not at head: the diff would repeat pending work.
///
/// The revisions are those of the migration files on disk, not only those
/// compiled into this binary: right after `autogen -m` wrote a file and the
/// app (rebuilt) applied it, an `autogen` built before that file still
/// compares correctly, as Alembic does by reading its versions directory.
pub async fn require_head<M: MigratorTrait + Squashed>(
    db: &DatabaseConnection,
    dir: &MigrationDir,
) -> anyhow::Result<()> {
    let mut status = crate::runtime::read_status::<M>(db).await?;
    let on_disk = dir.modules()?;
    for name in on_disk {
        if !status.known.contains(&name) {
            status.known.push(name);
        }
    }
    status.check_known()?;
    let pending = status.pending();
    if !pending.is_empty() {
        // An existing database that these migrations never ran on (nothing
        // recorded): recording them is the step, not running them.
        let never_migrated = if status.applied.is_empty() {
            " (or `autogen stamp head` when these migrations did not build this database: it records them as applied without running them)"
        } else {
            ""
        };
        bail!(
            "the database is {} migration(s) behind head (pending: {}): run `autogen upgrade` first{never_migrated}",
            pending.len(),
            pending.join(", ")
        );
    }
    Ok(())
}

/// What both comparisons start with: one head, a connection to a database
/// at head, and the diff options.
async fn ready<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
) -> anyhow::Result<(DatabaseConnection, DiffOptions)> {
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    single_head(&dir)?;
    let (_url, db) = ctx.connect().await?;
    require_head::<M>(&db, &dir).await?;
    let options = options(ctx, args)?;
    Ok((db, options))
}

/// Connect, check the state, read both sides and diff them (asking about
/// renames on a terminal): the library's [`crate::compare`] behind the
/// CLI's checks.
pub async fn compare<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
    interactive: bool,
) -> anyhow::Result<(DatabaseConnection, Comparison)> {
    let (db, options) = ready::<M>(ctx, args).await?;
    let ask = interactive && !args.no_input && !ctx.json && std::io::stdin().is_terminal();
    let (mut on_terminal, mut none) = (AskOnTerminal, NoRenames);
    let renames: &mut dyn crate::Renames = if ask { &mut on_terminal } else { &mut none };
    let comparison = Box::pin(crate::compare(&db, &ctx.entity_source(), options, renames)).await?;
    Ok((db, comparison))
}

/// [`compare`] for `check`: the same checks of the state (one head, the
/// database at head), then the comparison without renames, answered from
/// the memo of in-sync comparisons when nothing it depends on changed
/// (see [`crate::memo`]). In sync from the memo, the comparison holds only
/// what `check` reports of an in-sync one.
pub async fn compare_for_check<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
) -> anyhow::Result<(DatabaseConnection, Comparison)> {
    let (db, options) = ready::<M>(ctx, args).await?;
    // The settings as a whole: what of them reaches the diff is in
    // `options`, the rest (the entity prefixes) in the entity key, and
    // this covers what neither names.
    let salt = format!("{:?}", ctx.settings);
    let memoized = Box::pin(crate::memo::compare_memoized(
        &db,
        &ctx.entity_source(),
        options,
        &salt,
    ))
    .await?;
    Ok((db, memoized.into_comparison()))
}

/// The CLI's rename decider: a `[y/N]` question per candidate.
struct AskOnTerminal;

impl Renames for AskOnTerminal {
    fn is_rename(&mut self, candidate: &RenameCandidate) -> std::io::Result<bool> {
        let question = match candidate {
            RenameCandidate::Table { from, to } => format!("Did you rename table {from} to {to}?"),
            RenameCandidate::Column { table, from, to } => {
                format!("Did you rename {table}.{from} to {table}.{to}?")
            }
        };
        print!("{question} [y/N] ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(matches!(line.trim(), "y" | "Y" | "yes"))
    }
}

/// What a comparison found, for `--json`.
pub fn changes_json(cmp: &Comparison) -> serde_json::Value {
    json!({
        "changes": cmp.diff.changes,
        "unknown_tables": cmp.diff.unknown_tables,
        "unmanaged": cmp.live.unmanaged.iter().map(ToString::to_string).chain(cmp.diff.unmanaged.iter().cloned()).collect::<Vec<_>>(),
    })
}

/// How to plan: online mode from `--online` or `[online]` in the settings.
/// `--online` against another backend than PostgreSQL is refused (the
/// settings' default simply does not apply there).
pub fn plan_options(
    ctx: &Context,
    args: &GenerateArgs,
    backend: Backend,
) -> anyhow::Result<PlanOptions> {
    if args.online && backend != Backend::Postgres {
        anyhow::bail!(
            "--online is for PostgreSQL (concurrent index builds, NOT VALID constraints): {backend} has no such forms, generate without it"
        );
    }
    let settings = &ctx.settings.online;
    for (key, value) in [
        ("lock_timeout", &settings.lock_timeout),
        ("statement_timeout", &settings.statement_timeout),
    ] {
        if let Some(v) = value
            && !is_duration(v)
        {
            anyhow::bail!(
                "[online] {key} = \"{v}\" is not a PostgreSQL duration: write e.g. \"5s\", \"500ms\" or \"2min\""
            );
        }
    }
    let online = (args.online || settings.enabled) && backend == Backend::Postgres;
    Ok(PlanOptions {
        online: online.then(|| {
            let defaults = OnlineOptions::default();
            OnlineOptions {
                lock_timeout: settings
                    .lock_timeout
                    .clone()
                    .unwrap_or(defaults.lock_timeout),
                statement_timeout: settings.statement_timeout.clone(),
            }
        }),
    })
}

/// `500ms`, `5s`, `2min`, `1h`, `300` (milliseconds).
fn is_duration(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["", "ms", "s", "min", "h"].contains(&unit)
}

/// Take the migration directory's lock for a command that writes to it,
/// saying so on stderr while another autogen holds it.
pub fn lock_dir(ctx: &Context) -> anyhow::Result<crate::workspace::DirLock> {
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    Ok(dir.lock(|path| {
        eprintln!(
            "Waiting for another autogen writing to {} (it holds {})...",
            ctx.migration_dir.display(),
            path.display()
        )
    })?)
}
