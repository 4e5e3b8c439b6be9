use super::*;

#[test]
fn types_lose_display_widths_and_keep_what_matters() {
    use ColumnType::*;
    for (column_type, data_type, want) in [
        ("int(11)", "int", Integer),
        ("int", "int", Integer),
        ("bigint(20)", "bigint", BigInt),
        ("smallint(6)", "smallint", SmallInt),
        ("tinyint(1)", "tinyint", Boolean),
        ("tinyint(4)", "tinyint", Custom("tinyint".into())),
        ("int(10) unsigned", "int", Custom("int unsigned".into())),
        (
            "bigint(20) unsigned",
            "bigint",
            Custom("bigint unsigned".into()),
        ),
        ("varchar(150)", "varchar", String(Some(150))),
        ("char(3)", "char", Char(Some(3))),
        ("decimal(10,2)", "decimal", Decimal(Some((10, 2)))),
        ("datetime", "datetime", Custom("datetime".into())),
        ("timestamp", "timestamp", TimestampTz),
        ("datetime(6)", "datetime", Custom("datetime(6)".into())),
        ("binary(16)", "binary", Custom("binary(16)".into())),
        (
            "enum('On','off')",
            "enum",
            Custom("enum('On','off')".into()),
        ),
    ] {
        assert_eq!(parse_type(column_type, data_type), want, "{column_type}");
    }
}

#[test]
fn defaults_of_mariadb_and_mysql_read_alike() {
    assert_eq!(canonical_default("NULL", "varchar", "", true), None);
    assert_eq!(
        canonical_default("'UTC'", "varchar", "", true),
        Some("'UTC'".into())
    );
    assert_eq!(
        canonical_default("current_timestamp()", "timestamp", "", true),
        Some("CURRENT_TIMESTAMP".into())
    );
    assert_eq!(
        canonical_default("UTC", "varchar", "", false),
        Some("'UTC'".into())
    );
    assert_eq!(
        canonical_default("CURRENT_TIMESTAMP", "timestamp", "default_generated", false),
        Some("CURRENT_TIMESTAMP".into())
    );
    assert_eq!(
        canonical_default("300", "int", "", false),
        Some("300".into())
    );
}
