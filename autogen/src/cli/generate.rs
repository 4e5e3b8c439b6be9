//! `autogen -m`, `diff`, `check`, `revision --empty`, `squash`: the commands
//! that compare the entities with the database.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context as _, bail};
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend};
use serde_json::json;

use super::{Context, GenerateArgs, Outcome, output};
use crate::config::Backend;
use crate::diff::{self as differ, Diff, DiffOptions, RenameCandidate};
use crate::plan::up_and_down;
use crate::render::{MigrationSource, RenderError, render_migration};
use crate::runtime::Squashed;
use crate::schema::Schema;
use crate::source::{database, entities};
use crate::workspace::MigrationDir;

/// Both sides and their difference.
pub struct Comparison {
    pub backend: Backend,
    pub live: Schema,
    pub target: Schema,
    pub diff: Diff,
}

fn backend_of(db: &DatabaseConnection) -> Backend {
    match db.get_database_backend() {
        DbBackend::Postgres => Backend::Postgres,
        DbBackend::Sqlite => Backend::Sqlite,
        _ => Backend::MySql,
    }
}

fn options(args: &GenerateArgs) -> anyhow::Result<DiffOptions> {
    let mut opts = DiffOptions {
        drop_unknown: args.drop_unknown,
        exclude: args.exclude.clone(),
        ..DiffOptions::default()
    };
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

/// A migration file with empty `up()`/`down()`: a template or a merge.
pub fn render_without_steps(
    name: &str,
    parents: &[String],
    message: &str,
    now: chrono::DateTime<chrono::Utc>,
    origin: &str,
) -> Result<String, RenderError> {
    render_migration(&MigrationSource {
        revision: name,
        parents,
        message,
        created: &now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        changes: &[],
        up: &[],
        down: &[],
        origin,
    })
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
        bail!(
            "the database is {} migration(s) behind head (pending: {}): run `autogen upgrade` first",
            pending.len(),
            pending.join(", ")
        );
    }
    Ok(())
}

/// Connect, check the state, read both sides and diff them (asking about renames on a terminal).
pub async fn compare<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
    interactive: bool,
) -> anyhow::Result<(DatabaseConnection, Comparison)> {
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    single_head(&dir)?;
    let (_url, db) = ctx.connect().await?;
    require_head::<M>(&db, &dir).await?;
    let backend = backend_of(&db);
    // The entities name the PostgreSQL schemas to compare besides the connection's.
    let target = entities::materialize(&db, &ctx.project.entity_source()).await?;
    let live = database::introspect_with(&db, &target.schemas).await?;
    let mut opts = options(args)?;
    let mut result = differ::diff(&live, &target, &opts);
    if interactive
        && !args.no_input
        && !ctx.json
        && std::io::stdin().is_terminal()
        && !result.rename_candidates.is_empty()
        && ask_renames(&result.rename_candidates, &mut opts)?
    {
        result = differ::diff(&live, &target, &opts);
    }
    Ok((
        db,
        Comparison {
            backend,
            live,
            target,
            diff: result,
        },
    ))
}

fn ask_renames(candidates: &[RenameCandidate], opts: &mut DiffOptions) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    let mut any = false;
    let mut taken_from = Vec::new();
    for c in candidates {
        let (question, key) = match c {
            RenameCandidate::Table { from, to } => (
                format!("Did you rename table {from} to {to}?"),
                from.clone(),
            ),
            RenameCandidate::Column { table, from, to } => (
                format!("Did you rename {table}.{from} to {table}.{to}?"),
                format!("{table}.{from}"),
            ),
        };
        if taken_from.contains(&key) {
            continue;
        }
        print!("{question} [y/N] ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        if matches!(line.trim(), "y" | "Y" | "yes") {
            any = true;
            taken_from.push(key);
            match c {
                RenameCandidate::Table { from, to } => {
                    opts.table_renames.insert(from.clone(), to.clone());
                }
                RenameCandidate::Column { table, from, to } => {
                    opts.column_renames
                        .insert((table.clone(), from.clone()), to.clone());
                }
            }
        }
    }
    Ok(any)
}

fn warn_undecided(candidates: &[RenameCandidate]) {
    for c in candidates {
        let (what, flag) = match c {
            RenameCandidate::Table { from, to } => (
                format!("table {from} -> {to}"),
                format!("--rename-table {from}={to}"),
            ),
            RenameCandidate::Column { table, from, to } => (
                format!("column {table}.{from} -> {to}"),
                format!("--rename {table}.{from}={to}"),
            ),
        };
        println!(
            "{} {what} looks like a rename but is generated as drop + add (data is lost); pass {flag} if it is a rename",
            output::red("WARNING:")
        );
    }
}

fn changes_json(cmp: &Comparison) -> serde_json::Value {
    json!({
        "changes": cmp.diff.changes,
        "unknown_tables": cmp.diff.unknown_tables,
        "unmanaged": cmp.live.unmanaged,
    })
}

pub async fn generate<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
    message: &str,
) -> anyhow::Result<Outcome> {
    let (_db, cmp) = compare::<M>(ctx, args, true).await?;
    if !ctx.json {
        output::detected(&cmp.diff.changes);
        output::unknown_tables(&cmp.diff.unknown_tables);
        output::unmanaged(&cmp.live.unmanaged);
        warn_undecided(&cmp.diff.rename_candidates);
    }
    if cmp.diff.changes.is_empty() {
        if ctx.json {
            println!("{}", changes_json(&cmp));
        } else {
            println!("No changes detected");
        }
        return Ok(Outcome::Ok);
    }
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    let parents = dir.heads()?;
    let now = chrono::Utc::now();
    let name = dir.new_name(message, now)?;
    let (ordered, up, down) = up_and_down(&cmp.diff.changes, &cmp.live, &cmp.target, cmp.backend);
    let created = now.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let origin = format!(
        "Generated by `autogen` from the entities against {}; review it before applying.",
        cmp.backend
    );
    let source = render_migration(&MigrationSource {
        revision: &name,
        parents: &parents,
        message,
        created: &created,
        changes: &ordered,
        up: &up,
        down: &down,
        origin: &origin,
    })?;
    let written = dir.add(&name, &source).context("writing the migration")?;
    if ctx.json {
        let mut v = changes_json(&cmp);
        v["revision"] = json!(name);
        v["file"] = json!(written[0].path);
        println!("{v}");
    } else {
        println!("Generated {}", written[0].path.display());
        output::diffs(&written);
    }
    Ok(Outcome::Ok)
}

pub async fn diff<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
) -> anyhow::Result<Outcome> {
    let (_db, cmp) = compare::<M>(ctx, args, false).await?;
    if ctx.json {
        println!("{}", changes_json(&cmp));
        return Ok(Outcome::Ok);
    }
    output::detected(&cmp.diff.changes);
    output::unknown_tables(&cmp.diff.unknown_tables);
    output::unmanaged(&cmp.live.unmanaged);
    warn_undecided(&cmp.diff.rename_candidates);
    if cmp.diff.changes.is_empty() {
        println!("No changes detected");
        return Ok(Outcome::Ok);
    }
    let (ordered, up, down) = up_and_down(&cmp.diff.changes, &cmp.live, &cmp.target, cmp.backend);
    // The file `autogen -m` would write hangs off the current head.
    let parents = MigrationDir::open(&ctx.migration_dir)?.heads()?;
    let source = render_migration(&MigrationSource {
        revision: "<not written>",
        parents: &parents,
        message: "autogen diff (nothing written)",
        created: &chrono::Utc::now()
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        changes: &ordered,
        up: &up,
        down: &down,
        origin: "Preview: run `autogen -m \"message\"` to write it.",
    })?;
    println!("{source}");
    Ok(Outcome::Ok)
}

pub async fn check<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
) -> anyhow::Result<Outcome> {
    let (_db, cmp) = compare::<M>(ctx, args, false).await?;
    let in_sync = cmp.diff.changes.is_empty();
    if ctx.json {
        let mut v = changes_json(&cmp);
        v["in_sync"] = json!(in_sync);
        println!("{v}");
    } else if in_sync {
        println!("No changes detected");
    } else {
        output::detected(&cmp.diff.changes);
        println!(
            "{} the database and the entities differ by {} change(s): run `autogen -m \"message\"` to generate a migration",
            output::red("FAILED:"),
            cmp.diff.changes.len()
        );
    }
    Ok(if in_sync {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

pub fn empty_revision(ctx: &Context, message: &str) -> anyhow::Result<Outcome> {
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    let heads = single_head(&dir)?;
    let now = chrono::Utc::now();
    let name = dir.new_name(message, now)?;
    let source = render_without_steps(
        &name,
        &heads,
        message,
        now,
        "Written by hand (template from `autogen revision --empty`).",
    )?;
    let written = dir.add(&name, &source)?;
    if ctx.json {
        println!("{}", json!({ "revision": name, "file": written[0].path }));
    } else {
        println!("Generated {}", written[0].path.display());
        output::diffs(&written);
    }
    Ok(Outcome::Ok)
}

/// Replace every migration by one base migration generated from the
/// entities. It must create exactly the schema the old head has, because
/// databases at the old head are only re-stamped, never migrated: so the
/// configured database must be at head and agree with the entities.
pub async fn squash<M: MigratorTrait + Squashed>(
    ctx: &Context,
    message: &str,
) -> anyhow::Result<Outcome> {
    let dir = MigrationDir::open(&ctx.migration_dir)?;
    let old = dir.modules()?;
    if old.is_empty() {
        bail!("nothing to squash: the migration list is empty");
    }
    // Fails early, before any database work, when lib.rs has no squashed list.
    dir.squashed()?;
    let built: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if built != old {
        bail!(
            "{} lists other migrations than this build of autogen: rebuild it first (`cargo run -p autogen -- squash -m ...`)",
            ctx.migration_dir.display()
        );
    }
    let args = GenerateArgs {
        no_input: true,
        ..GenerateArgs::default()
    };
    let (_db, cmp) = compare::<M>(ctx, &args, false).await?;
    if !cmp.diff.changes.is_empty() {
        let list: Vec<String> = cmp.diff.changes.iter().map(|c| c.describe()).collect();
        bail!(
            "the entities differ from the database at head ({}): generate and apply a migration for that first (`autogen -m \"...\"`, `autogen upgrade`), then squash",
            list.join("; ")
        );
    }
    if !cmp.live.unmanaged.is_empty() {
        bail!(
            "the database has objects the entities cannot describe ({}): a base generated from the entities would not create them, so squash by hand",
            cmp.live.unmanaged.join(", ")
        );
    }
    let empty = Schema::default();
    let from_scratch = differ::diff(&empty, &cmp.target, &DiffOptions::default());
    let (ordered, up, down) = up_and_down(&from_scratch.changes, &empty, &cmp.target, cmp.backend);
    let now = chrono::Utc::now();
    let name = dir.new_name(message, now)?;
    let last = &old[old.len() - 1];
    let replaced = if old.len() == 1 {
        last.clone()
    } else {
        format!("{} migrations, {} to {last}", old.len(), old[0])
    };
    let origin = format!(
        "Squash of {replaced}, generated by `autogen squash` from the entities against {}. \
         A database at {last} is recorded as being at this revision by its next upgrade, without running it.",
        cmp.backend,
    );
    let source = render_migration(&MigrationSource {
        revision: &name,
        parents: &[],
        message,
        created: &now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        changes: &ordered,
        up: &up,
        down: &down,
        origin: &origin,
    })?;
    let written = dir
        .replace_all(&name, &source, &old)
        .context("writing the squashed migration")?;
    if ctx.json {
        println!(
            "{}",
            json!({ "revision": name, "file": written[0].path, "squashed": old })
        );
    } else {
        println!(
            "Squashed {} migration(s) into {}",
            old.len(),
            written[0].path.display()
        );
        for m in &old {
            println!("  removed {m}");
        }
        println!(
            "Rebuild, then `autogen upgrade` (or the app) records databases at {last} as at {name} without running anything."
        );
    }
    Ok(Outcome::Ok)
}
