use sea_orm::entity::prelude::*;

/// A named, versioned procedure the engine can run against an incident.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "runbooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub category: String,
    #[sea_orm(default_value = true)]
    pub enabled: bool,
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_at: DateTimeWithTimeZone,
    // Defaults so that rows written outside the API (scripts, imports) are
    // valid with only the columns they care about.
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub updated_at: DateTimeWithTimeZone,
    #[sea_orm(column_type = "JsonBinary", default_value = "[]")]
    pub tags: Json,
}

impl ActiveModelBehavior for ActiveModel {}
