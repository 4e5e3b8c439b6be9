use super::*;

/// Back to serial (a down()) where the old sequence was never owned by
/// the column, so that the conversion left it (pagila's store): the
/// sequence is taken as it is, not created a second time.
#[test]
fn back_to_serial_keeps_a_sequence_that_outlived_the_conversion() {
    let table = TableName {
        schema: None,
        name: "store".into(),
    };
    let sql = sequence_sql(
        &table,
        "store_id",
        &ColumnType::Integer,
        Some(Sequence::Identity),
        Some(Sequence::Serial),
    );
    assert!(
        sql.contains("CREATE SEQUENCE IF NOT EXISTS \"store_store_id_seq\" AS integer"),
        "{sql}"
    );
    assert!(sql.contains("DROP IDENTITY IF EXISTS"), "{sql}");
}

/// Planned without a database: the statements of each change, rendered.
mod planned {
    use super::*;

    use crate::change::Change;
    use crate::schema::Column;
    use crate::schema::build::{col, schema, table};
    use crate::step::Step;

    fn rendered(steps: &[Step]) -> String {
        steps
            .iter()
            .map(Step::render)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn plan(from: Column, to: Column) -> (String, String) {
        let live = schema(vec![table(
            "t",
            vec![col("id", ColumnType::Integer, false), from.clone()],
        )]);
        let target = schema(vec![table(
            "t",
            vec![col("id", ColumnType::Integer, false), to.clone()],
        )]);
        let change = Change::alter_column("t", from, to);
        let (_, up, down) = crate::plan::up_and_down(&[change], &live, &target, Backend::Postgres);
        (rendered(&up), rendered(&down))
    }

    #[test]
    fn a_type_change_casts_with_using_and_its_down_casts_back() {
        let (up, down) = plan(
            col("c", ColumnType::String(Some(20)), true),
            col("c", ColumnType::Integer, true),
        );
        assert!(
            up.contains(r#".integer().using(Expr::cust("\"c\"::integer"))"#),
            "{up}"
        );
        assert!(
            down.contains(".string_len(20)") && down.contains(".using("),
            "{down}"
        );
    }

    #[test]
    fn nullability_and_default_are_altered_one_attribute_at_a_time() {
        let to = Column {
            default: Some("0".into()),
            ..col("c", ColumnType::Integer, false)
        };
        let (up, down) = plan(col("c", ColumnType::Integer, true), to);
        let (check, default, not_null) = (
            up.find("precheck::no_nulls(manager, \"t\", \"c\"")
                .unwrap_or(usize::MAX),
            up.find(".default(0)").unwrap_or(usize::MAX),
            up.find(".not_null()").unwrap_or(usize::MAX),
        );
        assert!(
            check < not_null && default != usize::MAX && not_null != usize::MAX,
            "{up}"
        );
        assert!(!up.contains(".using("), "no type change, no cast: {up}");
        assert!(down.contains(".null()"), "{down}");
    }

    #[test]
    fn a_not_null_column_without_default_is_added_nullable_backfilled_then_set_not_null() {
        let live = schema(vec![table(
            "t",
            vec![col("id", ColumnType::Integer, false)],
        )]);
        let added = col("n", ColumnType::Integer, false);
        let target = schema(vec![table(
            "t",
            vec![col("id", ColumnType::Integer, false), added.clone()],
        )]);
        let change = Change::AddColumn {
            table: "t".into(),
            column: added,
        };
        let (_, up, _) = crate::plan::up_and_down(&[change], &live, &target, Backend::Postgres);
        let up = rendered(&up);
        let (add, fill, set) = (
            up.find(r#".add_column(ColumnDef::new("n").integer())"#)
                .unwrap_or(usize::MAX),
            up.find("UPDATE \\\"t\\\" SET").unwrap_or(usize::MAX),
            up.find(r#".modify_column(ColumnDef::new("n").not_null())"#)
                .unwrap_or(usize::MAX),
        );
        assert!(add < fill && fill < set && set != usize::MAX, "{up}");
    }
}

/// A reordered primary key (pagila's partitioned `payment`, whose
/// sea-orm-cli entity lists the key's columns the other way round) is made
/// again under the database's name, and its down() finds it by that name.
#[test]
fn a_reordered_primary_key_keeps_the_database_name_both_ways() {
    use crate::change::Change;
    use crate::schema::build::{col, schema, table};
    use crate::step::Step;

    let columns = || {
        vec![
            col("payment_id", ColumnType::Integer, false),
            col("payment_date", ColumnType::TimestampTz, false),
        ]
    };
    let mut live = table("payment", columns());
    live.primary_key = vec!["payment_date".into(), "payment_id".into()];
    live.primary_key_name = "payment_pkey".into();
    let mut target = table("payment", columns());
    target.primary_key = vec!["payment_id".into(), "payment_date".into()];
    target.primary_key_name = "pk-payment".into();
    let change = Change::AlterPrimaryKey {
        table: "payment".into(),
        from: live.primary_key.clone(),
        to: target.primary_key.clone(),
    };
    let (live, target) = (schema(vec![live]), schema(vec![target]));
    let (_, up, down) = crate::plan::up_and_down(&[change], &live, &target, Backend::Postgres);
    let text = |steps: &[Step]| {
        steps
            .iter()
            .map(Step::render)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (up, down) = (text(&up), text(&down));
    assert!(
        !up.contains("pk-payment") && !down.contains("pk-payment"),
        "{up}\n{down}"
    );
    assert!(
        up.contains(r#"DROP CONSTRAINT \"payment_pkey\""#)
            && up.contains(
                r#"ADD CONSTRAINT \"payment_pkey\" PRIMARY KEY (\"payment_id\", \"payment_date\")"#
            ),
        "{up}"
    );
    assert!(
        down.contains(r#"DROP CONSTRAINT \"payment_pkey\""#)
            && down.contains(
                r#"ADD CONSTRAINT \"payment_pkey\" PRIMARY KEY (\"payment_date\", \"payment_id\")"#
            ),
        "{down}"
    );
}
