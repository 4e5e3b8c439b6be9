//! PostgreSQL type zoo, version 1: one column of every type SeaORM 2 can
//! declare and PostgreSQL can hold. [`super::pg_v2`] moves each of them to
//! a neighbouring type.
//!
//! PostgreSQL has no unsigned integers: sea-query widens `u16` to `integer`
//! and `u32`/`u64` to `bigint` (`u64` values above `i64::MAX` do not fit).
//! `i8` and `u8` become `smallint`. `Binary(n)`, `VarBinary` and `Blob` are
//! all `bytea`; `DateTime` and `Timestamp` are both `timestamp without time
//! zone`. `money` takes no precision on PostgreSQL, so only `Money(None)`
//! creates a table.

use sea_orm::entity::prelude::*;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::pg_v1::*";
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
}

/// A string-backed enum stored in `varchar(20)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum Tier {
    #[sea_orm(string_value = "free")]
    Free,
    #[sea_orm(string_value = "pro")]
    Pro,
}

/// An integer-backed enum stored in `integer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "i32", db_type = "Integer")]
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
        pub tiny: i8,
        pub small: i16,
        pub int: i32,
        pub big: i64,
        pub u_small: u16,
        pub u_int: u32,
        pub u_big: u64,
        pub float: f32,
        pub double: f64,
        #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
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
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub name: String,
        #[sea_orm(column_type = "Char(Some(3))")]
        pub code: String,
        pub label: String,
        #[sea_orm(column_type = "Text")]
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
        pub day: Date,
        pub clock: Time,
        pub naive: DateTime,
        #[sea_orm(column_type = "Timestamp")]
        pub stamp: DateTime,
        pub zoned: DateTimeWithTimeZone,
        #[sea_orm(column_type = "Interval(None, None)")]
        pub span: String,
        #[sea_orm(column_type = "Json")]
        pub doc: Json,
        #[sea_orm(column_type = "JsonBinary")]
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
        #[sea_orm(column_type = "Cidr")]
        pub net: IpNetwork,
        #[sea_orm(column_type = "MacAddr")]
        pub mac: String,
        #[sea_orm(column_type = "Bit(Some(8))")]
        pub bits: String,
        #[sea_orm(column_type = "Bit(None)")]
        pub bit: String,
        #[sea_orm(column_type = "VarBit(16)")]
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
        #[sea_orm(column_type = "Array(RcOrArc::new(ColumnType::Text))")]
        pub tags: Vec<String>,
        #[sea_orm(column_type = "Array(RcOrArc::new(ColumnType::String(StringLen::N(20))))")]
        pub labels: Vec<String>,
        pub names: Vec<String>,
        pub small_nums: Vec<i16>,
        pub nums: Vec<i32>,
        pub flags: Vec<bool>,
        pub ids: Vec<Uuid>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
