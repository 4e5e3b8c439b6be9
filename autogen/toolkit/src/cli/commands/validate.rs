//! `autogen validate`: is the applied history the one the code has? Exit 0
//! when every applied migration's statements match the checksum recorded
//! when it ran, 1 listing each edited, missing or out-of-order migration
//! (and, on PostgreSQL, each index left invalid by an interrupted build).

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::json;

use crate::cli::session::{self, Session};
use crate::cli::{Context, Outcome, output};
use crate::runtime::{Squashed, checksum};

pub async fn run<M: MigratorTrait + Squashed>(ctx: &Context) -> anyhow::Result<Outcome> {
    session::connected(ctx, async |s: &Session| {
        let rows = checksum::read_applied(&s.db).await?;
        let v = checksum::verify::<M>(s.db.get_database_backend(), &rows).await;
        let invalid = invalid_indexes(&s.db).await?;
        let clean = v.is_clean() && invalid.is_empty();
        if ctx.json {
            println!(
                "{}",
                json!({
                    "ok": clean,
                    "applied": rows.len(),
                    "edited": v.edited,
                    "missing": v.missing,
                    "out_of_order": v.out_of_order.iter().map(|(m, later)| json!({ "migration": m, "applied_after": later })).collect::<Vec<_>>(),
                    "unrecorded": v.unrecorded,
                    "invalid_indexes": invalid,
                })
            );
        } else {
            print_text(&v, &invalid, rows.len());
        }
        Ok(if clean { Outcome::Ok } else { Outcome::Differs })
    })
    .await
}

fn print_text(v: &checksum::Verification, invalid: &[String], applied: usize) {
    let bad = output::red("❌");
    for m in &v.edited {
        println!(
            "{bad} {m} ({m}.rs): edited after it was applied (its statements differ from the ones recorded)"
        );
    }
    for m in &v.missing {
        println!("{bad} {m}: applied to the database but no longer in the code");
    }
    for (m, later) in &v.out_of_order {
        println!("{bad} {m}: applied after {later}, which comes later in the history");
    }
    for i in invalid {
        println!(
            "{bad} index {i} is INVALID (an interrupted CREATE INDEX CONCURRENTLY): it is not used and not complete; DROP INDEX CONCURRENTLY it and build it again"
        );
    }
    for m in &v.unrecorded {
        println!(
            "{} {m}: applied before checksums were recorded; the next boot (or `autogen repair --yes`) records it",
            output::yellow("note:")
        );
    }
    let problems = v.edited.len() + v.missing.len() + v.out_of_order.len() + invalid.len();
    if problems == 0 {
        println!("{applied} applied migration(s) match the code");
    } else {
        println!(
            "{problems} problem(s) in {applied} applied migration(s): undo an edit (a change belongs in a new migration), or run `autogen repair --yes` if it was deliberate"
        );
    }
}

/// Indexes of the connection's schemas that PostgreSQL marks invalid: a
/// `CREATE INDEX CONCURRENTLY` that failed or was interrupted leaves one
/// behind, present in the catalog but neither used nor enforced.
pub async fn invalid_indexes(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT format('%s on %s', quote_ident(ic.relname), quote_ident(t.relname)) AS name \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE NOT i.indisvalid AND n.nspname = ANY (current_schemas(false)) \
             ORDER BY 1",
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String>("", "name").ok())
        .collect())
}
