//! Offline SQL for `upgrade --sql` / `downgrade --sql`, and the statement
//! list of `upgrade --dry-run`.
//!
//! Each migration's `up()`/`down()` runs against a connection that records
//! every statement instead of sending it (the toolkit's [`Recorder`] behind
//! SeaORM's mock driver, since `SchemaManager` only accepts a real
//! `DatabaseConnection`). It is the very code `upgrade` runs, so the SQL is
//! what `upgrade` would send, for the backend asked for. `SchemaManager`'s
//! existence questions (`has_table`, `has_column`, `has_index`) are answered
//! from the schema the script assumes ([`Assumed`]: the live catalog when
//! the database is reachable, else an empty one, followed through the
//! script's own DDL), and the script says so at each answer. Any other query
//! (a `SELECT` of the migration's own) sees no rows, and the script says
//! where that happened.

use autogen_runtime::bookkeeping;
use autogen_runtime::{Direction, MIGRATION_TABLE};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};
use thiserror::Error;

pub use crate::assumed::Assumed;
pub use crate::recorder::Recorded;
use crate::recorder::{Log, Recorder, take};

/// The schema a script assumes, shared by its migrations in order.
pub type Shared = crate::recorder::Shared;

/// `assumed`, ready to be shared by the recordings of one script.
pub fn share(assumed: Assumed) -> Shared {
    std::sync::Arc::new(std::sync::Mutex::new(assumed))
}

#[derive(Debug, Error)]
pub enum OfflineError {
    #[error("migration {0} is not in this build: rebuild autogen (`cargo run -p autogen -- ...`)")]
    Unknown(String),
    #[error("migration {name} cannot be rendered as SQL: {reason}")]
    Failed { name: String, reason: String },
    /// The migration itself failed on the recording.
    #[error("migration {name} cannot be rendered as SQL: {source}")]
    Errored { name: String, source: DbErr },
}

/// The statements of one migration in one direction.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MigrationSql {
    pub name: String,
    /// Run in a transaction of its own (as `upgrade` does), or not.
    pub transactional: bool,
    pub statements: Vec<Recorded>,
    /// Why the migration is left out of the script (it failed on what it
    /// read back, which a recording answers with no rows: rows inserted
    /// through entities); none: it is in the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out: Option<String>,
}

impl MigrationSql {
    /// The one line a command prints for a migration left out of its script.
    pub fn left_out_line(&self) -> Option<String> {
        self.left_out.as_ref().map(|why| {
            format!(
                "migration {} is left out of the script: {why}; the script does not record it as applied, so `autogen upgrade` applies it afterwards",
                self.name
            )
        })
    }
}

/// A connection that records instead of executing, and its log.
fn recording(backend: DbBackend, assumed: &Shared) -> (DatabaseConnection, Log) {
    let recorder = Recorder::new(backend).assuming(std::sync::Arc::clone(assumed));
    let log = recorder.log();
    (recorder.into_connection(), log)
}

/// Whether `upgrade` runs `migration` in a transaction of its own on `backend`
/// (the same rule as the runtime: not on MySQL, not when the migration opts out).
pub fn transactional(migration: &dyn MigrationTrait, backend: DbBackend) -> bool {
    autogen_runtime::bookkeeping::transactional(migration, backend)
}

/// Record the statements of the named migrations (in the given order), as
/// `upgrade` (`Direction::Up`) or `downgrade` (`Direction::Down`) would run
/// them on a database whose schema is `assumed`.
pub async fn record<M: MigratorTrait>(
    backend: DbBackend,
    names: &[String],
    direction: Direction,
    assumed: &Shared,
) -> Result<Vec<MigrationSql>, OfflineError> {
    record_checked::<M>(backend, names, direction, true, assumed).await
}

/// The schema of a database at head as this build's migrations create it,
/// followed through their recorded DDL (for a downgrade script written
/// without a database); as far as the recording goes when one cannot be
/// recorded.
pub async fn assumed_at_head<M: MigratorTrait>(backend: DbBackend) -> Assumed {
    let shared = share(Assumed::empty(
        "a database at head, as this build's migrations create it",
    ));
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    for name in names {
        if record_checked::<M>(backend, &[name], Direction::Up, false, &shared)
            .await
            .is_err()
        {
            break;
        }
    }
    shared.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// What the statements of the named migrations create that the schema model
/// does not describe (views, functions, triggers, rules, policies,
/// extensions, sequences, rows written by the migration), as
/// `(migration, statement)`: what a base generated from the entities would
/// not create. For `squash`.
pub async fn unmodelled<M: MigratorTrait>(
    backend: DbBackend,
    names: &[String],
) -> Result<Vec<(String, String)>, OfflineError> {
    let assumed = share(Assumed::empty("an empty database"));
    let recorded = record_checked::<M>(backend, names, Direction::Up, false, &assumed).await?;
    let mut out = Vec::new();
    for m in recorded {
        for line in &m.statements {
            if let Recorded::Execute(sql) = line
                && is_unmodelled(sql)
            {
                out.push((m.name.clone(), sql.clone()));
            }
        }
    }
    Ok(out)
}

/// A statement the entities cannot describe. The rows a SQLite rebuild
/// copies into its new table are the rebuild's own, not data.
fn is_unmodelled(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    if upper.contains("\"_AUTOGEN_NEW_") {
        return false;
    }
    [
        "CREATE VIEW",
        "CREATE MATERIALIZED VIEW",
        "CREATE OR REPLACE",
        "CREATE FUNCTION",
        "CREATE PROCEDURE",
        "CREATE TRIGGER",
        "CREATE RULE",
        "CREATE POLICY",
        "CREATE EXTENSION",
        "CREATE SEQUENCE",
        "CREATE TEMP",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "COPY",
        "DO ",
        "GRANT",
        "REVOKE",
        "CALL",
    ]
    .iter()
    .any(|prefix| upper.starts_with(prefix))
}

async fn record_checked<M: MigratorTrait>(
    backend: DbBackend,
    names: &[String],
    direction: Direction,
    refuse_rebuilds: bool,
    assumed: &Shared,
) -> Result<Vec<MigrationSql>, OfflineError> {
    let migrations = M::migrations();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let migration = migrations
            .iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| OfflineError::Unknown(name.clone()))?;
        // The assumed schema before it: a migration left out leaves it so.
        let before = assumed.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (conn, log) = recording(backend, assumed);
        let result = direction
            .run(migration.as_ref(), &SchemaManager::new(&conn))
            .await;
        let statements = take(&log);
        if let Err(e) = result {
            // A migration that read something back (an entity insert reads
            // the new row) and failed on the offline answer, no rows, is left
            // out with its reason; any other failure is the migration's own.
            let read_back = statements.iter().any(|l| matches!(l, Recorded::Query(_)))
                || matches!(e, DbErr::RecordNotFound(_) | DbErr::RecordNotInserted);
            if !read_back {
                return Err(OfflineError::Errored {
                    name: name.clone(),
                    source: e,
                });
            }
            let why = match &e {
                DbErr::RecordNotFound(_) | DbErr::RecordNotInserted => format!(
                    "it writes rows through entities (`ActiveModel::insert` and the like read the new row back: {e}), which an offline script cannot answer"
                ),
                _ => format!(
                    "it fails on what it reads back ({e}), which an offline script answers with no rows"
                ),
            };
            *assumed.lock().unwrap_or_else(|p| p.into_inner()) = before;
            out.push(MigrationSql {
                name: name.clone(),
                transactional: transactional(migration.as_ref(), backend),
                statements: Vec::new(),
                left_out: Some(why),
            });
            continue;
        }
        if refuse_rebuilds
            && backend == DbBackend::Sqlite
            && let Some(table) = statements.iter().find_map(rebuilt_table)
        {
            return Err(OfflineError::Failed {
                name: name.clone(),
                reason: format!(
                    "it rebuilds table {table}, and a rebuild reads the live table as it runs (its triggers, CHECK constraints, partial and expression indexes, AUTOINCREMENT counter, columns it was not generated with), which an offline script cannot: apply it with `autogen upgrade`, or preview it with `autogen upgrade --dry-run`"
                ),
            });
        }
        out.push(MigrationSql {
            name: name.clone(),
            transactional: transactional(migration.as_ref(), backend),
            statements,
            left_out: None,
        });
    }
    Ok(out)
}

/// The table a SQLite rebuild statement creates its new copy of, if it is one.
fn rebuilt_table(line: &Recorded) -> Option<String> {
    let Recorded::Execute(sql) = line else {
        return None;
    };
    let rest = sql.strip_prefix("CREATE TABLE \"_autogen_new_")?;
    Some(rest.split('"').next().unwrap_or_default().to_owned())
}

/// The bookkeeping table's DDL (`CREATE TABLE IF NOT EXISTS seaql_migrations ...`).
pub async fn install_sql<M: MigratorTrait>(
    backend: DbBackend,
    assumed: &Shared,
) -> Result<Vec<Recorded>, OfflineError> {
    let (conn, log) = recording(backend, assumed);
    M::install(&conn).await.map_err(|e| OfflineError::Errored {
        name: MIGRATION_TABLE.to_owned(),
        source: e,
    })?;
    Ok(take(&log))
}

/// The row `upgrade` writes (or `downgrade` deletes) for `name`.
pub fn bookkeeping(backend: DbBackend, name: &str, direction: Direction) -> String {
    let stmt = match direction {
        Direction::Up => backend.build(&bookkeeping::record(
            name,
            bookkeeping::now_on_server(backend),
        )),
        Direction::Down => backend.build(&bookkeeping::forget([name])),
    };
    stmt.to_string()
}

/// Statements that replace the squashed rows by the squash base (what
/// `upgrade` does first on a database at a squashed head).
pub fn squash_bookkeeping(
    backend: DbBackend,
    rows: &[&str],
    base: &str,
    base_recorded: bool,
) -> Vec<String> {
    let mut out = vec![
        backend
            .build(
                Query::delete()
                    .from_table(MIGRATION_TABLE)
                    .and_where(Expr::col("version").is_in(rows.iter().copied())),
            )
            .to_string(),
    ];
    if !base_recorded {
        out.push(bookkeeping(backend, base, Direction::Up));
    }
    out
}

/// What a script is about, for its header.
pub struct Script<'a> {
    pub backend: DbBackend,
    pub direction: Direction,
    /// Header comment lines (without `-- `).
    pub notes: &'a [String],
    /// `CREATE TABLE IF NOT EXISTS seaql_migrations` (upgrade only).
    pub install: &'a [Recorded],
    /// Bookkeeping to run first (a squash stamp), in one transaction.
    pub prelude: &'a [String],
    pub migrations: &'a [MigrationSql],
}

/// The SQL script: one block per migration, each in its own transaction
/// where `upgrade` would use one, with its bookkeeping row.
pub fn render(script: &Script<'_>) -> String {
    let mut out = String::new();
    for note in script.notes {
        out.push_str(&format!("-- {note}\n"));
    }
    let sqlite = script.backend == DbBackend::Sqlite;
    let any_transactional = script.migrations.iter().any(|m| m.transactional);
    if sqlite && any_transactional {
        // As the runtime does: table rebuilds drop and rename parents, so
        // foreign keys are checked by the migration, not per statement.
        out.push_str("PRAGMA foreign_keys = OFF;\n");
    }
    if !script.install.is_empty() {
        out.push('\n');
        push_lines(&mut out, script.install);
    }
    if !script.prelude.is_empty() {
        out.push_str("\n-- squash: the database is at the squashed head, record it as at the squash base\nBEGIN;\n");
        for stmt in script.prelude {
            out.push_str(&format!("{stmt};\n"));
        }
        out.push_str("COMMIT;\n");
    }
    for m in script.migrations {
        let verb = match script.direction {
            Direction::Up => "upgrade",
            Direction::Down => "downgrade",
        };
        out.push_str(&format!("\n-- {} ({verb})\n", m.name));
        if let Some(why) = &m.left_out {
            out.push_str(&format!(
                "-- LEFT OUT: {why}. Run `autogen {verb}` for it; this script does not record it.\n"
            ));
            continue;
        }
        if m.transactional {
            out.push_str("BEGIN;\n");
        }
        push_lines(&mut out, &m.statements);
        out.push_str(&format!(
            "{};\n",
            bookkeeping(script.backend, &m.name, script.direction)
        ));
        if m.transactional {
            out.push_str("COMMIT;\n");
        }
    }
    if sqlite && any_transactional {
        out.push_str("\nPRAGMA foreign_keys = ON;\n");
    }
    out
}

fn push_lines(out: &mut String, lines: &[Recorded]) {
    for line in lines {
        match line {
            Recorded::Execute(sql) => {
                out.push_str(&format!("{};\n", sql.trim_end().trim_end_matches(';')))
            }
            Recorded::Query(sql) => {
                let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push_str(&format!(
                    "-- the migration reads here (offline: assumed to find no rows): {one_line}\n"
                ));
            }
            Recorded::Answered(answer) => {
                out.push_str(&format!("-- the migration asks: {answer}\n"));
            }
        }
    }
}

/// Record what one migration runs in `direction`, SQLite rebuilds included
/// (as they would start): for `autogen lint`, which reads the statements
/// and never runs them.
pub async fn record_one(
    backend: DbBackend,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<MigrationSql, OfflineError> {
    let assumed = share(Assumed::empty(
        "an empty database (lint reads statements only)",
    ));
    let (conn, log) = recording(backend, &assumed);
    let result = direction.run(migration, &SchemaManager::new(&conn)).await;
    result.map_err(|e| OfflineError::Errored {
        name: migration.name().to_owned(),
        source: e,
    })?;
    Ok(MigrationSql {
        name: migration.name().to_owned(),
        transactional: transactional(migration, backend),
        statements: take(&log),
        left_out: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_rows_are_backend_sql() {
        let up = bookkeeping(DbBackend::Postgres, "m1", Direction::Up);
        assert!(up.starts_with(r#"INSERT INTO "seaql_migrations" ("version", "applied_at") VALUES ('m1', CAST(EXTRACT"#), "{up}");
        let down = bookkeeping(DbBackend::Sqlite, "m1", Direction::Down);
        assert_eq!(
            down,
            r#"DELETE FROM "seaql_migrations" WHERE "version" = 'm1'"#
        );
    }

    /// A migration that rebuilds a table with the SQLite recipe, which reads
    /// the database (foreign-key setting, triggers) before writing.
    struct Rebuild;

    impl sea_orm_migration::MigrationName for Rebuild {
        fn name(&self) -> &str {
            "m1_rebuild"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Rebuild {
        async fn up(&self, manager: &SchemaManager) -> Result<(), sea_orm::DbErr> {
            use sea_orm::sea_query::{ColumnDef, Table};
            let create = Table::create()
                .table("t")
                .col(ColumnDef::new("id").integer().not_null().primary_key())
                .to_owned();
            autogen_runtime::sqlite::rebuild_table(
                manager,
                "t",
                create,
                &[("id", "id")],
                Vec::new(),
            )
            .await
        }
    }

    struct Rebuilds;

    impl MigratorTrait for Rebuilds {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(Rebuild)]
        }
    }

    #[tokio::test]
    async fn a_sqlite_rebuild_is_refused_offline_in_one_line() {
        let err = record::<Rebuilds>(
            DbBackend::Sqlite,
            &["m1_rebuild".into()],
            Direction::Up,
            &share(Assumed::empty("test")),
        )
        .await
        .expect_err("an offline rebuild would lose what it reads from the live table");
        let text = err.to_string();
        assert!(
            text.contains("m1_rebuild")
                && text.contains("rebuilds table t")
                && text.contains("autogen upgrade"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn what_the_entities_cannot_describe_is_told_apart() {
        for sql in [
            "CREATE VIEW v AS SELECT 1",
            "create or replace function f() returns int as $$ select 1 $$ language sql",
            "INSERT INTO runbooks (name) VALUES ('seed')",
            "  CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END",
        ] {
            assert!(is_unmodelled(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE \"t\" (\"id\" integer)",
            "CREATE INDEX \"i\" ON \"t\" (\"a\")",
            "ALTER TABLE \"t\" ADD COLUMN \"a\" text",
            "INSERT INTO \"_autogen_new_t\" (\"id\") SELECT \"id\" FROM \"t\"",
        ] {
            assert!(!is_unmodelled(sql), "{sql}");
        }
    }

    /// Creates table `t`; its down() asks before dropping it.
    struct CreatesT;

    impl sea_orm_migration::MigrationName for CreatesT {
        fn name(&self) -> &str {
            "m1_creates_t"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for CreatesT {
        async fn up(&self, manager: &SchemaManager) -> Result<(), sea_orm::DbErr> {
            use sea_orm::sea_query::{ColumnDef, Table};
            manager
                .create_table(
                    Table::create()
                        .table("t")
                        .col(ColumnDef::new("id").integer().not_null().primary_key())
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), sea_orm::DbErr> {
            use sea_orm::sea_query::Table;
            if manager.has_table("t").await? {
                manager
                    .drop_table(Table::drop().table("t").to_owned())
                    .await?;
            }
            Ok(())
        }
    }

    struct CreatesTMigrator;

    impl MigratorTrait for CreatesTMigrator {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(CreatesT)]
        }
    }

    /// Without a database, a downgrade script assumes one at head, as the
    /// migrations create it: the down() that asks finds its table.
    #[tokio::test]
    async fn a_downgrade_written_offline_answers_from_the_schema_at_head() {
        let assumed = share(assumed_at_head::<CreatesTMigrator>(DbBackend::Postgres).await);
        let down = record::<CreatesTMigrator>(
            DbBackend::Postgres,
            &["m1_creates_t".into()],
            Direction::Down,
            &assumed,
        )
        .await
        .expect("recorded");
        let lines = &down[0].statements;
        assert!(
            matches!(&lines[0], Recorded::Answered(a) if a.starts_with("has_table(\"t\") answered true") && a.contains("a database at head")),
            "{lines:?}"
        );
        assert_eq!(lines[1], Recorded::Execute("DROP TABLE \"t\"".into()));
    }

    #[tokio::test]
    async fn an_unknown_revision_is_an_error() {
        let err = record::<Rebuilds>(
            DbBackend::Postgres,
            &["m9".into()],
            Direction::Up,
            &share(Assumed::empty("test")),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("m9 is not in this build"), "{err}");
    }

    /// An entity a seed migration inserts rows through.
    mod seed_cake {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "seed_cake")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            pub name: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    struct Seed;

    impl sea_orm_migration::MigrationName for Seed {
        fn name(&self) -> &str {
            "m2_seed_cakes"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Seed {
        async fn up(&self, manager: &SchemaManager) -> Result<(), sea_orm::DbErr> {
            use sea_orm::{ActiveModelTrait, ActiveValue::Set};
            seed_cake::ActiveModel {
                name: Set("plain".into()),
                ..Default::default()
            }
            .insert(manager.get_connection())
            .await?;
            Ok(())
        }
    }

    struct Seeds;

    impl MigratorTrait for Seeds {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(CreatesT), Box::new(Seed), Box::new(CreatesMore)]
        }
    }

    struct CreatesMore;

    impl sea_orm_migration::MigrationName for CreatesMore {
        fn name(&self) -> &str {
            "m3_create_more"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for CreatesMore {
        async fn up(&self, manager: &SchemaManager) -> Result<(), sea_orm::DbErr> {
            use sea_orm::sea_query::{ColumnDef, Table};
            manager
                .create_table(
                    Table::create()
                        .table("more")
                        .col(ColumnDef::new("id").integer().not_null().primary_key())
                        .to_owned(),
                )
                .await
        }
    }

    #[tokio::test]
    async fn a_seed_migration_inserting_through_entities_is_left_out_by_name_and_the_rest_goes_on()
    {
        for backend in [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite] {
            let names: Vec<String> = Seeds::migrations()
                .iter()
                .map(|m| m.name().to_owned())
                .collect();
            let migrations = record::<Seeds>(
                backend,
                &names,
                Direction::Up,
                &share(Assumed::empty("test")),
            )
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
            let lines: Vec<String> = migrations
                .iter()
                .filter_map(MigrationSql::left_out_line)
                .collect();
            assert_eq!(lines.len(), 1, "{backend:?}: {lines:?}");
            assert!(
                lines[0].starts_with("migration m2_seed_cakes is left out of the script: it writes rows through entities")
                    && !lines[0].contains('\n'),
                "{backend:?}: {}",
                lines[0]
            );
            let script = render(&Script {
                backend,
                direction: Direction::Up,
                notes: &lines,
                install: &[],
                prelude: &[],
                migrations: &migrations,
            });
            assert!(
                script.contains("CREATE TABLE") && script.contains("m3_create_more"),
                "{backend:?}: the migrations around it are in the script:\n{script}"
            );
            assert!(
                script.contains("-- LEFT OUT: ")
                    && !script.contains(&bookkeeping(backend, "m2_seed_cakes", Direction::Up)),
                "{backend:?}: the seed migration is not recorded as applied:\n{script}"
            );
        }
    }

    #[test]
    fn scripts_wrap_transactional_migrations() {
        let migrations = [MigrationSql {
            name: "m1".into(),
            transactional: true,
            statements: vec![
                Recorded::Execute("CREATE TABLE \"a\" ()".into()),
                Recorded::Query("SELECT 1".into()),
            ],
            left_out: None,
        }];
        let text = render(&Script {
            backend: DbBackend::Postgres,
            direction: Direction::Up,
            notes: &["hello".into()],
            install: &[],
            prelude: &[],
            migrations: &migrations,
        });
        assert!(text.starts_with("-- hello\n"), "{text}");
        assert!(
            text.contains(
                "-- m1 (upgrade)\nBEGIN;\nCREATE TABLE \"a\" ();\n-- the migration reads here"
            ),
            "{text}"
        );
        assert!(text.trim_end().ends_with("COMMIT;"), "{text}");
    }
}
