//! `autogen repair --yes`: accept the applied history as the code has it
//! now. After a deliberate edit of an applied migration (or one applied out
//! of order), re-record every applied migration's checksum, under the lock.
//! Without `--yes` it says what it would re-record and changes nothing.

use anyhow::bail;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

use crate::cli::session::{self, Session};
use crate::cli::{Context, Outcome};
use crate::runtime::{Squashed, checksum};

pub async fn run<M: MigratorTrait + Squashed>(ctx: &Context, yes: bool) -> anyhow::Result<Outcome> {
    session::connected(ctx, async |s: &Session| {
        let rows = checksum::read_applied(&s.db).await?;
        let v = checksum::verify::<M>(s.db.get_database_backend(), &rows).await;
        if !yes {
            bail!(
                "repair re-records the checksums of all {} applied migration(s) (edited: {}; out of order: {}; unrecorded: {}) and changes nothing else: pass --yes to do it",
                rows.len(),
                list(&v.edited),
                v.out_of_order.len(),
                v.unrecorded.len()
            );
        }
        s.locked(async |conn: &DatabaseConnection| {
            let rows = checksum::read_applied(conn).await?;
            checksum::install(conn).await?;
            let txn = conn.begin().await?;
            let n = checksum::repair::<M, _>(&txn, &rows).await?;
            txn.commit().await?;
            if ctx.json {
                println!(
                    "{}",
                    json!({ "recorded": n, "edited": v.edited, "unrecorded": v.unrecorded, "out_of_order": v.out_of_order.len() })
                );
            } else {
                for m in &v.edited {
                    println!("Re-recorded {m}: its edited statements are now the applied ones");
                }
                println!(
                    "Recorded the checksums of {n} applied migration(s); `autogen validate` and the next boot accept them"
                );
            }
            Ok(Outcome::Ok)
        })
        .await
    })
    .await
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
