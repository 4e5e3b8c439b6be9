//! SQLite type zoo, version 2: columns of [`super::sqlite_v1`] moved to a
//! neighbouring type the SQLite catalog can tell apart (the comment on each
//! says from what).

use sea_orm::entity::prelude::*;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::sqlite_v2::*";
/// Tables and columns (primary keys included) the set declares.
pub const TABLES: usize = 3;
pub const COLUMNS: usize = 36;

/// A native enum: SQLite has none, sea-query writes `enum_text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "zoo_mood")]
pub enum Mood {
    #[sea_orm(string_value = "happy")]
    Happy,
    #[sea_orm(string_value = "sad")]
    Sad,
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
        /// v1: `i16` (smallint).
        pub small: i32,
        pub int: i32,
        pub big: i64,
        /// v1: `u8` (tinyint).
        pub u_tiny: u32,
        pub u_small: u16,
        pub u_int: u32,
        pub u_big: u64,
        /// v1: `f32` (float).
        pub float: f64,
        pub double: f64,
        /// v1: real(10, 2).
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
        /// v1: custom `numeric`.
        #[sea_orm(column_type = "Custom(\"decimal_text\".into())")]
        pub custom: String,
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
        /// v1: datetime_text.
        pub naive: DateTimeWithTimeZone,
        #[sea_orm(column_type = "Timestamp")]
        pub stamp: DateTime,
        pub zoned: DateTimeWithTimeZone,
        /// v1: json_text.
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Json,
        #[sea_orm(column_type = "JsonBinary")]
        pub docb: Json,
        pub uid: Uuid,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
