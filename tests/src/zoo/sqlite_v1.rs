//! SQLite type zoo, version 1: every type SeaORM 2 declares that SQLite can
//! hold. [`super::sqlite_v2`] moves columns to neighbouring types.
//!
//! sea-query spells SQLite types so that they read back: `tinyint`,
//! `smallint`, `integer` (`i32`, `i64`, `u32` and `u64` all), `float`,
//! `double`, `real(p, s)` for decimals, `real_money`, `varchar(n)`,
//! `char(n)`, `text`, `blob(n)` / `blob` / `varbinary_blob`, `boolean`,
//! `date_text`, `time_text`, `datetime_text`, `timestamp_text`,
//! `timestamp_with_timezone_text`, `json_text`, `jsonb_text`, `uuid_text`
//! and `enum_text` for a native enum. sea-query panics on the PostgreSQL
//! types (arrays, `inet`, `cidr`, `macaddr`, `ltree`, `bit`, `varbit`,
//! `interval`, `vector`), so they are not here. An integer width change
//! (`i32` → `i64`) is invisible: both are `integer`.

use sea_orm::entity::prelude::*;

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::sqlite_v1::*";
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
        pub u_tiny: u8,
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
        #[sea_orm(column_type = "Custom(\"numeric\".into())")]
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
        pub naive: DateTime,
        #[sea_orm(column_type = "Timestamp")]
        pub stamp: DateTime,
        pub zoned: DateTimeWithTimeZone,
        #[sea_orm(column_type = "Json")]
        pub doc: Json,
        #[sea_orm(column_type = "JsonBinary")]
        pub docb: Json,
        pub uid: Uuid,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
