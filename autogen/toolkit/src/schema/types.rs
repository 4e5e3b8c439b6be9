//! Column types, one canonical form per type whatever the spelling, and
//! which type changes widen (safe) or narrow (may lose data).

use serde::{Deserialize, Serialize};

/// Column types, canonical across spellings (`int4` = `integer`, `varchar` =
/// `character varying`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "arg", rename_all = "snake_case")]
pub enum ColumnType {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    Decimal(Option<(u32, u32)>),
    /// `varchar(n)`; `None`: no length.
    String(Option<u32>),
    Char(Option<u32>),
    Text,
    Boolean,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Json,
    JsonBinary,
    Uuid,
    Binary,
    /// A native enum type, by name.
    Enum(String),
    /// A PostgreSQL array of the element type (`text[]`, `varchar(20)[]`);
    /// PostgreSQL does not record dimensions, so neither does the model.
    Array(Box<ColumnType>),
    /// Anything else, as the database spells it.
    Custom(String),
}

impl ColumnType {
    /// SQL spelling, for messages.
    pub fn sql(&self) -> String {
        match self {
            Self::SmallInt => "smallint".into(),
            Self::Integer => "integer".into(),
            Self::BigInt => "bigint".into(),
            Self::Real => "real".into(),
            Self::Double => "double precision".into(),
            Self::Decimal(Some((p, s))) => format!("numeric({p},{s})"),
            Self::Decimal(None) => "numeric".into(),
            Self::String(Some(n)) => format!("varchar({n})"),
            Self::String(None) => "varchar".into(),
            Self::Char(Some(n)) => format!("char({n})"),
            Self::Char(None) => "char".into(),
            Self::Text => "text".into(),
            Self::Boolean => "boolean".into(),
            Self::Date => "date".into(),
            Self::Time => "time".into(),
            Self::Timestamp => "timestamp".into(),
            Self::TimestampTz => "timestamptz".into(),
            Self::Json => "json".into(),
            Self::JsonBinary => "jsonb".into(),
            Self::Uuid => "uuid".into(),
            Self::Binary => "bytea".into(),
            Self::Enum(name) => name.clone(),
            Self::Array(element) => format!("{}[]", element.sql()),
            Self::Custom(name) => name.clone(),
        }
    }

    /// Whether every value of `self` fits in `to` without loss. Used to tell
    /// widening (safe) from narrowing (may lose data or fail). Arrays widen
    /// element-wise; custom types by the rules of `custom_widens_to`.
    pub fn widens_to(&self, to: &ColumnType) -> bool {
        use ColumnType::*;
        match (self, to) {
            (a, b) if a == b => true,
            (SmallInt, Integer | BigInt) | (Integer, BigInt) => true,
            (SmallInt | Integer | BigInt, Decimal(None)) => true,
            (Real, Double) => true,
            (Decimal(_), Decimal(None)) => true,
            // Room for as many integer digits and as many fraction digits.
            (Decimal(Some((p, s))), Decimal(Some((p2, s2)))) => s2 >= s && p2 - s2 >= p - s,
            (String(Some(a)), String(Some(b))) => a <= b,
            (String(_), String(None) | Text) => true,
            (Char(Some(a)), Char(Some(b))) => a <= b,
            // Trailing blanks of char(n) are not significant: never longer than n.
            (Char(Some(a)), String(Some(b))) => a <= b,
            // MySQL's BOOLEAN is TINYINT(1): the same storage either way.
            (Boolean, Custom(t)) | (Custom(t), Boolean) if t == "tinyint" => true,
            // SQLite and SQL Server spellings of a character type (`nvarchar(45)`).
            (Custom(a), b) if text_like(a).is_some() && text_widens(text_like(a), b) => true,
            (Char(_), String(None) | Text) => true,
            (Text, String(None)) => true,
            (Date, Timestamp | TimestampTz) => true,
            // MySQL's YEAR (0 and 1901-2155) fits any integer type of 32 bits or more.
            (Custom(t), Integer | BigInt)
                if t.eq_ignore_ascii_case("year") || t.eq_ignore_ascii_case("year(4)") =>
            {
                true
            }
            (Timestamp, TimestampTz) | (TimestampTz, Timestamp) => true,
            (Json, JsonBinary) | (JsonBinary, Json) => true,
            (Array(a), Array(b)) => a.widens_to(b),
            (Custom(a), Custom(b)) => custom_widens_to(a, b),
            _ => false,
        }
    }
}

/// Whether `ty` is a character type spelled as the model does not
/// (`nvarchar(45)`, `nchar(2)`, `clob`).
pub(crate) fn character_spelling(ty: &str) -> bool {
    text_like(ty).is_some()
}

/// The length of a character type spelled as the model does not
/// (`nvarchar(45)`, `nchar(2)`, `national varchar(10)`, `clob`): `Some(None)`
/// for no length, `None` for other types.
fn text_like(ty: &str) -> Option<Option<u32>> {
    let lower = ty.trim().to_ascii_lowercase();
    let (base, arg) = match lower.split_once('(') {
        Some((b, rest)) => (
            b.trim(),
            rest.trim_end_matches(')').trim().parse::<u32>().ok(),
        ),
        None => (lower.as_str(), None),
    };
    matches!(
        base,
        "nvarchar"
            | "nchar"
            | "national varchar"
            | "national character"
            | "national char"
            | "varying character"
            | "native character"
            | "character"
            | "clob"
    )
    .then_some(arg)
}

/// A character type of length `from` fits in `to`.
fn text_widens(from: Option<Option<u32>>, to: &ColumnType) -> bool {
    let Some(from) = from else {
        return false;
    };
    match (from, to) {
        (_, ColumnType::Text | ColumnType::String(None)) => true,
        (Some(a), ColumnType::String(Some(b))) => a <= *b,
        (from, ColumnType::Custom(b)) => match (from, text_like(b)) {
            (_, Some(None)) => true,
            (Some(a), Some(Some(b))) => a <= b,
            _ => false,
        },
        _ => false,
    }
}

/// The values of MySQL's inline `enum('a','b')` type, `None` for other types.
pub fn enum_values(ty: &str) -> Option<Vec<String>> {
    let t = ty.trim();
    let inner = t
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("enum("))
        .and_then(|_| t[5..].strip_suffix(')'))?;
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next() {
            None => return Some(values),
            Some('\'') => {}
            Some(_) => return None,
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => value.push(chars.next()?),
                c => value.push(c),
            }
        }
        values.push(value);
    }
}

/// Widening between types the model keeps as the server spells them
/// (PostgreSQL `format_type()`): `bit(n)` and `bit varying(n)` to a longer
/// `bit varying`, `interval(p)` and `timestamp(p)`/`time(p)` to more
/// fractional digits (no precision means 6, the most), `cidr` to `inet`,
/// `macaddr` to `macaddr8`.
pub fn custom_widens_to(from: &str, to: &str) -> bool {
    // Split `base(n) suffix` into (`base suffix`, n).
    fn split(ty: &str) -> (String, Option<u32>) {
        let ty = ty.trim().to_ascii_lowercase();
        let (Some(open), Some(close)) = (ty.find('('), ty.find(')')) else {
            return (ty, None);
        };
        if close < open {
            return (ty, None);
        }
        let arg = ty[open + 1..close].trim().parse::<u32>().ok();
        let base = format!("{}{}", ty[..open].trim_end(), &ty[close + 1..]);
        (base, arg)
    }
    // MySQL's inline enums: every value kept (in any order) widens.
    if let (Some(a), Some(b)) = (enum_values(from), enum_values(to)) {
        return a.iter().all(|v| b.contains(v));
    }
    let (from_base, from_n) = split(from);
    let (to_base, to_n) = split(to);
    let at_most = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (_, None) => true,
        (Some(a), Some(b)) => a <= b,
        (None, Some(_)) => false,
    };
    match (from_base.as_str(), to_base.as_str()) {
        ("cidr", "inet") | ("macaddr", "macaddr8") => true,
        ("bit" | "bit varying", "bit varying") => at_most(from_n.or(Some(1)), to_n),
        (
            a @ ("interval"
            | "time without time zone"
            | "time with time zone"
            | "timestamp without time zone"
            | "timestamp with time zone"),
            b,
        ) if a == b => at_most(from_n.or(Some(6)), to_n.or(Some(6))),
        _ => from == to,
    }
}
