//! Unit tests of the entity writer: what each schema object becomes in
//! the written files.

use super::*;
use crate::schema::build::{col, schema, table};
use crate::schema::{FkAction, ForeignKey, Index};

fn file<'a>(written: &'a EntityFiles, name: &str) -> &'a str {
    written
        .files
        .iter()
        .find(|(f, _)| f == name)
        .map(|(_, c)| c.as_str())
        .unwrap_or_else(|| panic!("no {name} in {:?}", written.files))
}

fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index {
        name: name.into(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        unique,
        constraint: false,
    }
}

#[test]
fn defaults_and_on_update_are_declared_as_seaorm_accepts_them() {
    for (backend, default, want) in [
        (
            DbBackend::Postgres,
            "CURRENT_TIMESTAMP",
            vec![r#"default_expr = "sea_orm::sea_query::Expr::cust(\"CURRENT_TIMESTAMP\")""#],
        ),
        (
            DbBackend::Postgres,
            "'it''s'::character varying",
            vec![
                r#"default_expr = "sea_orm::sea_query::Expr::cust(\"'it''s'::character varying\")""#,
            ],
        ),
        (
            DbBackend::MySql,
            "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
            vec![
                r#"default_expr = "sea_orm::sea_query::Expr::cust(\"CURRENT_TIMESTAMP\")""#,
                r#"extra = "ON UPDATE CURRENT_TIMESTAMP""#,
            ],
        ),
        (
            DbBackend::MySql,
            "NULL ON UPDATE CURRENT_TIMESTAMP",
            vec![r#"extra = "ON UPDATE CURRENT_TIMESTAMP""#],
        ),
        (DbBackend::Sqlite, "9.99", vec![r#"Expr::cust(\"9.99\")"#]),
    ] {
        let mut c = col("at", ColumnType::Timestamp, true);
        // MySQL's `ON UPDATE` is the column's typed attribute.
        match default.split_once(" ON UPDATE ") {
            Some((d, u)) => {
                c.default = (d != "NULL").then(|| d.into());
                c.attrs.on_update = Some(u.into());
            }
            None => c.default = Some(default.into()),
        }
        let written = write(
            &schema(vec![table("t", vec![c])]),
            backend,
            &Options::default(),
        );
        let text = file(&written, "t.rs");
        for w in &want {
            assert!(
                text.contains(w),
                "{backend:?} {default}: {w} not in\n{text}"
            );
        }
        if default.starts_with("NULL") {
            assert!(!text.contains("default_expr"), "{text}");
        }
    }
}

#[test]
fn indexes_go_to_attributes_or_to_the_extra_list_in_database_order() {
    let mut t = table(
        "shop",
        vec![
            col("a", ColumnType::Integer, false),
            col("b", ColumnType::Integer, false),
            col("c", ColumnType::Integer, false),
        ],
    );
    t.indexes = vec![
        index("u_a", &["a"], true),
        index("i_a", &["a"], false), // a is unique already: extra
        index("i_b", &["b"], false),
        index("i_b2", &["b"], false),     // a second index on b: extra
        index("u_bc", &["b", "c"], true), // field order: unique_key
        index("u_cb", &["c", "b"], true), // not field order: extra
        index("i_ca", &["c", "a"], false),
    ];
    let written = write(&schema(vec![t]), DbBackend::Postgres, &Options::default());
    let text = file(&written, "shop.rs");
    assert!(
        text.contains("column_type = \"Integer\", unique)]\n    pub a"),
        "{text}"
    );
    assert!(
        text.contains("indexed, unique_key = \"u_bc\")]\n    pub b"),
        "{text}"
    );
    assert!(
        text.contains("unique_key = \"u_bc\")]\n    pub c"),
        "{text}"
    );
    assert_eq!(written.extra_indexes, 4);
    let extra = file(&written, "autogen_indexes.rs");
    assert!(extra.contains("use sea_orm::sea_query::{Index, IndexCreateStatement};"));
    let none = write(
        &schema(vec![table("bare", vec![])]),
        DbBackend::Postgres,
        &Options::default(),
    );
    assert!(
        file(&none, "autogen_indexes.rs").contains("use sea_orm::sea_query::IndexCreateStatement;"),
        "no extra index, no unused import"
    );
    let names: Vec<usize> = ["\"i_a\"", "\"i_b2\"", "\"u_cb\"", "\"i_ca\""]
        .iter()
        .map(|n| extra.find(n).unwrap_or_else(|| panic!("{n} in {extra}")))
        .collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "database order: {extra}"
    );
    assert!(extra.contains(".col(\"c\")\n            .col(\"b\")\n            .unique()"));
}

#[test]
fn a_composite_key_keeps_its_order_and_serial_its_flavour() {
    let mut t = table("pairs", vec![col("x", ColumnType::Integer, false)]);
    t.primary_key = vec!["x".into(), "id".into()];
    t.columns[0].sequence = Sequence::Serial;
    let written = write(&schema(vec![t]), DbBackend::Postgres, &Options::default());
    let text = file(&written, "pairs.rs");
    let x = text.find("pub x").expect("x");
    let id = text.find("pub id").expect("id");
    assert!(x < id, "key order x, id: {text}");
    assert!(
        text.contains(
            "primary_key, auto_increment = false, column_type = \"custom(\\\"serial\\\")\""
        ),
        "{text}"
    );
    // Every auto-increment key serial: the cargo feature instead.
    let mut t = table("plain", vec![]);
    t.columns[0].sequence = Sequence::Serial;
    let written = write(&schema(vec![t]), DbBackend::Postgres, &Options::default());
    assert!(written.features.contains("postgres-use-serial-pk"));
    assert!(
        file(&written, "plain.rs").contains("#[sea_orm(primary_key, column_type = \"Integer\")]")
    );
}

#[test]
fn hostile_names_are_data() {
    let mut t = table(
        "type",
        vec![
            col("self", ColumnType::Text, false),
            col("\"); panic!(\"", ColumnType::Text, false),
            col("Fn", ColumnType::Text, false),
        ],
    );
    t.comment = Some("a \"quoted\" comment\nover two lines".into());
    t.foreign_keys.push(ForeignKey {
        name: "fk".into(),
        columns: vec!["self".into()],
        ref_table: "type".into(),
        ref_schema: None,
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    });
    let written = write(&schema(vec![t]), DbBackend::Postgres, &Options::default());
    let text = file(&written, "type.rs");
    assert!(written.root.contains("pub mod r#type;"), "{}", written.root);
    assert!(text.contains("table_name = \"type\""));
    assert!(
        text.contains("comment = \"a \\\"quoted\\\" comment\\nover two lines\""),
        "{text}"
    );
    assert!(text.contains("column_name = \"self\""), "{text}");
    assert!(text.contains("pub self_2: String"), "{text}");
    assert!(
        text.contains("column_name = \"\\\"); panic!(\\\"\""),
        "{text}"
    );
    assert!(text.contains("pub panic: String"), "{text}");
    assert!(text.contains("pub r#fn: String"), "{text}");
    assert!(
        text.contains("belongs_to = \"Entity\", from = \"Column::Self2\", to = \"Column::Id\""),
        "{text}"
    );
    assert!(!text.contains("panic!(\"\n"), "{text}");
}

#[test]
fn a_unique_foreign_key_is_has_one_and_a_plain_one_has_many() {
    let fk = |name: &str, column: &str| ForeignKey {
        name: name.into(),
        columns: vec![column.into()],
        ref_table: "person".into(),
        ref_schema: None,
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    };
    let person = table("person", vec![col("name", ColumnType::Text, false)]);
    let mut passport = table(
        "passport",
        vec![col("person_id", ColumnType::Integer, false)],
    );
    passport.indexes = vec![index("u_person", &["person_id"], true)];
    passport.foreign_keys.push(fk("fk_passport", "person_id"));
    let mut post = table("post", vec![col("person_id", ColumnType::Integer, false)]);
    post.indexes = vec![index("i_person", &["person_id"], false)];
    post.foreign_keys.push(fk("fk_post", "person_id"));
    // A key that is also the foreign key: one row at most.
    let mut profile = table("profile", vec![]);
    profile.foreign_keys.push(fk("fk_profile", "id"));
    let written = write(
        &schema(vec![person, passport, post, profile]),
        DbBackend::Postgres,
        &Options::default(),
    );
    let text = file(&written, "person.rs");
    for want in [
        "has_one = \"super::passport::Entity\"",
        "has_many = \"super::post::Entity\"",
        "has_one = \"super::profile::Entity\"",
    ] {
        assert!(text.contains(want), "{want} not in\n{text}");
    }
    assert!(
        text.contains("impl Related<super::passport::Entity> for Entity"),
        "{text}"
    );
}

#[test]
fn an_object_listed_twice_is_listed_once_with_its_definition() {
    let merged = merge_listed(
        vec![
            "trigger last_updated on actor: CREATE TRIGGER last_updated BEFORE UPDATE ON public.actor".into(),
            "view staff_list: SELECT 1".into(),
        ],
        vec![
            "trigger last_updated on actor".into(),
            "trigger last_updated on actor_info".into(),
            "view staff_list".into(),
            "view staff_list".into(),
        ],
    );
    assert_eq!(
        merged,
        [
            "trigger last_updated on actor: CREATE TRIGGER last_updated BEFORE UPDATE ON public.actor",
            "trigger last_updated on actor_info",
            "view staff_list: SELECT 1",
        ]
    );
}

#[test]
fn a_table_without_a_key_is_listed_not_written() {
    let mut t = table("log", vec![col("line", ColumnType::Text, false)]);
    t.primary_key.clear();
    let written = write(&schema(vec![t]), DbBackend::Sqlite, &Options::default());
    assert!(written.entities.is_empty());
    assert!(
        written.undeclared[0].contains("table log: no primary key"),
        "{:?}",
        written.undeclared
    );
}
