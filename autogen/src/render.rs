//! Steps → a sea-orm-migration module that reads like careful hand-written
//! code: header (message, revision, parent, date, warnings), `up()` and the
//! derived `down()`, formatted by rustfmt when it is installed.

use std::io::Write;
use std::process::{Command, Stdio};

use askama::Template;

use crate::change::{Change, Risk};
use crate::ops::Step;

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
    pub up: &'a [Step],
    pub down: &'a [Step],
    /// Second header paragraph: where the file comes from.
    pub origin: &'a str,
}

#[derive(Template)]
#[template(path = "migration.rs.jinja", escape = "none")]
struct MigrationTemplate<'a> {
    message: &'a str,
    revision: &'a str,
    parent: String,
    created: &'a str,
    origin: &'a str,
    data_loss: Vec<String>,
    may_fail: Vec<String>,
    heavy: Vec<String>,
    uses_backend: bool,
    uses_connection: bool,
    uses_type: bool,
    up: Vec<String>,
    down: Vec<String>,
}

/// Render the module source (formatted when rustfmt is available).
pub fn render_migration(src: &MigrationSource<'_>) -> String {
    let warnings = |risk: Risk| -> Vec<String> {
        src.changes
            .iter()
            .filter(|c| c.risk() == risk)
            .filter_map(Change::warning)
            .collect()
    };
    let all_steps = || src.up.iter().chain(src.down.iter());
    let rendered_up = render_steps(src.up, "Hand-written changes go here.");
    let rendered_down = render_steps(src.down, "Undo the changes of up() here.");
    let uses = |needle: &str| {
        rendered_up
            .iter()
            .chain(rendered_down.iter())
            .any(|s| s.contains(needle))
    };
    let template = MigrationTemplate {
        message: src.message.lines().next().unwrap_or_default(),
        revision: src.revision,
        parent: if src.parents.is_empty() {
            "<base>".into()
        } else {
            src.parents.join(", ")
        },
        created: src.created,
        origin: src.origin,
        data_loss: warnings(Risk::DataLoss),
        may_fail: warnings(Risk::MayFail),
        heavy: warnings(Risk::Heavy),
        uses_backend: all_steps().any(|s| s.backend_only().is_some()),
        uses_connection: uses("execute_unprepared("),
        uses_type: uses("Type::"),
        up: rendered_up,
        down: rendered_down,
    };
    let text = template
        .render()
        .unwrap_or_else(|e| format!("// render error: {e}\n"));
    rustfmt(&text).unwrap_or(text)
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
