//! PostgreSQL type zoo, version 2: every column of [`super::pg_v1`] moved
//! to a neighbouring type (the comment on each says from what).

use sea_orm::entity::prelude::*;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::pg_v2::*";
/// Tables and columns (primary keys included) the set declares.
pub const TABLES: usize = 5;
pub const COLUMNS: usize = 52;

/// A native enum (`CREATE TYPE zoo_mood AS ENUM (...)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "zoo_mood")]
pub enum Mood {
    #[sea_orm(string_value = "happy")]
    Happy,
    #[sea_orm(string_value = "sad")]
    Sad,
    /// New in v2.
    #[sea_orm(string_value = "ecstatic")]
    Ecstatic,
}

/// A string-backed enum, v1 in `varchar(20)`, now `varchar(40)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
pub enum Tier {
    #[sea_orm(string_value = "free")]
    Free,
    #[sea_orm(string_value = "pro")]
    Pro,
}

/// An integer-backed enum, v1 in `integer`, now `bigint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "i64", db_type = "BigInteger")]
pub enum Level {
    #[sea_orm(num_value = 1)]
    Low,
    #[sea_orm(num_value = 2)]
    High,
}

pub mod numbers {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_numbers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        /// v1: `i8` (smallint).
        pub tiny: i32,
        /// v1: `i16` (smallint).
        pub small: i32,
        /// v1: `i32` (integer).
        pub int: i64,
        pub big: i64,
        pub u_small: u16,
        pub u_int: u32,
        pub u_big: u64,
        /// v1: `f32` (real).
        pub float: f64,
        pub double: f64,
        /// v1: numeric(10,2).
        #[sea_orm(column_type = "Decimal(Some((12, 2)))")]
        pub dec: Decimal,
        pub dec_free: Decimal,
        #[sea_orm(column_type = "Money(None)")]
        pub money: Decimal,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod texts {
    use super::{Level, Mood, Tier};
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_texts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        /// v1: varchar(50).
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub name: String,
        /// v1: char(3).
        #[sea_orm(column_type = "Char(Some(5))")]
        pub code: String,
        /// v1: varchar.
        #[sea_orm(column_type = "Text")]
        pub label: String,
        /// v1: text.
        #[sea_orm(column_type = "String(StringLen::None)")]
        pub body: String,
        pub bytes: Vec<u8>,
        #[sea_orm(column_type = "Binary(16)")]
        pub fixed: Vec<u8>,
        #[sea_orm(column_type = "Blob")]
        pub blob: Vec<u8>,
        pub flag: bool,
        pub tier: Tier,
        pub level: Level,
        pub mood: Mood,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod times {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_times")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        /// v1: date.
        pub day: DateTime,
        pub clock: Time,
        /// v1: timestamp.
        pub naive: DateTimeWithTimeZone,
        #[sea_orm(column_type = "Timestamp")]
        pub stamp: DateTime,
        /// v1: timestamptz.
        pub zoned: DateTime,
        /// v1: interval.
        #[sea_orm(column_type = "Interval(None, Some(3))")]
        pub span: String,
        /// v1: json.
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Json,
        /// v1: jsonb.
        #[sea_orm(column_type = "Json")]
        pub docb: Json,
        pub uid: Uuid,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod networks {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_networks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub ip: IpNetwork,
        /// v1: cidr.
        #[sea_orm(column_type = "Inet")]
        pub net: IpNetwork,
        /// v1: macaddr.
        #[sea_orm(column_type = "Custom(\"macaddr8\".into())")]
        pub mac: String,
        /// v1: bit(8).
        #[sea_orm(column_type = "VarBit(16)")]
        pub bits: String,
        #[sea_orm(column_type = "Bit(None)")]
        pub bit: String,
        /// v1: varbit(16).
        #[sea_orm(column_type = "VarBit(32)")]
        pub varbits: String,
        #[sea_orm(column_type = "Custom(\"tsvector\".into())")]
        pub search: String,
        #[sea_orm(column_type = "Custom(\"int4range\".into())")]
        pub range: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod arrays {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_arrays")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        /// v1: text[].
        pub tags: Vec<String>,
        /// v1: varchar(20)[].
        #[sea_orm(column_type = "Array(RcOrArc::new(ColumnType::Text))")]
        pub labels: Vec<String>,
        pub names: Vec<String>,
        /// v1: smallint[].
        pub small_nums: Vec<i32>,
        /// v1: integer[].
        pub nums: Vec<i64>,
        pub flags: Vec<bool>,
        pub ids: Vec<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
