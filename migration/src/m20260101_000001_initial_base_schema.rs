//! initial base schema
//!
//! Revision: m20260101_000001_initial_base_schema
//! Parent: <base>
//! Created: 2026-01-01 00:00:01 UTC

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::extension::postgres::Type;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == DbBackend::Postgres;

        // Native enum types exist on PostgreSQL only; elsewhere the columns are text.
        if pg {
            for (name, values) in ENUMS {
                manager
                    .create_type(
                        Type::create()
                            .as_enum(*name)
                            .values(values.iter().copied())
                            .to_owned(),
                    )
                    .await?;
            }
        }

        manager
            .create_table(
                Table::create()
                    .table("runbooks")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("name")
                            .string_len(255)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new("description").text())
                    .col(ColumnDef::new("category").string_len(100).not_null())
                    .col(ColumnDef::new("enabled").boolean().not_null().default(true))
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        ColumnDef::new("updated_at")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        ColumnDef::new("tags")
                            .json_binary()
                            .not_null()
                            .default("[]"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("runbook_steps")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("runbook_id").integer().not_null())
                    .col(ColumnDef::new("position").integer().not_null())
                    .col(ColumnDef::new("name").string_len(255).not_null())
                    .col(ColumnDef::new("command").text().not_null())
                    .col(
                        ColumnDef::new("timeout_seconds")
                            .integer()
                            .not_null()
                            .default(300),
                    )
                    .col(
                        ColumnDef::new("on_failure")
                            .enumeration("step_on_failure", ["abort", "continue", "retry"])
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-runbook_steps-runbook_id")
                            .from_col("runbook_id")
                            .to("runbooks", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-runbook_steps-runbook_position")
                    .table("runbook_steps")
                    .col("runbook_id")
                    .col("position")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("runbook_versions")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("runbook_id").integer().not_null())
                    .col(ColumnDef::new("version").integer().not_null())
                    .col(ColumnDef::new("definition").json_binary().not_null())
                    .col(ColumnDef::new("created_by").string_len(255))
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-runbook_versions-runbook_id")
                            .from_col("runbook_id")
                            .to("runbooks", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-runbook_versions-runbook_version")
                    .table("runbook_versions")
                    .col("runbook_id")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("schedules")
                    .col(
                        ColumnDef::new("id")
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("runbook_id").integer().not_null())
                    .col(ColumnDef::new("cron_expression").string_len(100).not_null())
                    .col(
                        ColumnDef::new("timezone")
                            .string_len(64)
                            .not_null()
                            .default("UTC"),
                    )
                    .col(ColumnDef::new("enabled").boolean().not_null())
                    .col(ColumnDef::new("next_run_at").timestamp_with_time_zone())
                    .col(ColumnDef::new("last_run_at").timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-schedules-runbook_id")
                            .from_col("runbook_id")
                            .to("runbooks", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-schedules-next_run_at")
                    .table("schedules")
                    .col("next_run_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("executions")
                    .col(ColumnDef::new("id").uuid().not_null().primary_key())
                    .col(ColumnDef::new("runbook_id").integer().not_null())
                    .col(ColumnDef::new("schedule_id").integer())
                    .col(
                        ColumnDef::new("trigger")
                            .enumeration("execution_trigger", ["manual", "scheduled", "alert"])
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("status")
                            .enumeration(
                                "execution_status",
                                ["pending", "running", "succeeded", "failed", "cancelled"],
                            )
                            .not_null(),
                    )
                    .col(ColumnDef::new("started_at").timestamp_with_time_zone())
                    .col(ColumnDef::new("finished_at").timestamp_with_time_zone())
                    .col(ColumnDef::new("output").text())
                    .col(ColumnDef::new("alert_fingerprint").string_len(128))
                    .col(ColumnDef::new("duration_ms").big_integer())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-executions-runbook_id")
                            .from_col("runbook_id")
                            .to("runbooks", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-executions-schedule_id")
                            .from_col("schedule_id")
                            .to("schedules", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-executions-runbook_started")
                    .table("executions")
                    .col("runbook_id")
                    .col("started_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("alerts")
                    .col(
                        ColumnDef::new("id")
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new("fingerprint")
                            .string_len(128)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new("source").string_len(64).not_null())
                    .col(
                        ColumnDef::new("severity")
                            .enumeration("alert_severity", ["info", "warning", "critical"])
                            .not_null(),
                    )
                    .col(ColumnDef::new("labels").json_binary().not_null())
                    .col(
                        ColumnDef::new("received_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new("resolved_at").timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "alerts",
            "executions",
            "schedules",
            "runbook_versions",
            "runbook_steps",
            "runbooks",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            for (name, _) in ENUMS.iter().rev() {
                manager
                    .drop_type(Type::drop().name(*name).to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}

/// The native enum types of the base schema, in creation order.
const ENUMS: &[(&str, &[&str])] = &[
    ("step_on_failure", &["abort", "continue", "retry"]),
    ("execution_trigger", &["manual", "scheduled", "alert"]),
    (
        "execution_status",
        &["pending", "running", "succeeded", "failed", "cancelled"],
    ),
    ("alert_severity", &["info", "warning", "critical"]),
];
