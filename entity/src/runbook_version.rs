use sea_orm::entity::prelude::*;

/// An immutable snapshot of a runbook's definition.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "runbook_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "runbook_version")]
    pub runbook_id: i32,
    #[sea_orm(unique_key = "runbook_version")]
    pub version: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub definition: Json,
    #[sea_orm(column_type = "String(StringLen::N(255))", nullable)]
    pub created_by: Option<String>,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_at: DateTimeWithTimeZone,
    #[sea_orm(belongs_to, from = "runbook_id", to = "id", on_delete = "Cascade")]
    pub runbook: HasOne<super::runbook::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
