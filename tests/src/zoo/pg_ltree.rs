//! `ltree` (contrib extension): SeaORM declares it as `ColumnType::LTree`.
//! The database needs `CREATE EXTENSION ltree` before the entities apply.

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::pg_ltree::*";

pub mod paths {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_paths")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(column_type = "LTree")]
        pub path: String,
        pub parent: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
