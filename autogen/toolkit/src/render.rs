//! Steps → a sea-orm-migration module that reads like careful hand-written
//! code: header (message, revision, parent, date, warnings), `up()` and the
//! derived `down()`, formatted by rustfmt when it is installed. What the
//! file imports comes from the steps (`Step::imports`), never from its text.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use askama::Template;

use crate::change::{Change, Risk};
use crate::config::Backend;
use crate::step::{Import, Step, comment_safe};

/// The migration file could not be rendered; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("cannot render the migration file: {0}")]
pub struct RenderError(#[from] askama::Error);

/// What goes into one migration file.
#[derive(Debug, Clone)]
pub struct MigrationSource<'a> {
    pub revision: &'a str,
    /// Parent revision(s); empty for the first migration.
    pub parents: &'a [String],
    pub message: &'a str,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub created: &'a str,
    pub changes: &'a [Change],
    /// The backend the steps are for: risk labels are said of what it does.
    pub backend: Backend,
    pub up: &'a [Step],
    pub down: &'a [Step],
    /// Second header paragraph: where the file comes from.
    pub origin: &'a str,
    /// Why the migration is one of its own, when it is part of a plan of several.
    pub note: Option<&'a str>,
    /// `false`: the migration opts out of the transaction (`use_transaction`).
    pub transactional: bool,
}

#[derive(Template)]
#[template(path = "migration.rs.jinja", escape = "none")]
struct MigrationTemplate<'a> {
    message: &'a str,
    revision: &'a str,
    parent: String,
    created: &'a str,
    origin: &'a str,
    note: String,
    transactional: bool,
    data_loss: Vec<String>,
    may_fail: Vec<String>,
    heavy: Vec<String>,
    weakens: Vec<String>,
    /// Paths imported beyond sea-orm-migration's prelude, in a fixed order.
    imports: Vec<&'static str>,
    up: Vec<String>,
    down: Vec<String>,
}

/// Render the module source (formatted when rustfmt is available).
pub fn render_migration(src: &MigrationSource<'_>) -> Result<String, RenderError> {
    let warnings = |risk: Risk| -> Vec<String> {
        src.changes
            .iter()
            .filter(|c| c.risk_on(src.backend) == risk)
            .filter_map(|c| c.warning_on(src.backend))
            .map(|w| comment_safe(&w))
            .collect()
    };
    let imports: BTreeSet<Import> = src
        .up
        .iter()
        .chain(src.down)
        .flat_map(Step::imports)
        .collect();
    let template = MigrationTemplate {
        // One line, whatever was typed: the header's fields follow it.
        message: &comment_safe(&src.message.split_whitespace().collect::<Vec<_>>().join(" ")),
        revision: src.revision,
        parent: comment_safe(&if src.parents.is_empty() {
            "<base>".into()
        } else {
            src.parents.join(", ")
        }),
        created: src.created,
        origin: &comment_safe(src.origin),
        note: src.note.map(comment_safe).unwrap_or_default(),
        transactional: src.transactional,
        data_loss: warnings(Risk::DataLoss),
        may_fail: warnings(Risk::MayFail),
        heavy: warnings(Risk::Heavy),
        weakens: warnings(Risk::Weakens),
        imports: imports.into_iter().map(Import::path).collect(),
        up: render_steps(src.up, "Hand-written changes go here."),
        down: render_steps(src.down, "Undo the changes of up() here."),
    };
    let text = template.render()?;
    Ok(rustfmt(&text).unwrap_or(text))
}

fn render_steps(steps: &[Step], empty_note: &str) -> Vec<String> {
    if steps.is_empty() {
        return vec![format!("// {empty_note}\nlet _ = manager;")];
    }
    steps.iter().map(Step::render).collect()
}

/// Format Rust source with rustfmt (edition 2024); `None` when rustfmt is
/// missing or fails, in which case the unformatted text is still valid code.
pub fn rustfmt(source: &str) -> Option<String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(source.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::up_and_down;
    use crate::schema::{Column, ColumnType, Schema, Table, build};

    /// `runbooks` holding exactly `columns`, keyed by `id`.
    fn schema(columns: Vec<Column>) -> Schema {
        build::schema(vec![Table {
            columns,
            ..build::table("runbooks", vec![])
        }])
    }

    fn column(name: &str, ty: ColumnType, nullable: bool, default: Option<&str>) -> Column {
        Column {
            default: default.map(str::to_owned),
            ..build::col(name, ty, nullable)
        }
    }

    fn render(changes: Vec<Change>, from: &Schema, to: &Schema, backend: Backend) -> String {
        let (ordered, up, down) = up_and_down(&changes, from, to, backend);
        render_migration(&MigrationSource {
            revision: "m20261125_120000_add_new_field",
            parents: &["m20260101_000001_initial_base_schema".to_owned()],
            message: "add new_field",
            created: "2026-11-25 12:00:00 UTC",
            changes: &ordered,
            backend,
            up: &up,
            down: &down,
            origin: "Generated by `autogen` from the entities; review it before applying.",
            note: None,
            transactional: true,
        })
        .expect("render")
    }

    #[test]
    fn added_column_renders_like_hand_written_code() {
        let id = column("id", ColumnType::Integer, false, None);
        let new = column("new_field", ColumnType::String(Some(100)), true, None);
        let from = schema(vec![id.clone()]);
        let to = schema(vec![id, new.clone()]);
        let text = render(
            vec![Change::AddColumn {
                table: "runbooks".into(),
                column: new,
            }],
            &from,
            &to,
            Backend::Postgres,
        );
        let expected = r#"//! add new_field
//!
//! Revision: m20261125_120000_add_new_field
//! Parent: m20260101_000001_initial_base_schema
//! Created: 2026-11-25 12:00:00 UTC
//!
//! Generated by `autogen` from the entities; review it before applying.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .add_column(ColumnDef::new("new_field").string_len(100))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // WARNING: drops column runbooks.new_field and its data
        manager
            .alter_table(
                Table::alter()
                    .table("runbooks")
                    .drop_column("new_field")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
"#;
        // Without rustfmt the text is valid but unformatted, and this
        // comparison would prove nothing: CI installs rustfmt.
        assert!(
            rustfmt("fn main() {}").is_some(),
            "rustfmt is not installed (or $RUSTFMT does not run): install it with \
             `rustup component add rustfmt` to run the golden render test"
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn risky_changes_are_named_in_the_header_and_above_the_statement() {
        let from = schema(vec![
            column("id", ColumnType::Integer, false, None),
            column("old", ColumnType::Text, true, None),
        ]);
        let to = schema(vec![column("id", ColumnType::Integer, false, None)]);
        let text = render(
            vec![Change::DropColumn {
                table: "runbooks".into(),
                column: column("old", ColumnType::Text, true, None),
            }],
            &from,
            &to,
            Backend::Postgres,
        );
        assert!(text.contains("//! WARNING: this migration loses data:\n//! - drops column runbooks.old and its data"), "{text}");
        assert!(
            text.contains("// WARNING: drops column runbooks.old and its data\n        manager"),
            "{text}"
        );
        // down() re-creates the column exactly.
        assert!(
            text.contains(".add_column(ColumnDef::new(\"old\").text())"),
            "{text}"
        );
    }

    #[test]
    fn not_null_column_without_default_is_added_in_three_steps() {
        let id = column("id", ColumnType::Integer, false, None);
        let owner = column("owner", ColumnType::Text, false, None);
        let text = render(
            vec![Change::AddColumn {
                table: "runbooks".into(),
                column: owner.clone(),
            }],
            &schema(vec![id.clone()]),
            &schema(vec![id, owner]),
            Backend::Postgres,
        );
        let add = text
            .find(".add_column(ColumnDef::new(\"owner\").text())")
            .expect(&text);
        let fill = text.find("Fill existing rows").expect(&text);
        let not_null = text
            .find(".modify_column(ColumnDef::new(\"owner\").not_null())")
            .expect(&text);
        assert!(add < fill && fill < not_null, "{text}");
    }

    #[test]
    fn enum_statements_are_guarded_as_postgresql_only() {
        let text = render(
            vec![Change::CreateEnum {
                name: "status".into(),
                values: vec!["a".into(), "b".into()],
            }],
            &Schema::default(),
            &Schema::default(),
            Backend::Postgres,
        );
        assert!(text.contains("// PostgreSQL only.\n        if manager.get_database_backend() == DbBackend::Postgres {"), "{text}");
        assert!(
            text.contains("use sea_orm_migration::sea_query::extension::postgres::Type;"),
            "{text}"
        );
    }

    #[test]
    fn imports_come_from_the_steps_not_from_comments() {
        let step_text = |steps: Vec<Step>| {
            render_migration(&MigrationSource {
                revision: "m20261125_120000_x",
                parents: &[],
                message: "x",
                created: "2026-11-25 12:00:00 UTC",
                changes: &[],
                backend: Backend::Postgres,
                up: &steps,
                down: &[],
                origin: "test",
                note: None,
                transactional: true,
            })
            .expect("render")
        };
        let commented = step_text(vec![Step::Comment(
            "run execute_unprepared( by hand; see Type:: docs; DbBackend".into(),
        )]);
        assert!(
            !commented.contains("use sea_orm_migration::sea_orm::"),
            "{commented}"
        );
        assert!(!commented.contains("postgres::Type;"), "{commented}");
        let sql = step_text(vec![Step::Sql {
            backend: Backend::Postgres,
            sql: "SELECT 1".into(),
        }]);
        assert!(
            sql.contains("use sea_orm_migration::sea_orm::ConnectionTrait;")
                && sql.contains("use sea_orm_migration::sea_orm::DbBackend;"),
            "{sql}"
        );
    }
}
