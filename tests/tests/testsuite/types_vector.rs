//! pgvector's `vector`: the extension cannot be installed on the test
//! server, so nothing here needs one. SeaORM renders the entity's DDL, and a
//! schema holding `vector(3)` diffs, plans and renders without panicking.

use sea_orm_migration::sea_orm::DbBackend;
use seaorm_autogen::change::Change;
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::{DiffOptions, diff};
use seaorm_autogen::plan::up_and_down;
use seaorm_autogen::render::{MigrationSource, render_migration};
use seaorm_autogen::schema::{Column, ColumnType, Schema, Table};
use seaorm_autogen::source::entities::entity_ddl;
use tests::support::block_on;
use tests::zoo::{pg_vector, source};

#[test]
fn vector_entity_renders_postgres_ddl() {
    let ddl =
        block_on(entity_ddl(&source(pg_vector::PREFIX), DbBackend::Postgres)).expect("entity DDL");
    let create = ddl
        .iter()
        .find(|s| s.contains("zoo_embeddings"))
        .unwrap_or_else(|| panic!("no CREATE TABLE for the vector entity in {ddl:#?}"));
    assert!(
        create.contains("\"embedding\" vector(3) NOT NULL"),
        "{create}"
    );
    assert!(create.contains("\"free\" vector"), "{create}");
}

fn embeddings(ty: &str) -> Schema {
    let column = |name: &str, ty: ColumnType| Column {
        name: name.into(),
        ty,
        nullable: false,
        default: None,
        auto_increment: false,
        comment: None,
        renamed_from: None,
        sequence: Default::default(),
        base_type: None,
        attrs: Default::default(),
    };
    let table = Table {
        name: "zoo_embeddings".into(),
        columns: vec![
            Column {
                auto_increment: true,
                ..column("id", ColumnType::Integer)
            },
            column("embedding", ColumnType::Custom(ty.into())),
        ],
        primary_key: vec!["id".into()],
        primary_key_name: "zoo_embeddings_pkey".into(),
        ..Table::default()
    };
    Schema {
        tables: [(table.name.clone(), table)].into(),
        ..Schema::default()
    }
}

fn render(from: &Schema, to: &Schema) -> (Vec<Change>, String) {
    let changes = diff(from, to, &DiffOptions::default()).changes;
    let (ordered, up, down) = up_and_down(&changes, from, to, Backend::Postgres);
    let file = render_migration(&MigrationSource {
        revision: "m20990101_000000_vector",
        parents: &[],
        message: "vector",
        created: "2099-01-01 00:00:00 UTC",
        changes: &ordered,
        backend: Backend::Postgres,
        up: &up,
        down: &down,
        origin: "test",
        note: None,
        transactional: true,
    })
    .expect("render the migration");
    (ordered, file)
}

#[test]
fn vector_columns_are_created_and_altered_as_custom_types() {
    let (created, file) = render(&Schema::default(), &embeddings("vector(3)"));
    assert_eq!(created.len(), 1, "{created:?}");
    assert!(file.contains(".custom(\"vector(3)\")"), "{file}");

    let (altered, file) = render(&embeddings("vector(3)"), &embeddings("vector(4)"));
    assert!(
        matches!(altered.as_slice(), [Change::AlterColumn { .. }]),
        "{altered:?}"
    );
    assert!(file.contains(".custom(\"vector(4)\")"), "{file}");
    assert!(file.contains("::vector(4)"), "USING cast: {file}");
    assert!(file.contains("::vector(3)"), "down USING cast: {file}");
}
