use super::*;

#[test]
fn renamed_from_is_split_off_the_comment() {
    assert_eq!(
        split_renamed_from(Some("renamed_from \"title\"".into())),
        (None, Some("title".into()))
    );
    assert_eq!(
        split_renamed_from(Some("Shown in the UI; renamed_from \"title\"".into())),
        (Some("Shown in the UI".into()), Some("title".into()))
    );
    assert_eq!(
        split_renamed_from(Some("plain".into())),
        (Some("plain".into()), None)
    );
}

#[test]
fn widening_and_narrowing() {
    use ColumnType::*;
    assert!(Integer.widens_to(&BigInt));
    assert!(!BigInt.widens_to(&Integer));
    assert!(String(Some(100)).widens_to(&String(Some(255))));
    assert!(!String(Some(255)).widens_to(&String(Some(100))));
    assert!(String(Some(10)).widens_to(&Text));
    assert!(!Text.widens_to(&String(Some(10))));
}

#[test]
fn widening_table() {
    use ColumnType::*;
    let array = |t: ColumnType| Array(Box::new(t));
    let custom = |t: &str| Custom(t.into());
    for (from, to, widens) in [
        (SmallInt, BigInt, true),
        (Integer, Decimal(None), true),
        (Decimal(Some((10, 2))), Decimal(Some((12, 2))), true),
        (Decimal(Some((10, 2))), Decimal(Some((12, 4))), true),
        (Decimal(Some((10, 2))), Decimal(Some((11, 4))), false),
        (Decimal(Some((12, 2))), Decimal(Some((10, 2))), false),
        (Decimal(Some((10, 2))), Decimal(None), true),
        (Char(Some(3)), Char(Some(5)), true),
        (Char(Some(5)), Char(Some(3)), false),
        (Date, Timestamp, true),
        (Timestamp, Date, false),
        // Arrays widen element by element.
        (array(Text), array(String(None)), true),
        (array(String(None)), array(Text), true),
        (array(String(Some(20))), array(Text), true),
        (array(String(Some(20))), array(String(Some(40))), true),
        (array(Text), array(String(Some(20))), false),
        (array(SmallInt), array(Integer), true),
        (array(BigInt), array(Integer), false),
        (array(Text), Text, false),
        (Text, array(Text), false),
        // Custom types as PostgreSQL spells them.
        (custom("cidr"), custom("inet"), true),
        (custom("inet"), custom("cidr"), false),
        (custom("macaddr"), custom("macaddr8"), true),
        (custom("macaddr8"), custom("macaddr"), false),
        (custom("bit(8)"), custom("bit varying(16)"), true),
        (custom("bit(8)"), custom("bit varying(4)"), false),
        (custom("bit varying(16)"), custom("bit varying(32)"), true),
        (custom("bit varying(32)"), custom("bit varying(16)"), false),
        (custom("bit varying(32)"), custom("bit varying"), true),
        (custom("bit(8)"), custom("bit(16)"), false),
        (custom("interval(3)"), custom("interval"), true),
        (custom("interval"), custom("interval(3)"), false),
        (
            custom("timestamp(3) with time zone"),
            custom("timestamp with time zone"),
            true,
        ),
        (
            custom("timestamp(3) with time zone"),
            custom("timestamp(3) without time zone"),
            false,
        ),
        (custom("tsvector"), custom("tsvector"), true),
        // Widenings that cannot fail on real schemas (issue 27).
        (Char(Some(20)), String(Some(255)), true),
        (Char(Some(20)), String(Some(10)), false),
        (custom("nvarchar(45)"), Text, true),
        (custom("nvarchar(45)"), String(Some(45)), true),
        (custom("nvarchar(45)"), String(Some(20)), false),
        (custom("nchar(2)"), custom("nvarchar(10)"), true),
        (Boolean, custom("tinyint"), true),
        (custom("tinyint"), Boolean, true),
        (custom("year(4)"), Integer, true),
        (custom("year"), BigInt, true),
        (custom("year(4)"), SmallInt, false),
        (custom("vector(3)"), custom("vector(4)"), false),
        (array(custom("cidr")), array(custom("inet")), true),
    ] {
        assert_eq!(
            from.widens_to(&to),
            widens,
            "{} -> {}",
            from.sql(),
            to.sql()
        );
    }
}

#[test]
fn arrays_are_spelled_by_their_element() {
    use ColumnType::*;
    assert_eq!(Array(Box::new(String(Some(20)))).sql(), "varchar(20)[]");
    assert_eq!(Array(Box::new(Text)).sql(), "text[]");
    assert_eq!(
        Array(Box::new(Array(Box::new(SmallInt)))).sql(),
        "smallint[][]"
    );
}
