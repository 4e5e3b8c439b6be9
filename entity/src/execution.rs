use sea_orm::entity::prelude::*;

use crate::{ExecutionStatus, ExecutionTrigger};

/// One run of a runbook, manual, scheduled or triggered by an alert.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "executions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub runbook_id: i32,
    pub schedule_id: Option<i32>,
    pub trigger: ExecutionTrigger,
    pub status: ExecutionStatus,
    pub started_at: Option<DateTimeWithTimeZone>,
    pub finished_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub output: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(128))", nullable)]
    pub alert_fingerprint: Option<String>,
    pub duration_ms: Option<i64>,
    #[sea_orm(belongs_to, from = "runbook_id", to = "id", on_delete = "Cascade")]
    pub runbook: HasOne<super::runbook::Entity>,
    #[sea_orm(belongs_to, from = "schedule_id", to = "id", on_delete = "SetNull")]
    pub schedule: HasOne<super::schedule::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
