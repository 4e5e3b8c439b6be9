//! How a column's type is declared on an entity field: the `column_type`
//! attribute (what SeaORM hands to sea-query, so what the server creates)
//! and the Rust type of the field. A type sea-query has a variant for is
//! declared as that variant; anything else as `custom("...")`, spelled as
//! the catalog spells it, so the server creates the very same type
//! (`mediumint unsigned`, `set('a','b')`, `tsvector`, a domain, `nvarchar(45)`).

use sea_orm_migration::sea_orm::DbBackend;

use crate::schema::ColumnType;

/// A field's type, as written in the entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The `column_type = "..."` value (a `sea_orm::prelude::ColumnType` expression).
    pub column_type: String,
    /// The Rust type of the field (without `Option`).
    pub rust: String,
    /// PostgreSQL: how a type without a Rust counterpart is read and written
    /// (`select_as = "text"`, `save_as = "tsvector"`).
    pub select_as: Option<String>,
    pub save_as: Option<String>,
    /// A sea-orm cargo feature the Rust type needs (`postgres-array`).
    pub feature: Option<&'static str>,
    /// Whether the Rust type has no `Eq` (floats).
    pub no_eq: bool,
}

impl Declared {
    fn new(column_type: &str, rust: &str) -> Self {
        Self {
            column_type: column_type.to_owned(),
            rust: rust.to_owned(),
            select_as: None,
            save_as: None,
            feature: None,
            no_eq: rust.contains("f32") || rust.contains("f64"),
        }
    }
}

/// `custom("spelling")`, with the spelling escaped as a Rust string.
pub fn custom(spelling: &str) -> String {
    format!("custom({spelling:?})")
}

/// How to declare a column of type `ty` on `backend`.
pub fn declare(ty: &ColumnType, backend: DbBackend) -> Declared {
    use ColumnType as T;
    let pg = backend == DbBackend::Postgres;
    match ty {
        T::SmallInt => Declared::new("SmallInteger", "i16"),
        T::Integer => Declared::new("Integer", "i32"),
        T::BigInt => Declared::new("BigInteger", "i64"),
        T::Real => Declared::new("Float", "f32"),
        T::Double => Declared::new("Double", "f64"),
        T::Decimal(Some((p, s))) => Declared::new(&format!("Decimal(Some(({p}, {s})))"), "Decimal"),
        T::Decimal(None) => Declared::new("Decimal(None)", "Decimal"),
        T::String(Some(n)) => Declared::new(&format!("String(StringLen::N({n}))"), "String"),
        T::String(None) => Declared::new("String(StringLen::None)", "String"),
        T::Char(Some(n)) => Declared::new(&format!("Char(Some({n}))"), "String"),
        T::Char(None) => Declared::new("Char(None)", "String"),
        T::Text => Declared::new("Text", "String"),
        T::Boolean => Declared::new("Boolean", "bool"),
        T::Date => Declared::new("Date", "Date"),
        T::Time => Declared::new("Time", "Time"),
        T::Timestamp => Declared::new("DateTime", "DateTime"),
        // MySQL's `timestamp` is read as TimestampTz: UTC on the wire.
        T::TimestampTz if backend == DbBackend::MySql => Declared::new("Timestamp", "DateTimeUtc"),
        T::TimestampTz => Declared::new("TimestampWithTimeZone", "DateTimeWithTimeZone"),
        T::Json => Declared::new("Json", "Json"),
        T::JsonBinary => Declared::new("JsonBinary", "Json"),
        T::Uuid => Declared::new("Uuid", "Uuid"),
        T::Binary if pg => Declared::new("VarBinary(StringLen::None)", "Vec<u8>"),
        T::Binary => Declared::new(&custom("blob"), "Vec<u8>"),
        // Native enums are declared by their active enum (see `enums`).
        T::Enum(name) => Declared::new(&custom(name), "String"),
        T::Array(element) => {
            let inner = declare(element, backend);
            let native = !inner.column_type.starts_with("custom(");
            let mut d = if native && inner.select_as.is_none() {
                Declared::new(
                    &format!("Array(RcOrArc::new(ColumnType::{}))", inner.column_type),
                    &format!("Vec<{}>", inner.rust),
                )
            } else {
                // An array of a type without a Rust counterpart: text on the wire.
                let mut d = Declared::new(&custom(&ty.sql()), "String");
                d.select_as = Some("text".into());
                d.save_as = Some(ty.sql());
                return d;
            };
            d.feature = Some("postgres-array");
            d
        }
        T::Custom(spelling) => custom_type(spelling, backend),
    }
}

/// A type the model keeps as the server spells it.
fn custom_type(spelling: &str, backend: DbBackend) -> Declared {
    let lower = spelling.trim().to_ascii_lowercase();
    let base = lower
        .split('(')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let unsigned = lower.contains(" unsigned");
    let head = base
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let rust = match backend {
        DbBackend::MySql => match (head.as_str(), unsigned) {
            ("tinyint", false) => "i8",
            ("tinyint", true) => "u8",
            ("smallint", false) => "i16",
            ("smallint", true) => "u16",
            ("mediumint" | "int" | "integer", false) => "i32",
            ("mediumint" | "int" | "integer", true) => "u32",
            ("bigint", false) => "i64",
            ("bigint", true) => "u64",
            ("year", _) => "i32",
            ("float", _) => "f32",
            ("double" | "real", _) => "f64",
            ("decimal" | "numeric", _) => "Decimal",
            ("datetime", _) => "DateTime",
            ("timestamp", _) => "DateTimeUtc",
            ("time", _) => "Time",
            ("date", _) => "Date",
            (
                "binary" | "varbinary" | "blob" | "tinyblob" | "mediumblob" | "longblob" | "bit",
                _,
            ) => "Vec<u8>",
            _ => "String",
        },
        DbBackend::Postgres => match base.as_str() {
            "timestamp" if lower.contains("with time zone") => "DateTimeWithTimeZone",
            "timestamp" => "DateTime",
            "time" if !lower.contains("with time zone") => "Time",
            "double precision" => "f64",
            _ => {
                // No Rust counterpart: read and written as text, so the
                // column is declared (never dropped) and usable.
                let mut d = Declared::new(&custom(spelling), "String");
                d.select_as = Some("text".into());
                d.save_as = Some(spelling.to_owned());
                return d;
            }
        },
        // SQLite: by the affinity rules of the declared type.
        _ => {
            if lower.contains("int") {
                "i64"
            } else if lower.contains("char") || lower.contains("clob") || lower.contains("text") {
                "String"
            } else if lower.contains("blob") {
                "Vec<u8>"
            } else if lower.contains("real") || lower.contains("floa") || lower.contains("doub") {
                "f64"
            } else {
                "String"
            }
        }
    };
    Declared::new(&custom(spelling), rust)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_declaration_that_compiles_and_round_trips() {
        use ColumnType as T;
        let pg = DbBackend::Postgres;
        let my = DbBackend::MySql;
        let lite = DbBackend::Sqlite;
        let custom_ty = |s: &str| T::Custom(s.into());
        for (ty, backend, column_type, rust) in [
            (T::Char(Some(4)), pg, "Char(Some(4))", "String"),
            (
                T::String(Some(45)),
                pg,
                "String(StringLen::N(45))",
                "String",
            ),
            (
                T::Decimal(Some((8, 2))),
                pg,
                "Decimal(Some((8, 2)))",
                "Decimal",
            ),
            (T::Timestamp, pg, "DateTime", "DateTime"),
            (
                T::TimestampTz,
                pg,
                "TimestampWithTimeZone",
                "DateTimeWithTimeZone",
            ),
            (T::TimestampTz, my, "Timestamp", "DateTimeUtc"),
            (
                custom_ty("release_year"),
                pg,
                "custom(\"release_year\")",
                "String",
            ),
            (custom_ty("tsvector"), pg, "custom(\"tsvector\")", "String"),
            (
                custom_ty("mediumint unsigned"),
                my,
                "custom(\"mediumint unsigned\")",
                "u32",
            ),
            (
                custom_ty("tinyint unsigned"),
                my,
                "custom(\"tinyint unsigned\")",
                "u8",
            ),
            (custom_ty("year"), my, "custom(\"year\")", "i32"),
            (
                custom_ty("set('new','sale','gift')"),
                my,
                "custom(\"set('new','sale','gift')\")",
                "String",
            ),
            (
                custom_ty("datetime"),
                my,
                "custom(\"datetime\")",
                "DateTime",
            ),
            (
                custom_ty("nvarchar(45)"),
                lite,
                "custom(\"nvarchar(45)\")",
                "String",
            ),
            (custom_ty("mediumint"), lite, "custom(\"mediumint\")", "i64"),
            (
                T::Array(Box::new(T::Text)),
                pg,
                "Array(RcOrArc::new(ColumnType::Text))",
                "Vec<String>",
            ),
            (T::Binary, pg, "VarBinary(StringLen::None)", "Vec<u8>"),
        ] {
            let d = declare(&ty, backend);
            assert_eq!(d.column_type, column_type, "{ty:?}");
            assert_eq!(d.rust, rust, "{ty:?}");
        }
        let ts = declare(&custom_ty("tsvector"), pg);
        assert_eq!(ts.select_as.as_deref(), Some("text"));
        assert_eq!(ts.save_as.as_deref(), Some("tsvector"));
        assert_eq!(
            declare(&T::Array(Box::new(T::Integer)), pg).feature,
            Some("postgres-array")
        );
        assert!(declare(&T::Double, lite).no_eq);
    }

    #[test]
    fn hostile_spellings_stay_inside_the_string() {
        let d = declare(
            &ColumnType::Custom("x\")] evil(\"".into()),
            DbBackend::MySql,
        );
        assert_eq!(d.column_type, "custom(\"x\\\")] evil(\\\"\")");
    }
}
