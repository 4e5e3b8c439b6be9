//! Checksums of applied migrations: an applied migration edited afterwards
//! is refused at boot (or only warned about), `validate`'s verification
//! names it, `repair` accepts it; a database from before checksums is
//! adopted without complaint; a migration applied after a later one is
//! out of order. Small migrators defined here, PostgreSQL and SQLite; the
//! command line (`autogen validate`, `repair`) on the workspace's own.

use crate::cli_common;

use autogen_runtime::checksum::{self, OnEdited};
use autogen_runtime::config::DatabaseUrl;
use autogen_runtime::{self as runtime, RuntimeError, Squashed};
use cli_common::Autogen;
use sea_orm_migration::prelude::*;
use tests::support::{TestDb, block_on};

/// A migration creating table `table` with a `label varchar(len)` column.
struct Create {
    name: &'static str,
    table: &'static str,
    len: u32,
}

impl MigrationName for Create {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Create {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(self.table)
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .col(ColumnDef::new("label").string_len(self.len))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(self.table).to_owned())
            .await
    }
}

const A: &str = "m20400101_000001_create_a";
const B: &str = "m20400101_000002_create_b";

/// The release that applied A.
struct V1;
impl MigratorTrait for V1 {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Create {
            name: A,
            table: "a",
            len: 100,
        })]
    }
}
impl Squashed for V1 {}

/// A release where A was edited after it was applied (100 -> 120), and B added.
struct Edited;
impl MigratorTrait for Edited {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Create {
                name: A,
                table: "a",
                len: 120,
            }),
            Box::new(Create {
                name: B,
                table: "b",
                len: 10,
            }),
        ]
    }
}
impl Squashed for Edited {}

/// A release that only added B.
struct V2;
impl MigratorTrait for V2 {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Create {
                name: A,
                table: "a",
                len: 100,
            }),
            Box::new(Create {
                name: B,
                table: "b",
                len: 10,
            }),
        ]
    }
}
impl Squashed for V2 {}

fn upgrade<M: MigratorTrait + Squashed>(
    db: &TestDb,
    on_edited: OnEdited,
) -> Result<runtime::UpgradeReport, RuntimeError> {
    let url = DatabaseUrl::parse(&db.url(), "test").expect("url");
    block_on(async {
        let conn = runtime::connect(&url).await?;
        let report = runtime::upgrade_to_head_with::<M>(
            &conn,
            &url,
            std::time::Duration::from_secs(10),
            on_edited,
        )
        .await;
        let _ = conn.close().await;
        report
    })
}

fn verification<M: MigratorTrait + Squashed>(db: &TestDb) -> checksum::Verification {
    let url = DatabaseUrl::parse(&db.url(), "test").expect("url");
    block_on(async {
        let conn = runtime::connect(&url).await.expect("connect");
        let rows = checksum::read_applied(&conn).await.expect("read");
        let v = checksum::verify::<M>(db.db_backend(), &rows).await;
        let _ = conn.close().await;
        v
    })
}

#[test]
fn an_edited_applied_migration_is_refused_at_boot_until_repaired() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        upgrade::<V1>(&db, OnEdited::Refuse).expect("first release");
        assert!(verification::<V1>(&db).is_clean());
        let v = verification::<Edited>(&db);
        assert_eq!(v.edited, [A], "{}", db.backend());
        let e = upgrade::<Edited>(&db, OnEdited::Refuse)
            .expect_err("an edited history must be refused")
            .to_string();
        assert!(e.contains(&format!("{A} ({A}.rs)")), "{e}");
        assert!(e.contains("autogen repair --yes"), "{e}");
        assert!(
            !db.has_table("b"),
            "{}: the refused boot applied B",
            db.backend()
        );
        // repair: the code's A becomes the applied one; the next boot runs B.
        let url = DatabaseUrl::parse(&db.url(), "test").expect("url");
        block_on(async {
            let conn = runtime::connect(&url).await.expect("connect");
            let rows = checksum::read_applied(&conn).await.expect("read");
            assert_eq!(
                checksum::repair::<Edited, _>(&conn, &rows)
                    .await
                    .expect("repair"),
                1
            );
            let _ = conn.close().await;
        });
        assert!(verification::<Edited>(&db).is_clean());
        let report = upgrade::<Edited>(&db, OnEdited::Refuse).expect("after repair");
        assert_eq!(report.applied.len(), 1);
        assert!(db.has_table("b"));
    }
}

#[test]
fn with_on_edited_warn_the_boot_migrates_anyway() {
    let db = TestDb::sqlite();
    upgrade::<V1>(&db, OnEdited::Refuse).expect("first release");
    let report = upgrade::<Edited>(&db, OnEdited::Warn).expect("warn only");
    assert_eq!(report.applied.len(), 1);
    assert!(db.has_table("b"));
    // Still edited: warn does not accept the edit.
    assert_eq!(verification::<Edited>(&db).edited, [A]);
    assert!(matches!(
        OnEdited::parse("ignore"),
        Err(RuntimeError::BadOnEdited(_))
    ));
}

#[test]
fn a_database_from_before_checksums_is_adopted_without_complaint() {
    for db in [TestDb::postgres(), TestDb::sqlite()] {
        upgrade::<V1>(&db, OnEdited::Refuse).expect("first release");
        db.execute(&format!("DROP TABLE {}", checksum::CHECKSUM_TABLE));
        let v = verification::<V1>(&db);
        assert!(v.is_clean() && v.unrecorded == [A], "{v:?}");
        upgrade::<V2>(&db, OnEdited::Refuse).expect("boot records the missing checksum");
        let recorded = db.query_strings(&format!(
            "SELECT version FROM {} ORDER BY version",
            checksum::CHECKSUM_TABLE
        ));
        assert_eq!(recorded, [A, B], "{}", db.backend());
        assert_eq!(verification::<V2>(&db), checksum::Verification::default());
    }
}

#[test]
fn a_migration_applied_after_a_later_one_is_out_of_order() {
    let db = TestDb::postgres();
    let url = DatabaseUrl::parse(&db.url(), "test").expect("url");
    block_on(async {
        let conn = runtime::connect(&url).await.expect("connect");
        for name in [B, A] {
            runtime::apply_steps::<V2>(&conn, &[name.to_owned()], runtime::Direction::Up)
                .await
                .expect("apply");
        }
        let _ = conn.close().await;
    });
    let v = verification::<V2>(&db);
    assert_eq!(v.out_of_order, [(A.to_owned(), B.to_owned())]);
    assert!(v.edited.is_empty() && !v.is_clean());
}

#[test]
fn autogen_validate_and_repair_on_the_workspace() {
    let db = TestDb::postgres();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    let out = ag.run(&["validate"]);
    out.ok();
    assert!(out.stdout.contains("match the code"), "{}", out.stdout);
    // A recorded checksum that differs is what an edited file looks like.
    db.execute(&format!(
        "UPDATE {} SET checksum = 'edited'",
        checksum::CHECKSUM_TABLE
    ));
    let out = ag.run(&["validate"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("_initial_base_schema.rs): edited"),
        "{}",
        out.stdout
    );
    let out = ag.run(&["repair"]);
    assert_eq!(out.code, 2);
    assert!(
        out.one_line_error().contains("pass --yes"),
        "{}",
        out.stderr
    );
    ag.run(&["repair", "--yes"]).ok();
    ag.run(&["validate"]).ok();
}
