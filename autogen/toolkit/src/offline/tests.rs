//! The offline recording and script rendering, on the recorder (no database).

use super::*;

#[test]
fn bookkeeping_rows_are_backend_sql() {
    let up = bookkeeping(DbBackend::Postgres, "m1", Direction::Up);
    assert!(
        up.starts_with(
            r#"INSERT INTO "seaql_migrations" ("version", "applied_at") VALUES ('m1', CAST(EXTRACT"#
        ),
        "{up}"
    );
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
        autogen_runtime::sqlite::rebuild_table(manager, "t", create, &[("id", "id")], Vec::new())
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
async fn a_seed_migration_inserting_through_entities_is_left_out_by_name_and_the_rest_goes_on() {
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
            lines[0].starts_with(
                "migration m2_seed_cakes is left out of the script: it writes rows through entities"
            ) && !lines[0].contains('\n'),
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
        checksum: None,
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

/// An upgrade script records each migration's checksum as `upgrade` does
/// (the same sum, ranked by the server's clock); a downgrade script forgets it.
#[tokio::test]
async fn scripts_write_and_forget_the_checksum_rows_of_upgrade() {
    let backend = DbBackend::Postgres;
    let names = ["m1_creates_t".to_owned()];
    let assumed = share(Assumed::empty("test"));
    let install = install_sql::<CreatesTMigrator>(backend, Direction::Up, &assumed)
        .await
        .expect("install");
    assert!(
        install.iter().any(|l| matches!(l, Recorded::Execute(sql)
            if sql.starts_with("CREATE TABLE IF NOT EXISTS \"autogen_checksums\""))),
        "{install:?}"
    );
    let up = record::<CreatesTMigrator>(backend, &names, Direction::Up, &assumed)
        .await
        .expect("recorded");
    let sum = autogen_runtime::checksum::checksum(&CreatesT, backend).await;
    assert_eq!(up[0].checksum.as_deref(), Some(sum.as_str()));
    let text = render(&Script {
        backend,
        direction: Direction::Up,
        notes: &[],
        install: &install,
        prelude: &[],
        migrations: &up,
    });
    let row = format!(
        "INSERT INTO \"autogen_checksums\" (\"version\", \"checksum\", \"applied_rank\") VALUES ('m1_creates_t', '{sum}', CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT));\nCOMMIT;"
    );
    assert!(text.contains(&row), "{text}");
    let down = record::<CreatesTMigrator>(backend, &names, Direction::Down, &assumed)
        .await
        .expect("recorded");
    assert_eq!(down[0].checksum, None);
    assert_eq!(
        checksum_rows(backend, &down[0], Direction::Down),
        [r#"DELETE FROM "autogen_checksums" WHERE "version" = 'm1_creates_t'"#]
    );
}
