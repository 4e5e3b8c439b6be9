//! Native enum types shared by the entities (PostgreSQL `CREATE TYPE ... AS ENUM`).

use sea_orm::entity::prelude::*;

/// What the engine does when a runbook step fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "step_on_failure")]
pub enum StepOnFailure {
    #[sea_orm(string_value = "abort")]
    Abort,
    #[sea_orm(string_value = "continue")]
    Continue,
    #[sea_orm(string_value = "retry")]
    Retry,
}

/// What started an execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "execution_trigger")]
pub enum ExecutionTrigger {
    #[sea_orm(string_value = "manual")]
    Manual,
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "alert")]
    Alert,
}

/// Lifecycle of an execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "execution_status")]
pub enum ExecutionStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// Severity reported by the alert source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "alert_severity")]
pub enum AlertSeverity {
    #[sea_orm(string_value = "info")]
    Info,
    #[sea_orm(string_value = "warning")]
    Warning,
    #[sea_orm(string_value = "critical")]
    Critical,
}
