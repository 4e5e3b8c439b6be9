//! Indexes that a column attribute cannot express: composite, non-unique.
//!
//! SeaORM's `indexed` covers one column and `unique_key = "group"` covers
//! composite *unique* keys; everything else is declared here, as sea-query
//! statements, and the autogen toolkit adds them to the entity side of the
//! comparison. Name them `idx-<table>-<what>` like SeaORM does.

use sea_orm::sea_query::{Index, IndexCreateStatement};

/// Every extra index of the schema.
pub fn all() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("idx-executions-runbook_started")
            .table("executions")
            .col("runbook_id")
            .col("started_at")
            .to_owned(),
    ]
}
