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
use seaorm_autogen::source::database::{introspect, introspect_with};
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
    prove_tables(url, sql, module, options, extra_indexes, undeclared, 5, &[]);
}

/// [`prove`] for `tables` tables, reading the other PostgreSQL `schemas` too
/// (what `autogen entities --schema` does).
#[allow(clippy::too_many_arguments)]
fn prove_tables(
    url: &str,
    sql: &str,
    module: &str,
    options: Options,
    extra_indexes: fn() -> Vec<IndexCreateStatement>,
    undeclared: &[&str],
    tables: usize,
    schemas: &[&str],
) {
    block_on(async {
        let db = connect(url).await.expect("connect");
        db.execute_unprepared(sql)
            .await
            .expect("load the legacy schema");
        let backend = db.get_database_backend();
        let schemas = schemas.iter().map(|s| (*s).to_owned()).collect();
        let live = introspect_with(&db, &schemas).await.expect("introspect");
        let written = entities::write(&live, backend, &options);
        for item in undeclared {
            assert!(
                written.undeclared.iter().any(|u| u.contains(item)),
                "{module}: {item:?} not listed as undeclared: {:#?}",
                written.undeclared
            );
        }
        assert_eq!(
            written.entities.len(),
            tables,
            "{module}: one entity per table"
        );

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
            tables,
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

/// What the public sample databases showed beyond the legacy shop
/// (`tests/src/legacy/postgres/samples.sql`): a clock-reading default, a
/// table of another schema (written with `schema_name`), a one-to-one table
/// (has_one), and a partitioned table whose serial key part and defaults
/// live on the parent (its partitions get no entity).
#[test]
fn written_entities_describe_partitions_other_schemas_and_one_to_one_exactly() {
    let db = PgDatabase::create();
    prove_tables(
        db.url(),
        include_str!("../../src/legacy/postgres/samples.sql"),
        "pg_samples",
        Options {
            serial_feature: Some(false),
        },
        tests::written::pg_samples::autogen_indexes::all,
        &[],
        4,
        &["sales"],
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/written/pg_samples");
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let customer = read("customer.rs");
    for want in [
        "has_one = \"super::customer_card::Entity\"",
        "has_many = \"super::payment::Entity\"",
        "Expr::cust(\\\"('now'::text)::date\\\")",
    ] {
        assert!(
            customer.contains(want),
            "{want} not in customer.rs:\n{customer}"
        );
    }
    let region = read("sales_region.rs");
    assert!(
        region.contains("table_name = \"region\", schema_name = \"sales\""),
        "{region}"
    );
    let written = std::fs::read_dir(&dir)
        .expect("the written files")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect::<Vec<_>>();
    assert!(
        !written.iter().any(|f| f.starts_with("payment_p")),
        "a partition got an entity: {written:?}"
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

/// `check` says what it leaves alone, as `diff` and `-m` do: on a database
/// in sync with the entities plus a view and a trigger of the user's own,
/// it exits 0 and names both (they are never compared, never dropped).
#[test]
fn check_prints_the_unmanaged_notes_of_a_database_in_sync() {
    use crate::cli_common::Autogen;
    let file = SqliteFile::create();
    let ag = Autogen::new(&file.url());
    ag.run(&["upgrade"]).ok();
    block_on(async {
        let db = connect(&file.url()).await.expect("connect");
        db.execute_unprepared(
            "CREATE VIEW runbook_names AS SELECT name FROM runbooks;
             CREATE TRIGGER runbooks_touch AFTER UPDATE ON runbooks BEGIN SELECT 1; END;",
        )
        .await
        .expect("a view and a trigger");
        let _ = db.close().await;
    });
    let check = ag.run(&["check"]);
    check.ok();
    for object in ["view runbook_names", "trigger runbooks_touch on runbooks"] {
        assert!(
            check
                .stdout
                .lines()
                .any(|l| l == format!("note: not managed by the entities, left alone: {object}")),
            "{object} not noted:\n{check}"
        );
    }
    assert!(
        check.stdout.trim_end().ends_with("No changes detected"),
        "{check}"
    );
}

/// A default that reads the clock at each insert (sakila's
/// `customer.create_date date DEFAULT ('now'::text)::date`) is written as the
/// database stores it: spelled `'now'::date` it would be folded, when the
/// entity's table is created, into the date of that day (a change `check`
/// reported on every later day).
#[test]
fn a_default_that_reads_the_clock_is_written_as_stored_and_round_trips() {
    let db = PgDatabase::create();
    block_on(async {
        let conn = connect(db.url()).await.expect("connect");
        conn.execute_unprepared(
            "CREATE TABLE customer (customer_id serial PRIMARY KEY,
               create_date date DEFAULT ('now'::text)::date NOT NULL,
               seen timestamp DEFAULT ('today'::text)::timestamp without time zone)",
        )
        .await
        .expect("the table");
        let live = introspect(&conn).await.expect("introspect");
        let written = entities::write(
            &live,
            sea_orm_migration::sea_orm::DbBackend::Postgres,
            &Options::default(),
        );
        let text = &written
            .files
            .iter()
            .find(|(f, _)| f == "customer.rs")
            .expect("customer.rs")
            .1;
        let table = &live.tables["customer"];
        for (column, stored) in [
            ("create_date", "('now'::text)::date"),
            ("seen", "('today'::text)::timestamp without time zone"),
        ] {
            let default = table
                .column(column)
                .and_then(|c| c.default.clone())
                .expect("a default");
            assert_eq!(default, stored, "{column}");
            assert!(
                text.contains(&format!("Expr::cust(\\\"{stored}\\\")")),
                "{column}: {stored} not written:\n{text}"
            );
            // What the entity hands to the server, created again: the same default.
            conn.execute_unprepared(&format!(
                "CREATE TABLE again_{column} (x {} DEFAULT {default})",
                if column == "seen" {
                    "timestamp"
                } else {
                    "date"
                }
            ))
            .await
            .expect("the written default");
        }
        let again = introspect(&conn).await.expect("introspect again");
        for column in ["create_date", "seen"] {
            assert_eq!(
                again.tables[&format!("again_{column}")]
                    .column("x")
                    .and_then(|c| c.default.clone()),
                table.column(column).and_then(|c| c.default.clone()),
                "{column}: the written default is another default"
            );
        }
        let _ = conn.close().await;
    });
}

/// `--schema` names a PostgreSQL schema: one that does not exist, or the
/// flag on SQLite, is one line and nothing written.
#[test]
fn entities_schema_flag_refuses_a_missing_schema_and_other_backends() {
    use crate::cli_common::Autogen;
    let cwd = tests::support::temp_dir();
    let src = cwd.path().join("entity/src");
    std::fs::create_dir_all(&src).expect("mkdir");

    let pg = PgDatabase::create();
    let line = Autogen::new(pg.url())
        .in_dir(cwd.path())
        .run(&["entities", "--schema", "nowhere"])
        .one_line_error()
        .to_owned();
    assert!(
        line.contains("schema nowhere does not exist") && line.contains("nothing was written"),
        "{line}"
    );

    let file = SqliteFile::create();
    let line = Autogen::new(&file.url())
        .in_dir(cwd.path())
        .run(&["entities", "--schema", "sales"])
        .one_line_error()
        .to_owned();
    assert!(line.contains("--schema names PostgreSQL schemas"), "{line}");
    assert_eq!(
        std::fs::read_dir(&src).expect("ls").count(),
        0,
        "nothing written"
    );
}
