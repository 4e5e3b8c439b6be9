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
use crate::diff::{self as differ, Diff, DiffOptions, RenameCandidate};
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
    Backend::from(db.get_database_backend())
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

/// What a comparison found, for `--json`.
pub fn changes_json(cmp: &Comparison) -> serde_json::Value {
    json!({
        "changes": cmp.diff.changes,
        "unknown_tables": cmp.diff.unknown_tables,
        "unmanaged": cmp.live.unmanaged,
    })
}
