use sea_orm::entity::prelude::*;

use crate::StepOnFailure;

/// One ordered command of a runbook.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "runbook_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "runbook_position")]
    pub runbook_id: i32,
    #[sea_orm(unique_key = "runbook_position")]
    pub position: i32,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub command: String,
    #[sea_orm(default_value = 300)]
    pub timeout_seconds: i32,
    pub on_failure: StepOnFailure,
    #[sea_orm(belongs_to, from = "runbook_id", to = "id", on_delete = "Cascade")]
    pub runbook: HasOne<super::runbook::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
