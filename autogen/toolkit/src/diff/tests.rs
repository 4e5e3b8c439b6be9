//! Table-driven tests of the diff: schemas before and after in a few lines.

use super::*;
use crate::schema::build::{col, schema, table};
use crate::schema::{Column, ColumnType, FkAction, Unmanaged, UnmanagedKind};

fn ops(d: &Diff) -> Vec<String> {
    d.changes
        .iter()
        .map(|c| {
            serde_json::to_value(c).unwrap()["op"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn runbooks(extra: Vec<Column>) -> Table {
    let mut cols = vec![col("name", ColumnType::String(Some(255)), false)];
    cols.extend(extra);
    table("runbooks", cols)
}

#[test]
fn table_driven_changes() {
    let s = ColumnType::String(Some(100));
    let cases: Vec<(&str, Schema, Schema, DiffOptions, Vec<&str>)> = vec![
        (
            "identical schemas",
            schema(vec![runbooks(vec![])]),
            schema(vec![runbooks(vec![])]),
            DiffOptions::default(),
            vec![],
        ),
        (
            "added column",
            schema(vec![runbooks(vec![])]),
            schema(vec![runbooks(vec![col("new_field", s.clone(), true)])]),
            DiffOptions::default(),
            vec!["add_column"],
        ),
        (
            "dropped column",
            schema(vec![runbooks(vec![col("old", s.clone(), true)])]),
            schema(vec![runbooks(vec![])]),
            DiffOptions::default(),
            vec!["drop_column"],
        ),
        (
            "type and nullability change is one alter",
            schema(vec![runbooks(vec![col("c", s.clone(), true)])]),
            schema(vec![runbooks(vec![col("c", ColumnType::Text, false)])]),
            DiffOptions::default(),
            vec!["alter_column"],
        ),
        (
            "unknown table is kept by default",
            schema(vec![runbooks(vec![]), table("legacy", vec![])]),
            schema(vec![runbooks(vec![])]),
            DiffOptions::default(),
            vec![],
        ),
        (
            "unknown table dropped with drop_unknown",
            schema(vec![runbooks(vec![]), table("legacy", vec![])]),
            schema(vec![runbooks(vec![])]),
            DiffOptions {
                drop_unknown: true,
                ..DiffOptions::default()
            },
            vec!["drop_table"],
        ),
        (
            "bookkeeping table is never compared",
            schema(vec![runbooks(vec![]), table("seaql_migrations", vec![])]),
            schema(vec![runbooks(vec![])]),
            DiffOptions {
                drop_unknown: true,
                ..DiffOptions::default()
            },
            vec![],
        ),
        (
            "excluded tables are left alone",
            schema(vec![runbooks(vec![]), table("audit_2024", vec![])]),
            schema(vec![runbooks(vec![])]),
            DiffOptions {
                drop_unknown: true,
                exclude: vec!["audit_*".into()],
                ..DiffOptions::default()
            },
            vec![],
        ),
        (
            "only included tables, outside excluded schemas, are compared",
            schema(vec![
                runbooks(vec![]),
                table("legacy", vec![]),
                table("audit.log", vec![]),
            ]),
            schema(vec![runbooks(vec![])]),
            DiffOptions {
                drop_unknown: true,
                include: vec!["run*".into(), "audit.*".into()],
                exclude_schemas: vec!["audit".into()],
                ..DiffOptions::default()
            },
            vec![],
        ),
        (
            "declared column rename",
            schema(vec![runbooks(vec![col("title", s.clone(), false)])]),
            schema(vec![runbooks(vec![col("label", s.clone(), false)])]),
            DiffOptions {
                column_renames: [(
                    ("runbooks".to_owned(), "title".to_owned()),
                    "label".to_owned(),
                )]
                .into(),
                ..DiffOptions::default()
            },
            vec!["rename_column"],
        ),
        (
            "declared table rename",
            schema(vec![table("tag", vec![])]),
            schema(vec![table("tags", vec![])]),
            DiffOptions {
                table_renames: [("tag".to_owned(), "tags".to_owned())].into(),
                ..DiffOptions::default()
            },
            vec!["rename_table"],
        ),
        (
            "undeclared rename is drop + add",
            schema(vec![runbooks(vec![col("title", s.clone(), false)])]),
            schema(vec![runbooks(vec![col("label", s.clone(), false)])]),
            DiffOptions::default(),
            vec!["add_column", "drop_column"],
        ),
    ];
    for (name, from, to, opts, want) in cases {
        assert_eq!(ops(&diff(&from, &to, &opts)), want, "{name}");
    }
}

#[test]
fn renamed_from_on_the_entity_is_a_rename() {
    let from = schema(vec![runbooks(vec![col("title", ColumnType::Text, false)])]);
    let mut label = col("label", ColumnType::Text, false);
    label.renamed_from = Some("title".into());
    let to = schema(vec![runbooks(vec![label])]);
    assert_eq!(
        ops(&diff(&from, &to, &DiffOptions::default())),
        vec!["rename_column"]
    );
}

#[test]
fn same_typed_drop_and_add_is_a_rename_candidate() {
    let from = schema(vec![runbooks(vec![col("title", ColumnType::Text, false)])]);
    let to = schema(vec![runbooks(vec![col("label", ColumnType::Text, false)])]);
    let d = diff(&from, &to, &DiffOptions::default());
    assert_eq!(
        d.rename_candidates,
        vec![RenameCandidate::Column {
            table: "runbooks".into(),
            from: "title".into(),
            to: "label".into()
        }]
    );
}

#[test]
fn index_and_constraint_names_do_not_matter() {
    let mut a = runbooks(vec![]);
    a.indexes.push(Index {
        name: "runbooks_name_key".into(),
        columns: vec!["name".into()],
        unique: true,
        constraint: true,
    });
    let mut b = runbooks(vec![]);
    b.indexes.push(Index {
        name: "idx-runbooks-name".into(),
        columns: vec!["name".into()],
        unique: true,
        constraint: false,
    });
    assert!(
        diff(&schema(vec![a]), &schema(vec![b]), &DiffOptions::default())
            .changes
            .is_empty()
    );
}

#[test]
fn foreign_key_action_change_is_drop_and_add() {
    let fk = |on_delete| ForeignKey {
        name: "fk".into(),
        columns: vec!["parent_id".into()],
        ref_table: "runbooks".into(),
        ref_schema: None,
        ref_columns: vec!["id".into()],
        on_delete,
        on_update: FkAction::NoAction,
    };
    let mut a = table("steps", vec![col("parent_id", ColumnType::Integer, false)]);
    a.foreign_keys.push(fk(FkAction::Cascade));
    let mut b = a.clone();
    b.foreign_keys[0] = fk(FkAction::SetNull);
    let d = diff(
        &schema(vec![runbooks(vec![]), a]),
        &schema(vec![runbooks(vec![]), b]),
        &DiffOptions::default(),
    );
    assert_eq!(ops(&d), vec!["drop_foreign_key", "add_foreign_key"]);
}

#[test]
fn enums_created_extended_and_dropped() {
    let mut from = schema(vec![]);
    from.enums
        .insert("status".into(), vec!["a".into(), "b".into()]);
    from.enums.insert("gone".into(), vec!["x".into()]);
    let mut to = schema(vec![]);
    to.enums
        .insert("status".into(), vec!["a".into(), "ab".into(), "b".into()]);
    to.enums.insert("fresh".into(), vec!["y".into()]);
    assert_eq!(
        ops(&diff(&from, &to, &DiffOptions::default())),
        vec!["create_enum", "alter_enum", "drop_enum"]
    );
}

#[test]
fn every_change_reverses_to_its_inverse() {
    let from = schema(vec![runbooks(vec![col("a", ColumnType::Integer, true)])]);
    let to = schema(vec![
        runbooks(vec![
            col("a", ColumnType::BigInt, false),
            col("b", ColumnType::Text, true),
        ]),
        table("x", vec![]),
    ]);
    let forward = diff(&from, &to, &DiffOptions::default()).changes;
    let backward = diff(
        &to,
        &from,
        &DiffOptions {
            drop_unknown: true,
            ..DiffOptions::default()
        },
    )
    .changes;
    let mut reversed: Vec<_> = forward.iter().map(|c| c.reverse()).collect();
    let key = |c: &crate::change::Change| c.describe();
    reversed.sort_by_key(key);
    let mut backward = backward;
    backward.sort_by_key(key);
    assert_eq!(reversed, backward);
}

#[test]
fn globs_match_stars_and_question_marks() {
    use crate::diff::glob_match;
    for (pattern, name, expected) in [
        ("audit_*", "audit_2024", true),
        ("audit_*", "audit", false),
        ("*_log", "job_log", true),
        ("ops.*", "ops.jobs", true),
        ("ops.*", "jobs", false),
        ("t?", "t1", true),
        ("t?", "t12", false),
        ("exact", "exact", true),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXbY", false),
        ("*", "", true),
    ] {
        assert_eq!(glob_match(pattern, name), expected, "{pattern} ~ {name}");
    }
}

#[test]
fn an_ignored_column_is_unmanaged_never_dropped_and_keeps_its_index() {
    let search = col("search", ColumnType::Custom("tsvector".into()), true);
    let mut live = table(
        "product",
        vec![col("title", ColumnType::Text, false), search.clone()],
    );
    live.indexes.push(Index {
        name: "idx_product_search".into(),
        columns: vec!["search".into()],
        unique: false,
        constraint: false,
    });
    live.indexes.push(Index {
        name: "idx_legacy".into(),
        columns: vec!["title".into()],
        unique: true,
        constraint: false,
    });
    let target = table("product", vec![col("title", ColumnType::Text, false)]);
    let (live, target) = (schema(vec![live]), schema(vec![target]));
    // Without the marker: the column and both indexes go.
    let plain = diff(&live, &target, &DiffOptions::default());
    assert_eq!(ops(&plain), ["drop_index", "drop_index", "drop_column"]);
    let opts = DiffOptions {
        unmanaged_columns: vec!["product.search".into()],
        unmanaged_indexes: vec!["idx_leg*".into()],
        ..DiffOptions::default()
    };
    let d = diff(&live, &target, &opts);
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert_eq!(d.unmanaged.len(), 3, "{:?}", d.unmanaged);
    assert!(
        d.unmanaged[0].contains("product.search"),
        "{:?}",
        d.unmanaged
    );
    assert!(d.unmanaged.iter().any(|u| u.contains("idx_product_search")));
    // A declared column that is unmanaged is not altered to the entity's type either.
    let declared = schema(vec![table(
        "product",
        vec![
            col("title", ColumnType::Text, false),
            col("search", ColumnType::Text, true),
        ],
    )]);
    assert!(diff(&live, &declared, &opts).changes.is_empty());
}

#[test]
fn a_type_change_under_a_view_is_held_back_the_rest_stays() {
    let live = schema(vec![table(
        "product",
        vec![
            Column {
                default: Some("'x'".into()),
                ..col("title", ColumnType::String(Some(120)), false)
            },
            col("sku", ColumnType::Char(Some(12)), false),
        ],
    )]);
    let target = schema(vec![table(
        "product",
        vec![
            col("title", ColumnType::String(None), false),
            col("sku", ColumnType::String(None), false),
        ],
    )]);
    let mut live = live;
    live.unmanaged.push(
        Unmanaged::new(UnmanagedKind::View, "product_stock", None).defined_as(
            "SELECT p.product_id, p.title FROM (product p JOIN inventory i USING (product_id))",
        ),
    );
    let mut d = diff(&live, &target, &DiffOptions::default());
    assert_eq!(d.changes.len(), 2);
    hold_back_view_columns(&mut d, &live);
    let described: Vec<String> = d.changes.iter().map(Change::describe).collect();
    assert_eq!(
        described,
        [
            "changed column 'product.title': default 'x' -> none",
            "changed column 'product.sku': type char(12) -> varchar"
        ]
    );
    assert!(
        d.unmanaged[0].contains("product_stock"),
        "{:?}",
        d.unmanaged
    );
}
