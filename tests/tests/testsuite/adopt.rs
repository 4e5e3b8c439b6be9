//! Adoption of a workspace laid out as `sea-orm-cli` lays it out: classic
//! `DeriveEntityModel` entities (`bakery`, `cake`), a `migration` crate with
//! sea-orm-migration's own `lib.rs` (no autogen markers) and `main.rs`, and a
//! hand-written first migration. `autogen init` wires it; then the project's
//! own `autogen` binary generates, upgrades, checks and downgrades on
//! PostgreSQL and SQLite, and `cargo run -p migration` keeps working.
//! (The acceptance check `adopt` runs the same story through `cargo run`.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tests::support::{PgDatabase, SqliteFile, temp_dir, workspace_root};

use crate::cli_common::{Autogen, Run, copies_target_dir};

/// The fixture workspace, file by file (as `sea-orm-cli` would write it).
const FIXTURE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        r#"[workspace]
resolver = "3"
members = ["entity", "migration"]
"#,
    ),
    (
        "entity/Cargo.toml",
        r#"[package]
name = "entity"
version = "0.1.0"
edition = "2024"

[dependencies]
sea-orm = { version = "2.0", default-features = false, features = ["macros", "with-rust_decimal"] }
"#,
    ),
    (
        "entity/src/lib.rs",
        r#"pub mod bakery;
pub mod cake;
"#,
    ),
    (
        "entity/src/bakery.rs",
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bakery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub profit_margin: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::cake::Entity")]
    Cake,
}

impl Related<super::cake::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Cake.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
    (
        "entity/src/cake.rs",
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cake")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(column_type = "Decimal(Some((16, 4)))")]
    pub price: Decimal,
    pub bakery_id: Option<i32>,
    pub gluten_free: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::bakery::Entity",
        from = "Column::BakeryId",
        to = "super::bakery::Column::Id",
        on_update = "Cascade",
        on_delete = "SetNull"
    )]
    Bakery,
}

impl Related<super::bakery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Bakery.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
    (
        "migration/Cargo.toml",
        r#"[package]
name = "migration"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
name = "migration"
path = "src/lib.rs"

[dependencies]
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
async-trait = "0.1"

[dependencies.sea-orm-migration]
version = "2.0"
features = ["runtime-tokio-rustls", "sqlx-postgres", "sqlx-sqlite"]
"#,
    ),
    (
        "migration/src/lib.rs",
        r#"pub use sea_orm_migration::prelude::*;

mod m20220101_000001_create_bakery;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20220101_000001_create_bakery::Migration)]
    }
}
"#,
    ),
    (
        "migration/src/main.rs",
        r#"use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}
"#,
    ),
    (
        "migration/src/m20220101_000001_create_bakery.rs",
        r#"use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Bakery::Table)
                    .col(ColumnDef::new(Bakery::Id).integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Bakery::Name).string().not_null())
                    .col(ColumnDef::new(Bakery::ProfitMargin).double().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Bakery::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Bakery {
    Table,
    Id,
    Name,
    ProfitMargin,
}
"#,
    ),
];

fn write_fixture(root: &Path) {
    for (path, text) in FIXTURE {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write fixture");
    }
    // The toolkit's dependency versions: a warm build in the copies' target dir.
    std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock"))
        .expect("copy Cargo.lock");
}

/// `cargo build --bins` of the fixture into the copies' target directory
/// (never the workspace's own `target/debug`: the fixture's crates are also
/// called `entity` and `migration`); each binary hard-linked under a name of
/// this process, which a later build of another copy cannot replace.
fn build_fixture(root: &Path) -> BTreeMap<String, PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--bins",
            "--message-format=json-render-diagnostics",
        ])
        .env("CARGO_TARGET_DIR", copies_target_dir())
        .stdin(Stdio::null())
        .output()
        .expect("run cargo build");
    assert!(
        out.status.success(),
        "the adopted workspace does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let links = copies_target_dir().join("adopt-tests");
    std::fs::create_dir_all(&links).expect("mkdir");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| {
            let name = m["target"]["name"].as_str()?.to_owned();
            let exe = PathBuf::from(m["executable"].as_str()?);
            let link = links.join(format!("{name}-{}", std::process::id()));
            let _ = std::fs::remove_file(&link);
            std::fs::hard_link(&exe, &link)
                .or_else(|_| std::fs::copy(&exe, &link).map(|_| ()))
                .expect("link the binary");
            Some((name, link))
        })
        .collect()
}

/// sea-orm-migration's own command line of the fixture (`cargo run -p migration`).
fn migration_cli(bin: &Path, root: &Path, url: &str, args: &[&str]) -> Run {
    let out = Command::new(bin)
        .current_dir(root)
        .args(args)
        .env("DATABASE_URL", url)
        .stdin(Stdio::null())
        .output()
        .expect("run the migration binary");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// upgrade, check, the project's own status, downgrade -1, upgrade, check.
fn round_trip(autogen: &Autogen, migration: &Path, root: &Path, url: &str) {
    autogen.run(&["upgrade"]).ok();
    autogen.run(&["check"]).ok();
    migration_cli(migration, root, url, &["status"]).ok();
    autogen.run(&["downgrade", "-1", "--yes"]).ok();
    let behind = autogen.run(&["check"]);
    assert!(behind.one_line_error().contains("behind head"), "{behind}");
    autogen.run(&["upgrade"]).ok();
    autogen.run(&["check"]).ok();
}

#[test]
fn a_sea_orm_cli_workspace_is_adopted_by_init_then_generates_and_applies_on_pg_and_sqlite() {
    let dir = temp_dir();
    let root = dir.path();
    write_fixture(root);
    let lib_before = std::fs::read_to_string(root.join("migration/src/lib.rs")).expect("lib.rs");

    // Not a workspace: refused in one line, nothing written.
    let empty = temp_dir();
    let refused = Autogen::new("sqlite::memory:")
        .in_dir(empty.path())
        .run(&["init"]);
    assert!(refused.one_line_error().contains("Cargo.toml"), "{refused}");
    assert_eq!(std::fs::read_dir(empty.path()).expect("ls").count(), 0);

    // init (the toolkit's own binary, run from the fixture's root), twice.
    let toolkit = workspace_root();
    let toolkit = toolkit.to_str().expect("utf-8 path");
    let init = Autogen::new("sqlite::memory:").in_dir(root);
    let first = init.run(&["init", "--toolkit-path", toolkit]);
    first.ok();
    assert!(
        first.stdout.contains("Wrote migration/src/bin/autogen.rs"),
        "{first}"
    );
    let entity_manifest =
        std::fs::read_to_string(root.join("entity/Cargo.toml")).expect("entity/Cargo.toml");
    assert!(
        entity_manifest
            .contains(r#"features = ["macros", "with-rust_decimal", "entity-registry"]"#),
        "{entity_manifest}"
    );
    let second = init.run(&["init", "--toolkit-path", toolkit]);
    second.ok();
    assert!(second.stdout.contains("nothing changed"), "{second}");
    assert!(root.join("autogen.toml").is_file());

    let bins = build_fixture(root);
    let (autogen_bin, migration_bin) = (&bins["autogen"], &bins["migration"]);

    // PostgreSQL: the project's own CLI applies its hand-written migration.
    let pg = PgDatabase::create();
    migration_cli(migration_bin, root, pg.url(), &["up"]).ok();
    let autogen = Autogen::new(pg.url()).binary(autogen_bin).in_dir(root);
    let generated = autogen.run(&["-m", "add cake"]);
    generated.ok();
    assert!(generated.stdout.contains("'cake'"), "{generated}");
    assert!(
        !generated.stdout.contains("'bakery"),
        "bakery is no change: {generated}"
    );
    let lib = std::fs::read_to_string(root.join("migration/src/lib.rs")).expect("lib.rs");
    let new_module = lib
        .lines()
        .find_map(|l| l.strip_prefix("mod ").filter(|m| m.ends_with("_add_cake;")))
        .expect("the new module is declared")
        .trim_end_matches(';')
        .to_owned();
    assert!(
        lib.contains(&format!(
            "        vec![\n            Box::new(m20220101_000001_create_bakery::Migration),\n            Box::new({new_module}::Migration),\n        ]"
        )),
        "registered after the hand-written one, without markers:\n{lib}"
    );
    let restored = lib.replace(&format!("mod {new_module};\n"), "").replace(
        &format!(
            "vec![\n            Box::new(m20220101_000001_create_bakery::Migration),\n            Box::new({new_module}::Migration),\n        ]"
        ),
        "vec![Box::new(m20220101_000001_create_bakery::Migration)]",
    );
    assert_eq!(
        restored, lib_before,
        "only the list and the module line change"
    );
    // The binaries were built before the new migration: rebuild them.
    let bins = build_fixture(root);
    let (autogen_bin, migration_bin) = (&bins["autogen"], &bins["migration"]);
    let autogen = Autogen::new(pg.url()).binary(autogen_bin).in_dir(root);
    round_trip(&autogen, migration_bin, root, pg.url());

    // SQLite: the same history applies with the project's own CLI; then an
    // entity edit is generated there.
    let sqlite = SqliteFile::create();
    let url = sqlite.url();
    migration_cli(migration_bin, root, &url, &["up"]).ok();
    let autogen = Autogen::new(&url).binary(autogen_bin).in_dir(root);
    autogen.run(&["check"]).ok();
    let cake = root.join("entity/src/cake.rs");
    let text = std::fs::read_to_string(&cake).expect("cake.rs");
    std::fs::write(
        &cake,
        text.replace(
            "    pub gluten_free: bool,\n",
            "    pub gluten_free: bool,\n    pub description: Option<String>,\n",
        ),
    )
    .expect("edit cake.rs");
    let bins = build_fixture(root);
    let autogen = Autogen::new(&url).binary(&bins["autogen"]).in_dir(root);
    let generated = autogen.run(&["-m", "describe cake"]);
    generated.ok();
    assert!(generated.stdout.contains("description"), "{generated}");
    let bins = build_fixture(root);
    let (autogen_bin, migration_bin) = (&bins["autogen"], &bins["migration"]);
    let autogen = Autogen::new(&url).binary(autogen_bin).in_dir(root);
    round_trip(&autogen, migration_bin, root, &url);
}

/// The binary `autogen init` writes (as in `seaorm_autogen::adopt`), for
/// `adopt --write` to wire.
const INIT_BINARY: &str = r#"use seaorm_autogen::cli::{self, Project};
use entity as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cli::init_logging();
    let project = Project::new("entity::*", "migration/src");
    cli::main::<migration::Migrator>(project).await
}
"#;

/// A copy of this workspace's `migration/src` with the binary `init` writes.
fn migration_src_copy(root: &Path) -> PathBuf {
    let src = root.join("src");
    let from = workspace_root().join("migration/src");
    for entry in std::fs::read_dir(&from)
        .expect("ls migration/src")
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), src.join(entry.file_name()))
                .or_else(|_| {
                    std::fs::create_dir_all(&src)?;
                    std::fs::copy(entry.path(), src.join(entry.file_name()))
                })
                .expect("copy");
        }
    }
    std::fs::create_dir_all(src.join("bin")).expect("mkdir");
    std::fs::write(src.join("bin/autogen.rs"), INIT_BINARY).expect("write the binary");
    src
}

/// A database at head whose schema then gained, by hand, what a legacy
/// database has (an index, a default, a wider type): `check` sends to
/// `adopt`, `adopt` declares what it can and names the rest, `adopt --write`
/// puts the index list beside the binary and wires it; `current` on a
/// database with nothing recorded names `stamp head`.
#[test]
fn a_database_with_undeclared_objects_is_sent_to_adopt_whose_write_wires_the_binary() {
    let pg = PgDatabase::create();
    let dir = temp_dir();
    let src = migration_src_copy(dir.path());
    let src_arg = src.to_str().expect("utf-8 path");
    let autogen = Autogen::new(pg.url()).in_dir(dir.path());
    let with_dir = |args: &[&str]| {
        let mut all = vec!["--migration-dir", src_arg];
        all.extend_from_slice(args);
        autogen.run(&all)
    };

    let current = with_dir(&["current"]);
    assert!(
        current.ok().stdout.contains("`autogen stamp head`"),
        "{current}"
    );
    with_dir(&["upgrade"]).ok();
    tests::support::execute(
        pg.url(),
        "CREATE INDEX ix_legacy_runbooks_category_created ON runbooks (category, created_at); \
         ALTER TABLE runbooks ALTER COLUMN description SET DEFAULT 'none yet'; \
         ALTER TABLE runbooks ALTER COLUMN category TYPE varchar(200)",
    );

    let check = with_dir(&["check"]);
    assert_eq!(check.code, 1, "{check}");
    assert!(
        check.stdout.contains(
            "2 of them are indexes and defaults the database has and the entities do not declare"
        ) && check.stdout.contains("run `autogen adopt`"),
        "{check}"
    );

    let adopt = with_dir(&["adopt"]);
    adopt.ok();
    assert!(
        adopt
            .stdout
            .contains(".name(\"ix_legacy_runbooks_category_created\")")
            && adopt
                .stdout
                .contains("runbooks.description: #[sea_orm(default_value = \"none yet\")]")
            && adopt
                .stdout
                .contains("1 type change is not covered by these suggestions")
            && adopt
                .stdout
                .contains("changed column 'runbooks.category': type varchar(200) -> varchar(100)"),
        "{adopt}"
    );

    let refused = with_dir(&["adopt", "--write", &format!("{src_arg}/bin/indexes.rs")]);
    assert!(
        refused.one_line_error().contains("binary of its own"),
        "{refused}"
    );
    assert!(!src.join("bin/indexes.rs").exists());

    let written = with_dir(&["adopt", "--write"]);
    written.ok();
    let module = src.join("bin/autogen/indexes.rs");
    assert!(
        written.stdout.contains(&format!(
            "Wrote 1 index declaration(s) to {}",
            module.display()
        )),
        "{written}"
    );
    let text = std::fs::read_to_string(&module).expect("the index list");
    assert!(
        text.contains("use sea_orm_migration::sea_orm::sea_query::{Index, IndexCreateStatement};")
            && text.contains("\"ix_legacy_runbooks_category_created\""),
        "{text}"
    );
    let bin = std::fs::read_to_string(src.join("bin/autogen.rs")).expect("the binary");
    assert!(
        // src/bin/autogen.rs is a crate root: a bare `mod indexes;` would be
        // looked for at src/bin/indexes.rs and not build.
        bin.contains("#[path = \"autogen/indexes.rs\"]\nmod indexes;\n")
            && bin.contains(
                "Project::new(\"entity::*\", \"migration/src\").with_indexes(indexes::all);"
            ),
        "{bin}"
    );
}

/// MariaDB's `ON UPDATE CURRENT_TIMESTAMP` is suggested as `extra`, which
/// SeaORM's derive and sea-query accept (as `default_expr` it made every
/// command fail with an SQL syntax error).
#[test]
fn a_mysql_on_update_default_is_suggested_in_a_form_that_compiles_and_runs() {
    let my = tests::support::MyDatabase::create();
    let autogen = Autogen::new(my.url());
    autogen.run(&["upgrade"]).ok();
    tests::support::execute(
        my.url(),
        "ALTER TABLE runbook_versions MODIFY created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
    );
    let adopt = autogen.run(&["adopt"]);
    adopt.ok();
    assert!(
        adopt.stdout.contains(
            "runbook_versions.created_at: #[sea_orm(default_expr = \"Expr::current_timestamp()\", extra = \"ON UPDATE CURRENT_TIMESTAMP\")]"
        ),
        "{adopt}"
    );
}
