use sea_orm::entity::prelude::*;

use crate::AlertSeverity;

/// An alert received from a monitoring source.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(128))", unique)]
    pub fingerprint: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub source: String,
    pub severity: AlertSeverity,
    #[sea_orm(column_type = "JsonBinary")]
    pub labels: Json,
    pub received_at: DateTimeWithTimeZone,
    pub resolved_at: Option<DateTimeWithTimeZone>,
}

impl ActiveModelBehavior for ActiveModel {}
