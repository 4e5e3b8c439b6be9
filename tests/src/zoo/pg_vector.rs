//! pgvector's `vector` (sea-orm feature `postgres-vector`): SeaORM declares
//! `PgVector` as `ColumnType::Vector(None)`, or `Vector(Some(n))` with a
//! dimension. The extension is not installed on the test server, so this set
//! is only rendered (see `tests/tests/testsuite/types_vector.rs`), never created.

/// Registry prefix of this set.
pub const PREFIX: &str = "tests::zoo::pg_vector::*";

pub mod embeddings {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "zoo_embeddings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(column_type = "Vector(Some(3))")]
        pub embedding: PgVector,
        pub free: Option<PgVector>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
