use sea_orm::entity::prelude::*;

/// When a runbook runs by itself.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub runbook_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub cron_expression: String,
    #[sea_orm(column_type = "String(StringLen::N(64))", default_value = "UTC")]
    pub timezone: String,
    pub enabled: bool,
    #[sea_orm(nullable, indexed)]
    pub next_run_at: Option<DateTimeWithTimeZone>,
    pub last_run_at: Option<DateTimeWithTimeZone>,
    #[sea_orm(belongs_to, from = "runbook_id", to = "id", on_delete = "Cascade")]
    pub runbook: HasOne<super::runbook::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
