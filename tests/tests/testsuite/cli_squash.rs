//! `autogen squash`: one base migration replaces the history; databases at
//! the old head are stamped to it at their next upgrade (nothing runs, no
//! table changes), databases part-way are refused, fresh ones run it.
//!
//! The runtime side is tested with small migrators defined here (fast, both
//! backends); the whole command once through the real binary on a copy of
//! the workspace, rebuilt as a user would.

use crate::cli_common;

use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{self as runtime, RuntimeError, Squashed};
use cli_common::{Autogen, build_copy, copy_workspace, rows, schema, snapshot};
use sea_orm_migration::prelude::*;
use tests::support::{HEAD, TestDb, block_on};

// ------------------------------------------------------------ migrators

struct CreateTable(&'static str, &'static str);

impl MigrationName for CreateTable {
    fn name(&self) -> &str {
        self.0
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTable {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(self.1)
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(self.1).to_owned())
            .await
    }
}

/// The squash of A and B: creates both tables.
struct Base;

impl MigrationName for Base {
    fn name(&self) -> &str {
        "m20300101_000000_base"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Base {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        CreateTable("", "a").up(manager).await?;
        CreateTable("", "b").up(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        CreateTable("", "b").down(manager).await?;
        CreateTable("", "a").down(manager).await
    }
}

const A: &str = "m20200101_000001_create_a";
const B: &str = "m20200101_000002_create_b";
const BASE: &str = "m20300101_000000_base";
const C: &str = "m20300101_000001_create_c";

/// The release before the squash.
struct Old;

impl MigratorTrait for Old {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTable(A, "a")), Box::new(CreateTable(B, "b"))]
    }
}

impl Squashed for Old {}

/// The release with the squash, and one migration after it.
struct New;

impl MigratorTrait for New {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Base), Box::new(CreateTable(C, "c"))]
    }
}

impl Squashed for New {
    fn squashed() -> &'static [&'static str] {
        &[A, B]
    }
}

fn upgrade<M: MigratorTrait + Squashed>(
    db: &TestDb,
) -> Result<runtime::UpgradeReport, RuntimeError> {
    let url = DatabaseUrl::parse(&db.url(), "test").expect("url");
    block_on(async {
        let conn = runtime::connect(&url).await?;
        let report =
            runtime::upgrade_to_head::<M>(&conn, &url, std::time::Duration::from_secs(10)).await;
        let _ = conn.close().await;
        report
    })
}

fn apply_old_up_to(db: &TestDb, n: usize) {
    let url = DatabaseUrl::parse(&db.url(), "test").expect("url");
    block_on(async {
        let conn = runtime::connect(&url).await.expect("connect");
        let names: Vec<String> = [A, B][..n].iter().map(|s| (*s).to_owned()).collect();
        runtime::apply_steps::<Old>(&conn, &names, runtime::Direction::Up)
            .await
            .expect("apply");
        let _ = conn.close().await;
    });
}

#[test]
fn a_database_at_the_squashed_head_is_stamped_without_running_the_base() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        upgrade::<Old>(&db).expect("old release");
        db.execute("INSERT INTO a (id) VALUES (42)");
        let report = upgrade::<New>(&db).expect("new release");
        assert_eq!(report.squash_stamped, 2, "on {}", db.backend());
        // Only C ran: the base would have failed on the existing tables.
        let applied: Vec<&str> = report.applied.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(applied, vec![C]);
        assert_eq!(rows(&db), vec![BASE, C]);
        assert_eq!(
            db.query_strings("SELECT CAST(id AS TEXT) FROM a"),
            vec!["42"]
        );
        // The next boot is a no-op.
        let again = upgrade::<New>(&db).expect("again");
        assert!(again.applied.is_empty() && again.squash_stamped == 0);
    }
}

#[test]
fn a_database_behind_the_squashed_head_is_refused_and_left_alone() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        apply_old_up_to(&db, 1);
        let before = snapshot(&db);
        let err = upgrade::<New>(&db).expect_err("must refuse").to_string();
        assert!(
            err.contains(&format!("the database is behind the squashed head {B}")),
            "{err}"
        );
        assert!(err.contains(&format!("it is at {A}")), "{err}");
        assert!(err.contains("with the previous release first"), "{err}");
        assert_eq!(snapshot(&db), before, "on {}", db.backend());
        // The previous release brings it forward, then the new one stamps it.
        upgrade::<Old>(&db).expect("old release");
        upgrade::<New>(&db).expect("new release");
        assert_eq!(rows(&db), vec![BASE, C]);
    }
}

#[test]
fn a_fresh_database_runs_the_squash_base() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        let report = upgrade::<New>(&db).expect("fresh");
        assert_eq!(report.squash_stamped, 0);
        assert_eq!(rows(&db), vec![BASE, C]);
        assert!(db.has_table("a") && db.has_table("b") && db.has_table("c"));
    }
}

// ------------------------------------------------- the real command

fn lib_rs(ws: &std::path::Path) -> String {
    std::fs::read_to_string(ws.join("migration/src/lib.rs")).expect("lib.rs")
}

fn migration_files(ws: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(ws.join("migration/src"))
        .expect("ls")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        // Not lib.rs, nor the directory's lock file (.autogen.lock).
        .filter(|n| n != "lib.rs" && !n.starts_with('.'))
        .collect();
    files.sort();
    files
}

#[test]
fn squash_refuses_when_the_entities_differ_from_the_database() {
    let ws = copy_workspace();
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url()).in_dir(ws.path());
    ag.run(&["upgrade"]).ok();
    db.execute("ALTER TABLE runbooks ADD COLUMN notes text");
    let files = migration_files(ws.path());
    let lib = lib_rs(ws.path());
    let run = ag.run(&["squash", "-m", "initial base schema"]);
    let line = run.one_line_error();
    assert!(
        line.contains("the entities differ from the database at head"),
        "{run}"
    );
    assert!(line.contains("notes"), "{run}");
    assert_eq!(migration_files(ws.path()), files);
    assert_eq!(lib_rs(ws.path()), lib);

    let behind = TestDb::sqlite();
    let run = Autogen::new(&behind.url())
        .in_dir(ws.path())
        .run(&["squash", "-m", "base"]);
    assert!(run.one_line_error().contains("behind head"), "{run}");
    assert_eq!(migration_files(ws.path()), files);
}

/// The whole story on PostgreSQL: a history of two migrations, databases at
/// its head and part-way, squash, rebuild, then each database's next upgrade.
#[test]
fn squash_at_head_changes_no_table_and_check_stays_clean() {
    let ws = copy_workspace();
    let root = ws.path();
    // A second migration, so that "part-way" exists.
    Autogen::new("sqlite::memory:")
        .in_dir(root)
        .run(&["revision", "--empty", "-m", "hand written noop"])
        .ok();
    let second = migration_files(root)
        .into_iter()
        .find(|f| f.contains("hand_written_noop"))
        .expect("new file");
    let second = second.trim_end_matches(".rs").to_owned();
    let before_squash = build_copy(root, "squash-before");

    let at_head = TestDb::postgres();
    let part_way = TestDb::postgres();
    let old = |db: &TestDb| Autogen::new(&db.url()).in_dir(root).binary(&before_squash);
    old(&at_head).run(&["upgrade"]).ok();
    old(&part_way).run(&["upgrade", "+1"]).ok();
    assert_eq!(rows(&at_head), vec![HEAD.to_owned(), second.clone()]);
    let tables = schema(&at_head.url());

    let run = old(&at_head).run(&["squash", "-m", "initial base schema"]);
    run.ok();
    assert!(
        run.stdout
            .contains("Squashed 2 migration(s) into migration/src/m"),
        "{run}"
    );
    let files = migration_files(root);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("_initial_base_schema.rs"), "{files:?}");
    let base = files[0].trim_end_matches(".rs").to_owned();
    let lib = lib_rs(root);
    assert!(lib.contains(&format!("mod {base};")), "{lib}");
    assert!(
        lib.contains(&format!(
            "    \"{HEAD}\",\n    \"{second}\",\n    // autogen:squashed:end"
        )),
        "{lib}"
    );
    assert!(!lib.contains(&format!("mod {HEAD};")), "{lib}");
    assert_eq!(
        snapshot(&at_head),
        (tables.clone(), vec![HEAD.to_owned(), second.clone()]),
        "squash touched the database"
    );

    let after = build_copy(root, "squash-after");
    let new = |db: &TestDb| Autogen::new(&db.url()).in_dir(root).binary(&after);

    // Before its next upgrade the database already counts as at head.
    let check = new(&at_head).run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");
    let current = new(&at_head).run(&["current"]);
    assert!(
        current.ok().stdout.contains(&format!("{base} (head)")),
        "{current}"
    );
    assert!(
        current
            .stdout
            .contains("the next `autogen upgrade` records it as at"),
        "{current}"
    );

    let up = new(&at_head).run(&["upgrade"]);
    assert!(
        up.ok()
            .stdout
            .contains(&format!("Stamped {base} (squash of 2 migrations)")),
        "{up}"
    );
    assert_eq!(snapshot(&at_head), (tables.clone(), vec![base.clone()]));
    let check = new(&at_head).run(&["check"]);
    assert!(check.ok().stdout.contains("No changes detected"), "{check}");

    let refused = new(&part_way).run(&["upgrade"]);
    let line = refused.one_line_error();
    assert!(
        line.contains(&format!("behind the squashed head {second}")),
        "{refused}"
    );
    assert!(line.contains("previous release"), "{refused}");
    assert_eq!(rows(&part_way), vec![HEAD]);

    let fresh = TestDb::postgres();
    new(&fresh).run(&["upgrade"]).ok();
    assert_eq!(
        schema(&fresh.url()),
        tables,
        "the squash base does not rebuild the old head's schema"
    );
    let history = new(&fresh).run(&["history"]);
    assert!(
        history.ok().stdout.contains(&format!(
            "<base> -> {base} (head) (current), initial base schema"
        )),
        "{history}"
    );
}

/// What hand-written migrations create beyond the schema (a view, seed rows)
/// would vanish from databases built from a base generated from the
/// entities: squash refuses, naming the migration and the statement, and
/// changes no file.
#[test]
fn squash_refuses_to_lose_what_hand_written_migrations_create() {
    let ws = copy_workspace();
    let root = ws.path();
    Autogen::new("sqlite::memory:")
        .in_dir(root)
        .run(&["revision", "--empty", "-m", "seed and view"])
        .ok();
    let file = migration_files(root)
        .into_iter()
        .find(|f| f.contains("seed_and_view"))
        .expect("new file");
    let path = root.join("migration/src").join(&file);
    let text = std::fs::read_to_string(&path).expect("read");
    let written = text.replacen(
        "let _ = manager;",
        "sea_orm_migration::sea_orm::ConnectionTrait::execute_unprepared(manager.get_connection(), \"CREATE VIEW enabled_runbooks AS SELECT id, name FROM runbooks WHERE enabled\").await?;",
        1,
    );
    assert_ne!(
        written, text,
        "the template has a place for hand-written changes"
    );
    std::fs::write(&path, written).expect("write");
    let bin = build_copy(root, "squash-hand-written");
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url()).in_dir(root).binary(&bin);
    ag.run(&["upgrade"]).ok();
    let files = migration_files(root);
    let lib = lib_rs(root);
    let run = ag.run(&["squash", "-m", "base"]);
    let line = run.one_line_error();
    let name = file.trim_end_matches(".rs");
    assert!(
        line.contains(&format!("{name}: CREATE VIEW enabled_runbooks")),
        "{run}"
    );
    assert_eq!(migration_files(root), files);
    assert_eq!(lib_rs(root), lib);
}
