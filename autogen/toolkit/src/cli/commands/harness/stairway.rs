//! The stairway of `autogen test`: each migration in order up, down and up
//! again, where the schema after its down() must equal the schema before
//! its up() (catalog snapshots, names included), with generated rows
//! counted across each down().

use anyhow::Context as _;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;

use super::{Check, seed};
use crate::diff::{ALWAYS_EXCLUDED, DiffOptions, diff};
use crate::runtime::{self, Direction};
use crate::schema::Schema;
use crate::source::database::introspect;

/// Up, down, up for each of `names` in order, from base; stops at the first
/// step that fails (the rest of the stairway stands on it).
pub(super) async fn climb<M: MigratorTrait>(
    db: &DatabaseConnection,
    names: &[String],
    out: &mut Vec<Check>,
) -> anyhow::Result<()> {
    for name in names {
        let check = step::<M>(db, name, out).await?;
        let ok = check.ok;
        out.push(check);
        if !ok {
            break;
        }
    }
    Ok(())
}

/// One stair: up (seeded), down (rows counted, schema compared), up again.
async fn step<M: MigratorTrait>(
    db: &DatabaseConnection,
    name: &str,
    notes: &mut Vec<Check>,
) -> anyhow::Result<Check> {
    let names = [name.to_owned()];
    let run = async |direction| {
        runtime::apply_steps::<M>(db, &names, direction)
            .await
            .map(|_| ())
    };
    let before = snapshot(db).await?;
    let mut lost = Vec::new();
    let mut failure = None;
    match run(Direction::Up).await {
        Err(e) => failure = Some(format!("up() failed: {e}")),
        Ok(()) => {
            // A few generated rows in each table the step made, then
            // every table's rows counted across the down().
            let at = snapshot(db).await?;
            notes.extend(seed::seed(db, &before, &at).await);
            let rows_up = seed::row_counts(db, &at).await;
            if let Err(e) = run(Direction::Down).await {
                failure = Some(format!("down() failed: {e}"));
            } else {
                let rows_down = seed::row_counts(db, &at).await;
                for (t, n) in &rows_up {
                    let left = rows_down.get(t).copied().unwrap_or(0);
                    if left < *n {
                        lost.push(format!("{t}: {} of {n}", n - left));
                    }
                }
            }
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
    let detail = match detail {
        None => run(Direction::Up)
            .await
            .err()
            .map(|e| format!("up() after down() failed: {e}")),
        some => some,
    };
    Ok(Check {
        name: format!("stairway {name}"),
        ok: detail.is_none(),
        revision: Some(name.to_owned()),
        file: None,
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
    })
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
    let changed: Vec<&str> = bt
        .keys()
        .chain(at.keys())
        .filter(|k| bt.get(*k) != at.get(*k))
        .map(String::as_str)
        .collect();
    Some(if changed.is_empty() {
        "enum types or other objects differ".into()
    } else {
        format!("names or details of table(s) {} differ", changed.join(", "))
    })
}
