//! Column types and defaults as MySQL and MariaDB spell them in
//! `information_schema`, brought to one canonical form.

use crate::schema::ColumnType;

/// `COLUMN_TYPE` → the canonical type. MariaDB still shows display widths
/// (`int(11)`, `bigint(20) unsigned`); they mean nothing and are dropped.
/// `tinyint(1)` is how sea-query's `boolean()` comes back.
pub fn parse_type(column_type: &str, data_type: &str) -> ColumnType {
    let lower = column_type.trim().to_ascii_lowercase();
    let data_type = data_type.trim().to_ascii_lowercase();
    if lower == "tinyint(1)" {
        return ColumnType::Boolean;
    }
    let unsigned = lower.contains(" unsigned");
    let zerofill = lower.contains(" zerofill");
    let suffix = format!(
        "{}{}",
        if unsigned { " unsigned" } else { "" },
        if zerofill { " zerofill" } else { "" }
    );
    let arg = || -> Option<String> {
        let open = lower.find('(')?;
        let close = lower[open..].find(')')? + open;
        Some(lower[open + 1..close].to_owned())
    };
    match data_type.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
            let base = if data_type == "integer" {
                "int"
            } else {
                data_type.as_str()
            };
            match (base, suffix.is_empty()) {
                ("smallint", true) => ColumnType::SmallInt,
                ("int", true) => ColumnType::Integer,
                ("bigint", true) => ColumnType::BigInt,
                _ => ColumnType::Custom(format!("{base}{suffix}")),
            }
        }
        "float" if lower == "float" => ColumnType::Real,
        "double" if lower == "double" => ColumnType::Double,
        "decimal" if suffix.is_empty() => {
            let parsed = arg().and_then(|a| {
                let (p, s) = a.split_once(',')?;
                Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
            });
            ColumnType::Decimal(parsed)
        }
        "varchar" => match arg().and_then(|a| a.trim().parse().ok()) {
            Some(n) => ColumnType::String(Some(n)),
            None => ColumnType::Custom(column_type.to_owned()),
        },
        "char" => match arg().and_then(|a| a.trim().parse().ok()) {
            Some(n) => ColumnType::Char(Some(n)),
            None => ColumnType::Custom(column_type.to_owned()),
        },
        "text" => ColumnType::Text,
        "date" => ColumnType::Date,
        "time" if lower == "time" => ColumnType::Time,
        // sea-query writes `timestamp` for both `timestamp()` and
        // `timestamp_with_time_zone()`, and `datetime` for `date_time()`
        // (no such type in the model: kept as spelled).
        "timestamp" if lower == "timestamp" => ColumnType::TimestampTz,
        "json" => ColumnType::Json,
        // enum('a','B'), set(..): the values keep their case.
        "enum" | "set" => ColumnType::Custom(format!(
            "{data_type}{}",
            &column_type.trim()[data_type.len()..]
        )),
        _ => ColumnType::Custom(lower),
    }
}

/// A default as the server reports it → the spelling the model compares and
/// the step builder reads back (`'text'`, `42`, `CURRENT_TIMESTAMP`, an
/// expression). `None` for no default (MariaDB's `NULL`).
pub fn canonical_default(
    text: &str,
    data_type: &str,
    extra: &str,
    mariadb: bool,
) -> Option<String> {
    let t = text.trim();
    if mariadb {
        if t.eq_ignore_ascii_case("null") {
            return None;
        }
        if t.starts_with('\'') {
            return Some(t.to_owned());
        }
        return Some(canonical_expr(t));
    }
    // MySQL 8: literals bare, expressions flagged in EXTRA.
    if extra.contains("default_generated") {
        return Some(canonical_expr(t));
    }
    let numeric = matches!(
        data_type,
        "tinyint"
            | "smallint"
            | "mediumint"
            | "int"
            | "integer"
            | "bigint"
            | "decimal"
            | "float"
            | "double"
            | "bit"
    );
    if numeric {
        Some(t.to_owned())
    } else {
        Some(format!("'{}'", t.replace('\'', "''")))
    }
}

/// `current_timestamp()` → `CURRENT_TIMESTAMP` (the spelling sea-query
/// writes); other expressions as the server spells them.
pub(super) fn canonical_expr(t: &str) -> String {
    let t = t.trim();
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "current_timestamp()" | "current_timestamp" | "now()" => "CURRENT_TIMESTAMP".into(),
        _ => t.to_owned(),
    }
}
