//! Checksums of applied migrations, so that an edited history is refused
//! instead of silently diverging from the databases it already ran on.
//!
//! A migration's checksum is the SHA-256 of the statements its `up()`
//! executes, rendered for the database's backend with values inlined and
//! whitespace collapsed, as recorded on SeaORM's mock driver (nothing is
//! sent to the database; queries a migration asks see no rows). That is
//! what matters about an edit: reformatting the file (rustfmt, comments,
//! renamed locals) changes nothing, a changed statement changes the sum.
//! The source file is not an option: the deployed binary has no sources.
//!
//! The sums live in a table of our own, `autogen_checksums`, beside
//! sea-orm-migration's `seaql_migrations` (which stays as it defines it),
//! with the order this database applied them in (`applied_rank`), so that a
//! migration applied after a later one is seen too.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sea_orm_migration::sea_query::{
    ColumnDef, DeleteStatement, Expr, ExprTrait, InsertStatement, Query, Table,
    TableCreateStatement,
};
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};
use sha2::{Digest, Sha256};

use crate::recording::{self, Recording};
use crate::status::{MIGRATION_TABLE, Status};
use crate::{RuntimeError, Squashed};

/// Our table of applied migrations' checksums.
pub const CHECKSUM_TABLE: &str = "autogen_checksums";

/// The environment variable that overrides what an edited history does at boot.
pub const ON_EDITED_ENV: &str = "AUTOGEN_ON_EDITED";

/// What boot (and `autogen upgrade`) does when an applied migration was edited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnEdited {
    /// Refuse to migrate, naming the migration (the default).
    #[default]
    Refuse,
    /// Log a warning and migrate anyway.
    Warn,
}

impl OnEdited {
    pub fn parse(value: &str) -> Result<Self, RuntimeError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "refuse" => Ok(Self::Refuse),
            "warn" => Ok(Self::Warn),
            other => Err(RuntimeError::BadOnEdited(other.to_owned())),
        }
    }

    /// `AUTOGEN_ON_EDITED` when set, else `configured`.
    pub fn from_env_or(configured: Self) -> Result<Self, RuntimeError> {
        match std::env::var(ON_EDITED_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::parse(&v),
            _ => Ok(configured),
        }
    }
}

/// The checksum of `migration` on `backend`: see the module comment.
pub async fn checksum(migration: &dyn MigrationTrait, backend: DbBackend) -> String {
    let recording = Recording::new(backend);
    let executed = recording.executed();
    let conn = recording::connection(recording);
    let outcome = migration.up(&SchemaManager::new(&conn)).await;
    let mut hasher = Sha256::new();
    for statement in recording::take(&executed) {
        hasher.update(recording::one_line(&statement).as_bytes());
        hasher.update(b"\n");
    }
    // A migration whose up() stops early on the recorder (it needed an
    // answer the recorder cannot give) is judged by what it ran until then
    // and by how it stopped: both are the same every time.
    if let Err(e) = outcome {
        hasher.update(format!("error: {e}").as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One applied migration's row of `seaql_migrations`, with its checksum row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedRow {
    pub version: String,
    /// `None`: applied before checksums were recorded (or by a tool that does not).
    pub checksum: Option<String>,
    pub rank: Option<i64>,
}

/// The applied migrations with their checksums in one query (the boot's
/// only one when nothing changed). A database without `autogen_checksums`
/// has none recorded; one without `seaql_migrations` has nothing applied.
pub async fn read_applied<C: ConnectionTrait>(db: &C) -> Result<Vec<AppliedRow>, RuntimeError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT m.version AS version, c.checksum AS checksum, c.applied_rank AS applied_rank \
         FROM {MIGRATION_TABLE} m LEFT JOIN {CHECKSUM_TABLE} c ON c.version = m.version \
         ORDER BY m.applied_at, m.version"
    );
    match db.query_all_raw(Statement::from_string(backend, sql)).await {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                Ok(AppliedRow {
                    version: r.try_get::<String>("", "version")?,
                    checksum: r.try_get::<Option<String>>("", "checksum")?,
                    rank: r.try_get::<Option<i64>>("", "applied_rank")?,
                })
            })
            .collect(),
        Err(e) if crate::status::is_missing_table(&e) && e.to_string().contains(CHECKSUM_TABLE) => {
            Ok(crate::status::applied_versions(db)
                .await?
                .into_iter()
                .map(|version| AppliedRow {
                    version,
                    checksum: None,
                    rank: None,
                })
                .collect())
        }
        Err(e) if crate::status::is_missing_table(&e) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// What comparing the applied history with the code found.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Applied migrations whose statements differ from those recorded.
    pub edited: Vec<String>,
    /// Applied migrations the code no longer has (squashed ones excluded).
    pub missing: Vec<String>,
    /// (migration, a later one that was applied before it).
    pub out_of_order: Vec<(String, String)>,
    /// Applied migrations without a checksum (they predate checksums): the
    /// next boot or `autogen repair` records them, nobody complains.
    pub unrecorded: Vec<String>,
}

impl Verification {
    /// Nothing edited, missing or out of order.
    pub fn is_clean(&self) -> bool {
        self.edited.is_empty() && self.missing.is_empty() && self.out_of_order.is_empty()
    }

    /// The refusal for edited migrations, when there are some.
    pub fn edited_error(&self) -> Option<RuntimeError> {
        (!self.edited.is_empty()).then(|| RuntimeError::Edited(self.edited.clone()))
    }
}

/// The status of `M` from rows already read (no query).
pub fn status_of<M: MigratorTrait + Squashed>(rows: &[AppliedRow]) -> Status {
    Status {
        known: M::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect(),
        applied: rows.iter().map(|r| r.version.clone()).collect(),
        squashed: M::squashed().iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Compare the applied rows with `M`'s migrations as compiled now.
pub async fn verify<M: MigratorTrait + Squashed>(
    backend: DbBackend,
    rows: &[AppliedRow],
) -> Verification {
    let started = std::time::Instant::now();
    let status = status_of::<M>(rows);
    let mut v = Verification {
        missing: status
            .unknown_applied()
            .into_iter()
            .filter(|a| !status.squashed.iter().any(|s| s == a))
            .map(str::to_owned)
            .collect(),
        ..Verification::default()
    };
    let migrations = M::migrations();
    let mut ranked: Vec<(&str, i64)> = Vec::new();
    for m in &migrations {
        let Some(row) = rows.iter().find(|r| r.version == m.name()) else {
            continue;
        };
        match &row.checksum {
            None => v.unrecorded.push(row.version.clone()),
            Some(recorded) => {
                if *recorded != checksum(m.as_ref(), backend).await {
                    v.edited.push(row.version.clone());
                }
            }
        }
        if let Some(rank) = row.rank {
            ranked.push((m.name(), rank));
        }
    }
    // In code order, a migration recorded after a later one was applied out of order.
    for (i, (name, rank)) in ranked.iter().enumerate() {
        if let Some((later, _)) = ranked[i + 1..].iter().find(|(_, r)| r < rank) {
            v.out_of_order
                .push(((*name).to_owned(), (*later).to_owned()));
        }
    }
    tracing::debug!(
        "checksums of {} applied migration(s) verified in {:?}",
        rows.len(),
        started.elapsed()
    );
    v
}

/// Create `autogen_checksums` when it is missing.
pub async fn install<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute(&install_statement()).await.map(|_| ())
}

/// `CREATE TABLE IF NOT EXISTS autogen_checksums ...`: what [`install`]
/// runs, and what an offline script writes before its first checksum row.
pub fn install_statement() -> TableCreateStatement {
    Table::create()
        .table(CHECKSUM_TABLE)
        .if_not_exists()
        .col(
            ColumnDef::new("version")
                .string_len(255)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("checksum").string_len(128).not_null())
        .col(ColumnDef::new("applied_rank").big_integer().not_null())
        .to_owned()
}

/// The statements that record `name` with checksum `sum` ranked `rank`
/// (replacing any older row of it): a value applied now, or in an offline
/// script [`rank_on_server`].
pub fn record_statements(name: &str, sum: &str, rank: Expr) -> (DeleteStatement, InsertStatement) {
    (
        forget_statement(name),
        Query::insert()
            .into_table(CHECKSUM_TABLE)
            .columns(["version", "checksum", "applied_rank"])
            // Three columns, three values: sea-query's only error cannot happen.
            .values_panic([Expr::val(name), Expr::val(sum), rank])
            .to_owned(),
    )
}

/// The statement that forgets the checksum of `name` (rolled back).
pub fn forget_statement(name: &str) -> DeleteStatement {
    Query::delete()
        .from_table(CHECKSUM_TABLE)
        .and_where(Expr::col("version").eq(name))
        .to_owned()
}

/// The rank of a migration applied when a script runs: microseconds since
/// the epoch on the server's clock, as the live path ranks on the
/// process's, so that rows of both kinds keep the order they were applied in.
pub fn rank_on_server(backend: DbBackend) -> Expr {
    Expr::cust(match backend {
        DbBackend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
        DbBackend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)",
        _ => "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)",
    })
}

/// Microseconds since the epoch: the rank of a migration applied now.
fn now_rank() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Record `migration` as applied now (replacing any older row of it).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    migration: &dyn MigrationTrait,
) -> Result<(), DbErr> {
    let sum = checksum(migration, db.get_database_backend()).await;
    store(db, migration.name(), &sum, now_rank()).await
}

async fn store<C: ConnectionTrait>(db: &C, name: &str, sum: &str, rank: i64) -> Result<(), DbErr> {
    let (forget, insert) = record_statements(name, sum, Expr::val(rank));
    db.execute(&forget).await?;
    db.execute(&insert).await.map(|_| ())
}

/// Forget the checksum of `name` (rolled back).
pub async fn forget<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), DbErr> {
    db.execute(&forget_statement(name)).await.map(|_| ())
}

/// Record the checksums of the applied migrations that have none (a
/// database adopted from before checksums), in code order, without
/// touching the recorded ones.
pub async fn record_missing<M: MigratorTrait, C: ConnectionTrait>(
    db: &C,
    unrecorded: &[String],
) -> Result<(), DbErr> {
    if unrecorded.is_empty() {
        return Ok(());
    }
    install(db).await?;
    for (i, m) in M::migrations().iter().enumerate() {
        if unrecorded.iter().any(|u| u == m.name()) {
            let sum = checksum(m.as_ref(), db.get_database_backend()).await;
            store(db, m.name(), &sum, i64::try_from(i).unwrap_or(i64::MAX)).await?;
        }
    }
    Ok(())
}

/// `autogen repair`: re-record every applied migration's checksum as the
/// code has it now, ranked in code order (which also clears out-of-order
/// findings), and drop the rows of migrations no longer applied.
pub async fn repair<M: MigratorTrait, C: ConnectionTrait>(
    db: &C,
    rows: &[AppliedRow],
) -> Result<usize, DbErr> {
    install(db).await?;
    db.execute(&Query::delete().from_table(CHECKSUM_TABLE).to_owned())
        .await?;
    let mut n = 0;
    for (i, m) in M::migrations().iter().enumerate() {
        if rows.iter().any(|r| r.version == m.name()) {
            let sum = checksum(m.as_ref(), db.get_database_backend()).await;
            store(db, m.name(), &sum, i64::try_from(i).unwrap_or(i64::MAX)).await?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_orm::ConnectionTrait;

    /// Raw SQL, as hand-written migrations often carry it.
    struct Raw(&'static str);

    impl sea_orm_migration::MigrationName for Raw {
        fn name(&self) -> &str {
            "m1"
        }
    }

    #[sea_orm_migration::async_trait::async_trait]
    impl MigrationTrait for Raw {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager.get_connection().execute_unprepared(self.0).await?;
            Ok(())
        }
    }

    fn sum(sql: &'static str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(checksum(&Raw(sql), DbBackend::Postgres))
    }

    #[test]
    fn a_reflow_keeps_the_checksum_a_changed_statement_does_not() {
        let one_line = sum("CREATE TABLE t (id int, name varchar(100))");
        let reflowed = sum("CREATE TABLE t (id int,\n    name  varchar(100))");
        assert_eq!(one_line, reflowed);
        assert_ne!(one_line, sum("CREATE TABLE t (id int, name varchar(120))"));
        assert_eq!(one_line.len(), 64);
    }
}
