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
