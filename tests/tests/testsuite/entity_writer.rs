//! `autogen entities` on a hand-written legacy database per backend
//! (`tests/src/legacy/<backend>/schema.sql`): the writer's files are exactly
//! the ones compiled into this crate (`tests/src/written/<backend>/`;
//! `AUTOGEN_BLESS=1` rewrites them), and those entities, with their extra
//! indexes, describe the live database with no change at all. What they
//! cannot say (the GiST index; SQLite's and MariaDB's triggers and views as
//! the introspection reports them) is listed by the writer and left
//! unmanaged. One compiled set per backend, compared in-process.

use std::path::PathBuf;

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_query::IndexCreateStatement;
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::DiffOptions;
use seaorm_autogen::entities::{self, Options};
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::source::entities::{EntitySource, materialize};
use seaorm_autogen::{NoRenames, compare_schemas};
use tests::support::{MyDatabase, PgDatabase, SqliteFile, block_on, connect};

/// Load `sql` into `url`, write entities, check them against the committed
/// set `module` (registered as `tests::written::<module>::*`), then compare
/// that set with the live database.
fn prove(
    url: &str,
    sql: &str,
    module: &str,
    options: Options,
    extra_indexes: fn() -> Vec<IndexCreateStatement>,
    undeclared: &[&str],
) {
    block_on(async {
        let db = connect(url).await.expect("connect");
        db.execute_unprepared(sql)
            .await
            .expect("load the legacy schema");
        let backend = db.get_database_backend();
        let live = introspect(&db).await.expect("introspect");
        let written = entities::write(&live, backend, &options);
        for item in undeclared {
            assert!(
                written.undeclared.iter().any(|u| u.contains(item)),
                "{module}: {item:?} not listed as undeclared: {:#?}",
                written.undeclared
            );
        }
        assert_eq!(written.entities.len(), 5, "{module}: one entity per table");

        // The committed files are what the writer writes today.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("src/written")
            .join(module);
        let mut files = written.files.clone();
        files.push(("mod.rs".into(), written.root.clone()));
        let bless = std::env::var_os("AUTOGEN_BLESS").is_some();
        for (name, content) in &files {
            let content = seaorm_autogen::render::rustfmt(content)
                .unwrap_or_else(|| panic!("rustfmt fails on the written {name}:\n{content}"));
            let path = dir.join(name);
            if bless {
                std::fs::write(&path, &content).expect("bless");
                continue;
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == content,
                "{module}/{name} is not what the writer writes now (AUTOGEN_BLESS=1 rewrites it):\n{content}"
            );
        }

        // Compiled, they describe the live database exactly.
        let source = EntitySource {
            registry_prefix: format!("tests::written::{module}::*"),
            extra_indexes: extra_indexes(),
            extra_ddl: |_| vec![],
        };
        let target = materialize(&db, &source)
            .await
            .expect("materialize the written entities");
        assert_eq!(
            target.tables.len(),
            5,
            "{module}: the written entities' tables"
        );
        let comparison = compare_schemas(
            Backend::from(backend),
            live,
            target,
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare");
        let changes: Vec<String> = comparison
            .diff
            .changes
            .iter()
            .map(|c| c.describe())
            .collect();
        assert!(
            changes.is_empty(),
            "{module}: database -> entities is not lossless: {changes:#?}"
        );
        let _ = db.close().await;
    });
}

#[test]
fn written_entities_describe_a_legacy_postgres_database_exactly() {
    let db = PgDatabase::create();
    // The crate builds without sea-orm's `postgres-use-serial-pk` (it is one
    // build for every test): each serial key is spelled in its column type.
    prove(
        db.url(),
        include_str!("../../src/legacy/postgres/schema.sql"),
        "pg",
        Options {
            serial_feature: Some(false),
        },
        tests::written::pg::autogen_indexes::all,
        &["USING gist (search)"],
    );
}

#[test]
fn written_entities_describe_a_legacy_mariadb_database_exactly() {
    let db = MyDatabase::create();
    prove(
        db.url(),
        include_str!("../../src/legacy/mysql/schema.sql"),
        "mysql",
        Options::default(),
        tests::written::mysql::autogen_indexes::all,
        &["view product_stock"],
    );
}

#[test]
fn written_entities_describe_a_legacy_sqlite_database_exactly() {
    let file = SqliteFile::create();
    prove(
        &file.url(),
        include_str!("../../src/legacy/sqlite/schema.sql"),
        "sqlite",
        Options::default(),
        tests::written::sqlite::autogen_indexes::all,
        &["trigger product_touch", "view product_stock"],
    );
}

/// The command: a missing directory and a hand-written file in the way are
/// one line each, nothing written; over sea-orm-cli's files it replaces
/// them, removes a generated file whose table is gone and regenerates lib.rs.
#[test]
fn the_entities_command_replaces_generated_files_and_refuses_hand_written_ones() {
    use crate::cli_common::Autogen;
    let file = SqliteFile::create();
    block_on(async {
        let db = connect(&file.url()).await.expect("connect");
        db.execute_unprepared(include_str!("../../src/legacy/sqlite/schema.sql"))
            .await
            .expect("load the legacy schema");
        let _ = db.close().await;
    });
    let cwd = tests::support::temp_dir();
    let ag = Autogen::new(&file.url()).in_dir(cwd.path());

    let line = ag
        .run(&["entities", "--dir", "nowhere/src"])
        .one_line_error()
        .to_owned();
    assert!(
        line.contains("nowhere/src is not a directory") && line.contains("--dir"),
        "{line}"
    );

    let src = cwd.path().join("entity/src");
    std::fs::create_dir_all(&src).expect("mkdir");
    let own = "//! my own store\npub struct Mine;\n";
    std::fs::write(src.join("store.rs"), own).expect("write");
    let line = ag.run(&["entities"]).one_line_error().to_owned();
    assert!(
        line.contains("store.rs") && line.contains("--force"),
        "{line}"
    );
    let left: Vec<_> = std::fs::read_dir(&src).expect("ls").collect();
    assert_eq!(left.len(), 1, "nothing written");

    std::fs::write(
        src.join("store.rs"),
        "//! @generated by sea-orm-codegen 2.0\n",
    )
    .expect("write");
    std::fs::write(
        src.join("gone.rs"),
        "//! @generated by sea-orm-codegen 2.0\n",
    )
    .expect("write");
    std::fs::write(
        src.join("lib.rs"),
        "//! @generated by sea-orm-codegen 2.0\npub mod gone;\n",
    )
    .expect("write");
    let run = ag.run(&["--json", "entities"]);
    run.ok();
    let out = run.json();
    assert_eq!(out["entities"].as_array().map(Vec::len), Some(5), "{run}");
    assert_eq!(out["removed"], serde_json::json!(["gone.rs"]), "{run}");
    assert!(!src.join("gone.rs").exists());
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    assert!(
        lib.contains("pub mod store;") && !lib.contains("gone"),
        "{lib}"
    );
    let store = std::fs::read_to_string(src.join("store.rs")).expect("store.rs");
    assert!(store.contains("table_name = \"store\""), "{store}");
}
