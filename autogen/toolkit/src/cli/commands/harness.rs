//! `autogen test`: the standard migration tests (pytest-alembic's, Atlas's
//! `migrate test`) on a scratch database that it creates next to the
//! configured one and drops afterwards: one head; every migration applies
//! from empty to head; the database at head matches the entities
//! (`check`); the stairway, each migration in order up, down and up again,
//! where the schema after its down() must equal the schema before its up()
//! (catalog snapshots, names included). One line per check, a summary,
//! exit 1 on any failure; `--json`.

use std::time::Instant;

use anyhow::Context as _;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::Serialize;
use serde_json::json;

use crate::cli::{Context, Outcome, output};
use crate::config::{Backend, DatabaseUrl};
use crate::diff::{ALWAYS_EXCLUDED, DiffOptions, diff};
use crate::runtime::{self, Direction, Squashed};
use crate::schema::Schema;
use crate::source::database::introspect;
use crate::workspace::MigrationDir;

/// One check's result.
#[derive(Debug, Serialize)]
struct Check {
    name: String,
    ok: bool,
    /// The revision the check is about, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<String>,
    detail: String,
}

pub async fn run<M: MigratorTrait + Squashed>(ctx: &Context) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let url = ctx.url()?;
    let scratch = Scratch::create(&url).await?;
    let result = checks::<M>(ctx, &scratch.url).await;
    scratch.drop().await;
    let checks = result?;
    let failed = checks.iter().filter(|c| !c.ok).count();
    let millis = started.elapsed().as_millis();
    if ctx.json {
        println!(
            "{}",
            json!({ "ok": failed == 0, "checks": checks, "failed": failed, "millis": millis })
        );
    } else {
        for c in &checks {
            let mark = if c.ok {
                output::green("ok  ")
            } else {
                output::red("FAIL")
            };
            println!("{mark} {}: {}", c.name, c.detail);
        }
        if failed == 0 {
            println!(
                "{} {} check(s) passed on a scratch {} database ({millis} ms)",
                output::green("PASSED:"),
                checks.len(),
                url.backend()
            );
        } else {
            println!(
                "{} {failed} of {} check(s) failed ({millis} ms)",
                output::red("FAILED:"),
                checks.len()
            );
        }
    }
    Ok(if failed == 0 {
        Outcome::Ok
    } else {
        Outcome::Differs
    })
}

async fn checks<M: MigratorTrait + Squashed>(
    ctx: &Context,
    url: &DatabaseUrl,
) -> anyhow::Result<Vec<Check>> {
    let mut out = Vec::new();
    let heads = MigrationDir::open(&ctx.migration_dir)?.heads()?;
    out.push(Check {
        name: "single head".into(),
        ok: heads.len() <= 1,
        revision: None,
        detail: match heads.as_slice() {
            [] => "no migrations".into(),
            [one] => one.clone(),
            many => format!(
                "{} heads ({}): run `autogen merge -m \"merge\"`",
                many.len(),
                many.join(", ")
            ),
        },
    });
    let db = runtime::connect(url).await?;
    let result = on_scratch::<M>(ctx, &db, &mut out).await;
    db.close().await.ok();
    result?;
    Ok(out)
}

async fn on_scratch<M: MigratorTrait + Squashed>(
    ctx: &Context,
    db: &DatabaseConnection,
    out: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    // 1. empty -> head, one migration after the other.
    let mut applied = 0;
    for name in &names {
        if let Err(e) = runtime::apply_steps::<M>(db, &[name.clone()], Direction::Up).await {
            out.push(Check {
                name: format!("upgrade {name}"),
                ok: false,
                revision: Some(name.clone()),
                detail: e.to_string(),
            });
            return Ok(());
        }
        applied += 1;
    }
    out.push(Check {
        name: "upgrade empty -> head".into(),
        ok: true,
        revision: names.last().cloned(),
        detail: format!("{applied} migration(s) applied"),
    });
    // 2. the database at head matches the entities.
    let mut options = DiffOptions::default();
    ctx.settings.apply_to(&mut options);
    let cmp = crate::compare(db, &ctx.entity_source(), options, &mut crate::NoRenames).await?;
    let changes: Vec<String> = cmp.diff.changes.iter().map(|c| c.describe()).collect();
    out.push(Check {
        name: "check at head".into(),
        ok: changes.is_empty(),
        revision: names.last().cloned(),
        detail: if changes.is_empty() {
            "the database at head matches the entities".into()
        } else {
            format!(
                "the database at head differs from the entities: {}",
                changes.join("; ")
            )
        },
    });
    // 3. back to base, then the stairway: up, down, up for each in order.
    let rev: Vec<String> = names.iter().rev().cloned().collect();
    for name in &rev {
        if let Err(e) = runtime::apply_steps::<M>(db, &[name.clone()], Direction::Down).await {
            out.push(Check {
                name: format!("downgrade {name}"),
                ok: false,
                revision: Some(name.clone()),
                detail: e.to_string(),
            });
            return Ok(());
        }
    }
    for name in &names {
        let before = snapshot(db).await?;
        let step = async |direction| {
            runtime::apply_steps::<M>(db, &[name.clone()], direction)
                .await
                .map(|_| ())
        };
        let mut failure = None;
        for (what, direction) in [("up", Direction::Up), ("down", Direction::Down)] {
            if let Err(e) = step(direction).await {
                failure = Some(format!("{what}() failed: {e}"));
                break;
            }
        }
        let detail = match failure {
            Some(f) => Some(f),
            None => {
                let after = snapshot(db).await?;
                differences(&before, &after)
                    .map(|d| format!("after its down() the schema is not as before its up(): {d}"))
            }
        };
        let again = match &detail {
            None => step(Direction::Up)
                .await
                .err()
                .map(|e| format!("up() after down() failed: {e}")),
            Some(_) => None,
        };
        let detail = detail.or(again);
        let ok = detail.is_none();
        out.push(Check {
            name: format!("stairway {name}"),
            ok,
            revision: Some(name.clone()),
            detail: detail.unwrap_or_else(|| "up, down, up: the schema is restored".into()),
        });
        if !ok {
            // The rest of the stairway stands on this step: stop here.
            break;
        }
    }
    Ok(())
}

/// The schema without our bookkeeping tables.
async fn snapshot(db: &DatabaseConnection) -> anyhow::Result<Schema> {
    let mut s = introspect(db).await.context("reading the scratch database")?;
    s.tables.retain(|t, _| !ALWAYS_EXCLUDED.contains(&t.as_str()));
    Ok(s)
}

/// What differs between two snapshots, in words; `None` when nothing does.
fn differences(before: &Schema, after: &Schema) -> Option<String> {
    let changes: Vec<String> = diff(before, after, &DiffOptions::default())
        .changes
        .iter()
        .map(|c| c.describe())
        .collect();
    if !changes.is_empty() {
        // diff(before, after): what it takes to go from before to after,
        // i.e. what the down() left behind or took away.
        return Some(changes.join("; "));
    }
    let (b, a) = (
        serde_json::to_value(before).ok()?,
        serde_json::to_value(after).ok()?,
    );
    if b == a {
        return None;
    }
    let tables = |v: &serde_json::Value| v["tables"].as_object().cloned().unwrap_or_default();
    let (bt, at) = (tables(&b), tables(&a));
    let changed: Vec<&String> = bt
        .keys()
        .chain(at.keys())
        .filter(|k| bt.get(*k) != at.get(*k))
        .collect();
    Some(if changed.is_empty() {
        "enum types or other objects differ".into()
    } else {
        format!(
            "names or details of table(s) {} differ",
            changed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// A database of our own beside the configured one, dropped at the end.
struct Scratch {
    url: DatabaseUrl,
    /// How to drop it: (admin URL, name) on a server, the file on SQLite.
    server: Option<(DatabaseUrl, String)>,
    file: Option<std::path::PathBuf>,
}

impl Scratch {
    async fn create(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000)
            .unwrap_or_default();
        let name = format!("autogen_test_{}_{stamp}", std::process::id());
        match url.backend() {
            Backend::Sqlite => {
                let file = std::env::temp_dir().join(format!("{name}.sqlite"));
                let scratch =
                    DatabaseUrl::parse(&format!("sqlite://{}?mode=rwc", file.display()), "scratch")?;
                Ok(Self {
                    url: scratch,
                    server: None,
                    file: Some(file),
                })
            }
            backend => {
                let mut parsed = url::Url::parse(url.expose())
                    .context("the database URL is not a URL")?;
                let admin_db = if backend == Backend::Postgres {
                    "/postgres"
                } else {
                    "/"
                };
                parsed.set_path(admin_db);
                let admin = DatabaseUrl::parse(parsed.as_str(), "scratch")?;
                parsed.set_path(&format!("/{name}"));
                let scratch = DatabaseUrl::parse(parsed.as_str(), "scratch")?;
                let db = runtime::connect_within(&admin, super::super::CONNECT_TIMEOUT).await?;
                let created = db
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await;
                db.close().await.ok();
                created.with_context(|| {
                    format!(
                        "cannot create the scratch database {name} on {} (autogen test needs CREATE DATABASE)",
                        admin.redacted()
                    )
                })?;
                Ok(Self {
                    url: scratch,
                    server: Some((admin, name)),
                    file: None,
                })
            }
        }
    }

    async fn drop(self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin, name)) = &self.server
            && let Ok(db) = runtime::connect_within(admin, super::super::CONNECT_TIMEOUT).await
        {
            let sql = if db.get_database_backend() == DbBackend::Postgres {
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            } else {
                format!("DROP DATABASE IF EXISTS {name}")
            };
            if let Err(e) = db
                .execute_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
            {
                tracing::warn!("could not drop the scratch database {name}: {e}");
            }
            db.close().await.ok();
        }
    }
}
