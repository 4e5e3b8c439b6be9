//! Entities written the way `sea-orm-cli generate entity` writes them
//! (`DeriveEntityModel` + `Relation` enum, no `#[sea_orm::model]`) are found
//! through the registry and generate a migration from scratch that applies,
//! reaches the fixpoint and rolls back to nothing. See `tests/src/zoo/classic_*`.

use seaorm_autogen::schema::{ColumnType, FkAction};
use tests::support::{PgDatabase, SqliteFile};
use tests::zoo::{classic_pg, classic_sqlite, prove_from_scratch};

fn check_shape(schema: &seaorm_autogen::schema::Schema) {
    let cake_filling = &schema.tables["cake_filling"];
    assert_eq!(
        cake_filling.primary_key,
        ["cake_id", "filling_id"],
        "composite primary key"
    );
    let to_cake = cake_filling
        .foreign_keys
        .iter()
        .find(|fk| fk.ref_table == "cake")
        .expect("cake_filling → cake");
    assert_eq!(
        (to_cake.on_delete, to_cake.on_update),
        (FkAction::Cascade, FkAction::NoAction)
    );
    let to_filling = cake_filling
        .foreign_keys
        .iter()
        .find(|fk| fk.ref_table == "filling")
        .expect("cake_filling → filling");
    assert_eq!(
        (to_filling.on_delete, to_filling.on_update),
        (FkAction::Restrict, FkAction::Cascade)
    );
    let fruit = &schema.tables["fruit"];
    assert_eq!(fruit.foreign_keys.len(), 1, "fruit → cake");
    assert_eq!(fruit.foreign_keys[0].on_delete, FkAction::SetNull);
    for table in ["cake", "filling"] {
        assert!(
            schema.tables[table]
                .indexes
                .iter()
                .any(|i| i.unique && i.columns == ["name"]),
            "{table}.name is unique"
        );
    }
}

#[test]
fn classic_entities_on_postgres() {
    let db = PgDatabase::create();
    let (schema, created) = prove_from_scratch(db.url(), classic_pg::PREFIX, "");
    assert_eq!(schema.tables.len(), classic_pg::TABLES, "tables found");
    // Four tables and the native enum type.
    assert_eq!(created.len(), classic_pg::TABLES + 1, "{created:#?}");
    check_shape(&schema);
    assert_eq!(
        schema.enums.get("flavor"),
        Some(&vec![
            "bitter".to_owned(),
            "sour".to_owned(),
            "sweet".to_owned()
        ])
    );
    let cake = &schema.tables["cake"];
    let ty = |c: &str| cake.column(c).map(|c| c.ty.clone());
    assert_eq!(ty("flavor"), Some(ColumnType::Enum("flavor".into())));
    assert_eq!(ty("tags").map(|t| t.sql()), Some("varchar[]".into()));
    assert_eq!(ty("layers").map(|t| t.sql()), Some("smallint[]".into()));
}

#[test]
fn classic_entities_on_sqlite() {
    let file = SqliteFile::create();
    let (schema, created) = prove_from_scratch(&file.url(), classic_sqlite::PREFIX, "");
    assert_eq!(schema.tables.len(), classic_sqlite::TABLES, "tables found");
    assert_eq!(created.len(), classic_sqlite::TABLES, "{created:#?}");
    check_shape(&schema);
}
