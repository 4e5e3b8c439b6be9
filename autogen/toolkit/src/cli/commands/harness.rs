//! `autogen test`: the standard migration tests (pytest-alembic's, Atlas's
//! `migrate test`) on a scratch database that it creates next to the
//! configured one and drops afterwards: one head; every migration applies
//! from empty to head; the database at head matches the entities
//! (`check`); the stairway, each migration in order up, down and up again,
//! where the schema after its down() must equal the schema before its up()
//! (catalog snapshots, names included), with a few generated rows in each
//! table a step creates, counted across each down() (what a data-losing
//! down loses is said, not hidden). One line per check, a summary, exit 1
//! on any failure; `--json`.

use std::time::Instant;

use anyhow::Context as _;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::sea_query::{Alias, Asterisk, Expr, ExprTrait, IntoTableRef, Query};
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
    let scratch_name = scratch.url.redacted();
    let result = checks::<M>(ctx, &scratch.url).await;
    scratch.drop().await;
    let checks = result?;
    let failed = checks.iter().filter(|c| !c.ok).count();
    let millis = started.elapsed().as_millis();
    if ctx.json {
        println!(
            "{}",
            json!({ "ok": failed == 0, "checks": checks, "failed": failed, "millis": millis, "scratch": scratch_name })
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
        if let Err(e) =
            runtime::apply_steps::<M>(db, std::slice::from_ref(name), Direction::Up).await
        {
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
        if let Err(e) =
            runtime::apply_steps::<M>(db, std::slice::from_ref(name), Direction::Down).await
        {
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
        let rows_before = row_counts(db, &before).await;
        let step = async |direction| {
            runtime::apply_steps::<M>(db, std::slice::from_ref(name), direction)
                .await
                .map(|_| ())
        };
        let mut failure = None;
        let mut lost = Vec::new();
        match step(Direction::Up).await {
            Err(e) => failure = Some(format!("up() failed: {e}")),
            Ok(()) => {
                // A few generated rows in each table the step made, then
                // every table's rows counted across the down().
                let at = snapshot(db).await?;
                for note in seed(db, &before, &at).await {
                    out.push(note);
                }
                let rows_up = row_counts(db, &at).await;
                if let Err(e) = step(Direction::Down).await {
                    failure = Some(format!("down() failed: {e}"));
                } else {
                    let rows_down = row_counts(db, &at).await;
                    for (t, n) in &rows_up {
                        let left = rows_down.get(t).copied().unwrap_or(0);
                        if left < *n {
                            lost.push(format!("{t}: {} of {n}", n - left));
                        }
                    }
                }
            }
        }
        let _ = rows_before;
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
            detail: detail.unwrap_or_else(|| {
                if lost.is_empty() {
                    "up, down, up: the schema is restored, no row lost".into()
                } else {
                    format!(
                        "up, down, up: the schema is restored; its down() loses rows ({})",
                        lost.join(", ")
                    )
                }
            }),
        });
        if !ok {
            // The rest of the stairway stands on this step: stop here.
            break;
        }
    }
    Ok(())
}

/// Rows per table of `schema` (tables that cannot be counted are left out).
async fn row_counts(
    db: &DatabaseConnection,
    schema: &Schema,
) -> std::collections::BTreeMap<String, i64> {
    let mut out = std::collections::BTreeMap::new();
    for (key, table) in &schema.tables {
        let mut q = Query::select();
        q.expr_as(Expr::col(Asterisk).count(), Alias::new("n"))
            .from(table_ref(table));
        if let Ok(Some(row)) = db.query_one(&q).await
            && let Ok(n) = row.try_get::<i64>("", "n")
        {
            out.insert(key.clone(), n);
        }
    }
    out
}

fn table_ref(table: &crate::schema::Table) -> sea_orm_migration::sea_query::TableRef {
    match &table.schema {
        Some(s) => (Alias::new(s), Alias::new(&table.name)).into_table_ref(),
        None => Alias::new(&table.name).into_table_ref(),
    }
}

/// Rows generated for each table `at` has and `before` had not, parents
/// first: a note for each table that could not be seeded (a type without
/// an obvious value), never a failure of the migration.
async fn seed(db: &DatabaseConnection, before: &Schema, at: &Schema) -> Vec<Check> {
    let mut notes = Vec::new();
    let mut pending: Vec<&crate::schema::Table> = at
        .tables
        .iter()
        .filter(|(k, _)| !before.tables.contains_key(*k))
        .map(|(_, t)| t)
        .collect();
    let mut done: std::collections::BTreeSet<String> = before.tables.keys().cloned().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            t.foreign_keys
                .iter()
                .all(|fk| fk.ref_table == t.name || done.contains(&fk.ref_table))
        });
        let table = pending.remove(ready.unwrap_or(0));
        done.insert(table.name.clone());
        if let Err(why) = seed_table(db, at, table).await {
            notes.push(Check {
                name: format!("seed {}", table.name),
                ok: true,
                revision: None,
                detail: format!("not seeded ({why}); its rows are not followed"),
            });
        }
    }
    notes
}

async fn seed_table(
    db: &DatabaseConnection,
    schema: &Schema,
    table: &crate::schema::Table,
) -> Result<(), String> {
    use crate::schema::ColumnType as T;
    const ROWS: i64 = 3;
    for i in 1..=ROWS {
        let mut columns = Vec::new();
        let mut values: Vec<Expr> = Vec::new();
        for col in &table.columns {
            if col.auto_increment
                || (col.default.is_some() && !table.primary_key.contains(&col.name))
            {
                continue;
            }
            let fk = table
                .foreign_keys
                .iter()
                .find(|fk| fk.columns.len() == 1 && fk.columns[0] == col.name);
            let value = if let Some(fk) = fk {
                if col.nullable {
                    continue;
                }
                let parent = schema
                    .tables
                    .get(&fk.ref_table)
                    .ok_or("its parent is unknown")?;
                let mut q = Query::select();
                q.column(Alias::new(&fk.ref_columns[0]))
                    .from(table_ref(parent))
                    .order_by(
                        Alias::new(&fk.ref_columns[0]),
                        sea_orm_migration::sea_query::Order::Asc,
                    )
                    .limit(1);
                Expr::SubQuery(None, Box::new(q.into()))
            } else {
                let text = |n: Option<u32>| {
                    let v = format!("seed{i}");
                    let keep = n.map_or(v.len(), |n| n as usize).min(v.len());
                    Expr::val(v[v.len() - keep..].to_owned())
                };
                match &col.ty {
                    T::SmallInt | T::Integer | T::BigInt => Expr::val(i),
                    T::Real | T::Double | T::Decimal(_) => Expr::val(i as f64),
                    T::String(n) | T::Char(n) => text(*n),
                    T::Text => text(None),
                    T::Boolean => Expr::val(true),
                    T::Date => Expr::val(format!("2020-01-0{i}")),
                    T::Time => Expr::val(format!("12:00:0{i}")),
                    T::Timestamp | T::TimestampTz => Expr::val(format!("2020-01-01 00:00:0{i}")),
                    T::Json | T::JsonBinary => Expr::val("{}"),
                    T::Uuid => Expr::val(format!("00000000-0000-0000-0000-00000000000{i}")),
                    T::Enum(name) => match schema.enums.get(name).and_then(|v| v.first()) {
                        Some(v) => Expr::val(v.clone()),
                        None => return Err(format!("enum {name} has no values")),
                    },
                    T::Custom(spelled) if spelled.to_ascii_lowercase().starts_with("enum(") => {
                        // MySQL's inline enum: its first value.
                        match spelled.split('\'').nth(1) {
                            Some(v) => Expr::val(v.to_owned()),
                            None => return Err(format!("cannot read the values of {spelled}")),
                        }
                    }
                    _ if col.nullable => continue,
                    // Anything else: text, which the database may accept (SQLite does).
                    _ => text(None),
                }
            };
            columns.push(Alias::new(&col.name));
            values.push(value);
        }
        if columns.is_empty() {
            return Err("no column to fill".into());
        }
        let mut insert = Query::insert();
        insert.into_table(table_ref(table)).columns(columns);
        insert.values(values).map_err(|e| e.to_string())?;
        // Values inlined as untyped literals: PostgreSQL casts them to the
        // column's type (enum, uuid, jsonb, timestamptz), as it does in psql.
        let sql = db.get_database_backend().build(&insert).to_string();
        db.execute_unprepared(&sql)
            .await
            .map_err(|e| crate::cli::status::one_line(&e.to_string()))?;
    }
    Ok(())
}

/// The schema without our bookkeeping tables.
async fn snapshot(db: &DatabaseConnection) -> anyhow::Result<Schema> {
    let mut s = introspect(db)
        .await
        .context("reading the scratch database")?;
    s.tables
        .retain(|t, _| !ALWAYS_EXCLUDED.contains(&t.as_str()));
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
                let scratch = DatabaseUrl::parse(
                    &format!("sqlite://{}?mode=rwc", file.display()),
                    "scratch",
                )?;
                Ok(Self {
                    url: scratch,
                    server: None,
                    file: Some(file),
                })
            }
            backend => {
                let mut parsed =
                    url::Url::parse(url.expose()).context("the database URL is not a URL")?;
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
