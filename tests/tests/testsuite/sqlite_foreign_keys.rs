//! SQLite's foreign-key check after a migration (enforcement is off while
//! a migration runs, so the runtime checks before committing): it judges
//! what the migration did, not the rest of the database. An old dangling
//! row (inserted with enforcement off) must not block every later boot; a
//! migration that breaks a reference still rolls back and names the table.

use std::time::Duration;

use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{RuntimeError, Squashed, connect, upgrade_to_head};
use sea_orm_migration::prelude::*;
use tests::support::{self, SqliteFile, block_on};

const CREATE: &str = "m20990201_000001_create_tables";
const ALTER_B: &str = "m20990201_000002_alter_b";
const BREAK_B: &str = "m20990201_000002_break_b";

/// A migration that runs fixed SQL.
struct Sql {
    name: &'static str,
    up: &'static str,
}

impl MigrationName for Sql {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Sql {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(self.up).await?;
        Ok(())
    }
}

fn create_tables() -> Box<dyn MigrationTrait> {
    Box::new(Sql {
        name: CREATE,
        up: "CREATE TABLE a (id integer PRIMARY KEY);
             CREATE TABLE a_child (id integer PRIMARY KEY, a_id integer REFERENCES a (id));
             CREATE TABLE b (id integer PRIMARY KEY, name text);
             CREATE TABLE b_child (id integer PRIMARY KEY, b_id integer REFERENCES b (id));",
    })
}

/// The tables, then a change to `b` that breaks nothing (a table rebuild,
/// as SQLite does for most changes).
struct AlterB;

impl MigratorTrait for AlterB {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            create_tables(),
            Box::new(Sql {
                name: ALTER_B,
                up: "CREATE TABLE _new_b (id integer PRIMARY KEY, name text, note text);
                     INSERT INTO _new_b (id, name) SELECT id, name FROM b;
                     DROP TABLE b;
                     ALTER TABLE _new_b RENAME TO b;",
            }),
        ]
    }
}

impl Squashed for AlterB {}

/// The tables, then a botched rebuild of `b` that loses its rows, which
/// `b_child` references.
struct BreakB;

impl MigratorTrait for BreakB {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            create_tables(),
            Box::new(Sql {
                name: BREAK_B,
                up: "DROP TABLE b; CREATE TABLE b (id integer PRIMARY KEY, name text, note text);",
            }),
        ]
    }
}

impl Squashed for BreakB {}

/// A database at CREATE with a dangling `a_child` row (enforcement off
/// when it was inserted) and a valid `b`/`b_child` pair.
fn database_with_an_old_dangling_row() -> (SqliteFile, DatabaseUrl) {
    let file = SqliteFile::create();
    let url = DatabaseUrl::parse(&file.url(), "test").expect("test URL");
    block_on(async {
        struct First;
        impl MigratorTrait for First {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![create_tables()]
            }
        }
        impl Squashed for First {}
        let db = connect(&url).await.expect("connect");
        upgrade_to_head::<First>(&db, &url, Duration::from_secs(5))
            .await
            .expect("create the tables");
        let _ = db.close().await;
    });
    support::execute(
        &file.url(),
        "PRAGMA foreign_keys = OFF;
         INSERT INTO a_child (id, a_id) VALUES (1, 42);
         INSERT INTO b (id, name) VALUES (1, 'one');
         INSERT INTO b_child (id, b_id) VALUES (1, 1);",
    );
    (file, url)
}

#[test]
fn an_old_dangling_row_elsewhere_does_not_block_a_migration() {
    let (file, url) = database_with_an_old_dangling_row();
    let report = block_on(async {
        let db = connect(&url).await.expect("connect");
        let report = upgrade_to_head::<AlterB>(&db, &url, Duration::from_secs(5)).await;
        let _ = db.close().await;
        report
    })
    .unwrap_or_else(|e| panic!("the change to b was blocked: {e}"));
    assert_eq!(report.head.as_deref(), Some(ALTER_B));
    assert_eq!(
        support::query_strings(&file.url(), "SELECT name FROM b"),
        vec!["one".to_owned()]
    );
}

#[test]
fn a_migration_that_breaks_a_reference_rolls_back_and_names_the_table() {
    let (file, url) = database_with_an_old_dangling_row();
    let result = block_on(async {
        let db = connect(&url).await.expect("connect");
        let result = upgrade_to_head::<BreakB>(&db, &url, Duration::from_secs(5)).await;
        let _ = db.close().await;
        result
    });
    match result {
        Err(RuntimeError::MigrationFailed { name, reason, .. }) => {
            let reason = reason.to_string();
            assert_eq!(name, BREAK_B);
            assert!(reason.contains("b_child (rowid 1) -> b"), "{reason}");
            assert!(
                !reason.contains("a_child"),
                "an old row was blamed: {reason}"
            );
        }
        other => panic!("expected the migration to fail, got {other:?}"),
    }
    assert_eq!(
        support::query_strings(&file.url(), "SELECT version FROM seaql_migrations"),
        vec![CREATE.to_owned()]
    );
    assert_eq!(
        support::query_strings(&file.url(), "SELECT name FROM b"),
        vec!["one".to_owned()],
        "the rows of b are back"
    );
}
