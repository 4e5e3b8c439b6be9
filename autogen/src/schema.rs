//! The neutral schema model: what a database holds, whichever backend it is.
//!
//! Both sides of a comparison end up here: the live database through the
//! introspectors of `source::database`, the entities by materializing them
//! in a throw-away place on the same server and introspecting that with the
//! same code (see `source::entities`). Equality of two values means "the
//! same object in the database"; names of indexes and constraints are kept
//! (a drop needs them) but do not take part in equality.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole schema: tables and native enum types, keyed by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// Native enum types (PostgreSQL) with their values in order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// Objects present in the database that the model does not manage
    /// (CHECK constraints, expression or partial indexes, ...): reported, never dropped.
    pub unmanaged: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Primary key columns, in key order (empty: no primary key).
    pub primary_key: Vec<String>,
    /// Name of the primary key constraint (needed to drop it), not compared.
    pub primary_key_name: String,
    /// Indexes and unique constraints (a unique constraint is a unique index
    /// with `constraint: true`).
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// The default as the database reports it (an SQL expression).
    pub default: Option<String>,
    /// Identity / serial (PostgreSQL), AUTOINCREMENT (SQLite), AUTO_INCREMENT (MySQL).
    pub auto_increment: bool,
    pub comment: Option<String>,
    /// Declared rename (`#[sea_orm(renamed_from = "old")]`), entity side only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

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
    /// element-wise; custom types by the rules of [`custom_widens_to`].
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
            (Char(_), String(None) | Text) => true,
            (Text, String(None)) => true,
            (Date, Timestamp | TimestampTz) => true,
            (Timestamp, TimestampTz) | (TimestampTz, Timestamp) => true,
            (Json, JsonBinary) | (JsonBinary, Json) => true,
            (Array(a), Array(b)) => a.widens_to(b),
            (Custom(a), Custom(b)) => custom_widens_to(a, b),
            _ => false,
        }
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// Created as a UNIQUE constraint rather than an index. Not part of
    /// equality: both enforce the same thing.
    pub constraint: bool,
}

impl Index {
    /// Same index in the database, whatever its name or how it was created.
    pub fn same_as(&self, other: &Index) -> bool {
        self.columns == other.columns && self.unique == other.unique
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }

    /// sea-query's `ForeignKeyAction` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Self::NoAction => "NoAction",
            Self::Restrict => "Restrict",
            Self::Cascade => "Cascade",
            Self::SetNull => "SetNull",
            Self::SetDefault => "SetDefault",
        }
    }

    pub fn from_sql(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "RESTRICT" | "R" => Self::Restrict,
            "CASCADE" | "C" => Self::Cascade,
            "SET NULL" | "N" => Self::SetNull,
            "SET DEFAULT" | "D" => Self::SetDefault,
            _ => Self::NoAction,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

impl ForeignKey {
    /// Same constraint in the database, whatever its name.
    pub fn same_as(&self, other: &ForeignKey) -> bool {
        self.columns == other.columns
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// `renamed_from "old"` travels inside the column comment when SeaORM builds
/// the entity DDL; split it off so it is never compared nor written.
pub fn split_renamed_from(comment: Option<String>) -> (Option<String>, Option<String>) {
    let Some(text) = comment else {
        return (None, None);
    };
    let Some(at) = text.find("renamed_from \"") else {
        return (Some(text), None);
    };
    let rest = &text[at + "renamed_from \"".len()..];
    let old = rest.split('"').next().unwrap_or_default().to_owned();
    let before = text[..at].trim_end().trim_end_matches(';').trim_end();
    let comment = (!before.is_empty()).then(|| before.to_owned());
    (comment, (!old.is_empty()).then_some(old))
}

#[cfg(test)]
mod tests {
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
}
