//! `upgrade --sql` and `downgrade --sql`: the script that would bring the
//! database to a target, printed and never run. The database is read when
//! a URL is given (a connection error is an error, never a silent guess);
//! only an explicitly offline run (`--offline`, or no URL at all) assumes
//! one: empty for an upgrade, at head for a downgrade.

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DbBackend;

use crate::cli::status::{empty_status, one_line, plan_down, plan_up, squash_prelude};
use crate::cli::{Context, Outcome};
use crate::config::DatabaseUrl;
use crate::offline::{self, Script};
use crate::runtime::{self, Direction, Squashed, Status, Target};

/// Print the script for `direction` to `target`; `offline`: assume the
/// database instead of reading it.
pub async fn script<M: MigratorTrait + Squashed>(
    ctx: &Context,
    target: &Target,
    direction: Direction,
    offline: bool,
) -> anyhow::Result<Outcome> {
    let (url, given) = match ctx.given_url()? {
        Some(url) => (url, true),
        None => (ctx.default_url_unopened()?, false),
    };
    let backend = url.backend().into();
    let why_offline = match (offline, given) {
        (true, _) => Some("--offline"),
        (false, false) => Some("no database URL given"),
        (false, true) => None,
    };
    let (status, note, assumed) = status_for_sql::<M>(&url, why_offline, direction).await?;
    status.check_known()?;
    let steps = match direction {
        Direction::Up => plan_up(&status, target)?,
        Direction::Down => plan_down(&status, target)?,
    };
    let assumed = offline::share(assumed);
    let install = offline::install_sql::<M>(backend, direction, &assumed).await?;
    let migrations = offline::record::<M>(backend, &steps, direction, &assumed).await?;
    let mut notes = vec![
        heading(&url, &status, &steps, direction),
        footing(backend, direction),
    ];
    if direction == Direction::Up && steps.is_empty() {
        notes.push("The database is at the target already: no migration to apply.".to_owned());
    }
    notes.extend(note);
    for line in migrations
        .iter()
        .filter_map(offline::MigrationSql::left_out_line)
    {
        eprintln!("warning: {line}");
        notes.push(line);
    }
    print!(
        "{}",
        offline::render(&Script {
            backend,
            direction,
            notes: &notes,
            install: &install,
            prelude: &squash_prelude(&status, backend),
            migrations: &migrations,
        })
    );
    Ok(Outcome::Ok)
}

/// The script's first line: what it does, from where to where.
fn heading(url: &DatabaseUrl, status: &Status, steps: &[String], direction: Direction) -> String {
    let current = status.current().unwrap_or("<base>");
    match direction {
        Direction::Up => format!(
            "autogen upgrade --sql ({}): {} migration(s), from {current} to {}",
            url.backend(),
            steps.len(),
            steps
                .last()
                .map(String::as_str)
                .or(status.current())
                .unwrap_or("<base>")
        ),
        Direction::Down => {
            let after = status
                .known
                .iter()
                .rev()
                .find(|k| status.is_applied(k) && !steps.contains(k))
                .map(String::as_str)
                .unwrap_or("<base>");
            format!(
                "autogen downgrade --sql ({}): {} migration(s) rolled back, from {current} to {after}",
                url.backend(),
                steps.len(),
            )
        }
    }
}

/// The script's second line: that nothing ran, and how to apply it.
fn footing(backend: DbBackend, direction: Direction) -> String {
    match (direction, backend) {
        (Direction::Down, _) => "Offline SQL: nothing was run. Rolling back drops what the migrations created, with its data.",
        (Direction::Up, DbBackend::Postgres) => "Offline SQL: nothing was run. Apply it with e.g. `psql -v ON_ERROR_STOP=1 -f FILE`.",
        (Direction::Up, DbBackend::Sqlite) => "Offline SQL: nothing was run. Apply it with e.g. `sqlite3 -bail DB < FILE`.",
        (Direction::Up, _) => "Offline SQL: nothing was run.",
    }
    .to_owned()
}

/// The database's status for `--sql`, with a note when it is assumed, and
/// the schema the script's existence questions are answered from: the live
/// catalog; or, offline (`why_offline`) and for a SQLite file that does not
/// exist yet, an empty database (upgrade) or one at head (downgrade).
async fn status_for_sql<M: MigratorTrait + Squashed>(
    url: &DatabaseUrl,
    why_offline: Option<&str>,
    direction: Direction,
) -> anyhow::Result<(Status, Option<String>, offline::Assumed)> {
    let backend = url.backend().into();
    let assume_head = direction == Direction::Down;
    let assumed = async || {
        let mut status = empty_status::<M>();
        let schema = if assume_head {
            status.applied = status.known.clone();
            offline::assumed_at_head::<M>(backend).await
        } else {
            offline::Assumed::empty("an empty database")
        };
        (status, schema)
    };
    let assumption = if assume_head { "at head" } else { "empty" };
    if let Some(why) = why_offline {
        let (status, schema) = assumed().await;
        let note = format!("offline ({why}): assuming the database is {assumption}");
        return Ok((status, Some(note), schema));
    }
    if let Some(path) = url.sqlite_path().filter(|p| !p.exists()) {
        let (status, schema) = assumed().await;
        let note = format!(
            "{} does not exist: assuming the database is {assumption}",
            path.display()
        );
        return Ok((status, Some(note), schema));
    }
    let db = runtime::connect_within(url, super::super::CONNECT_TIMEOUT).await?;
    let read = async {
        let status = runtime::read_status::<M>(&db).await?;
        let schema = offline::Assumed::read(&db).await.unwrap_or_else(|e| {
            offline::Assumed::empty(format!(
                "an empty database, as its catalog could not be read: {}",
                one_line(&e.to_string())
            ))
        });
        anyhow::Ok((status, None, schema))
    }
    .await;
    let _ = db.close().await;
    read
}
