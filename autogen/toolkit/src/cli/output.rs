//! Printing for people (colour on a terminal only) and for machines (`--json`).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

use similar::{ChangeTag, TextDiff};

use super::ColorChoice;

use crate::change::{Change, Risk};
use crate::config::Backend;
use crate::diff::RenameCandidate;
use crate::workspace::Written;

/// `--color`: 0 auto, 1 always, 2 never.
static COLOUR: AtomicU8 = AtomicU8::new(0);

/// Set by `--color` before anything prints.
pub fn set_colour(choice: ColorChoice) {
    let v = match choice {
        ColorChoice::Auto => 0,
        ColorChoice::Always => 1,
        ColorChoice::Never => 2,
    };
    COLOUR.store(v, Ordering::Relaxed);
}

/// Colour on a terminal unless NO_COLOR is set (no-color.org); `--color
/// always|never` decides over both.
fn colour() -> bool {
    match COLOUR.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn paint(code: &str, text: &str) -> String {
    if colour() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

pub fn red(text: &str) -> String {
    paint("31", text)
}

pub fn yellow(text: &str) -> String {
    paint("33", text)
}

pub fn green(text: &str) -> String {
    paint("32", text)
}

pub fn bold(text: &str) -> String {
    paint("1", text)
}

/// Bytes on stdout as they are (a completion script, a man page); a reader
/// that went away ends the process as `println!` does (see `BROKEN_PIPE_EXIT`).
pub fn raw(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(super::BROKEN_PIPE_EXIT)
        }
        Err(e) => Err(anyhow::anyhow!("cannot write to stdout: {e}")),
    }
}

/// One error line on stderr (or a JSON object on stdout with `--json`).
pub fn error(e: &anyhow::Error, json: bool) {
    let text = e.to_string();
    if json {
        println!("{}", serde_json::json!({ "error": text }));
    } else {
        eprintln!("{} {text}", red("error:"));
    }
}

/// Alembic-style detection lines, with warnings under the risky ones.
pub fn detected(changes: &[Change], backend: Backend) {
    for c in changes {
        println!("Detected {}", c.describe());
        if let Some(w) = c.warning_on(backend) {
            let label = match c.risk_on(backend) {
                Risk::DataLoss => red("  WARNING (data loss):"),
                Risk::MayFail => yellow("  WARNING (may fail on existing data):"),
                Risk::Weakens => yellow("  WARNING (stops enforcing):"),
                _ => yellow("  note:"),
            };
            println!("{label} {w}");
        }
    }
}

pub fn unknown_tables(tables: &[String]) {
    if !tables.is_empty() {
        println!(
            "{} tables without an entity are kept: {} (pass --drop-unknown to drop them)",
            yellow("note:"),
            tables.join(", ")
        );
    }
}

pub fn unmanaged(items: &[impl std::fmt::Display]) {
    for item in items {
        println!(
            "{} not managed by the entities, left alone: {item}",
            yellow("note:")
        );
    }
}

/// Rename candidates left undecided, which become drop + add.
pub fn warn_undecided(candidates: &[RenameCandidate]) {
    for c in candidates {
        let (what, flag) = match c {
            RenameCandidate::Table { from, to } => (
                format!("table {from} -> {to}"),
                format!("--rename-table {from}={to}"),
            ),
            RenameCandidate::Column { table, from, to } => (
                format!("column {table}.{from} -> {to}"),
                format!("--rename {table}.{from}={to}"),
            ),
        };
        println!(
            "{} {what} looks like a rename but is generated as drop + add (data is lost); pass {flag} if it is a rename",
            red("WARNING:")
        );
    }
}

/// A unified diff of every file written or changed.
pub fn diffs(written: &[Written]) {
    for w in written {
        let path = w.path.display().to_string();
        let diff = TextDiff::from_lines(&w.before, &w.after);
        let old = if w.before.is_empty() {
            "/dev/null".to_owned()
        } else {
            format!("a/{path}")
        };
        let new = if w.after.is_empty() {
            "/dev/null".to_owned()
        } else {
            format!("b/{path}")
        };
        println!("{}", bold(&format!("--- {old}\n+++ {new}")));
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            println!("{}", paint("36", &hunk.header().to_string()));
            for change in hunk.iter_changes() {
                let line = change.to_string_lossy();
                let line = line.trim_end_matches('\n');
                match change.tag() {
                    ChangeTag::Delete => println!("{}", red(&format!("-{line}"))),
                    ChangeTag::Insert => println!("{}", green(&format!("+{line}"))),
                    ChangeTag::Equal => println!(" {line}"),
                }
            }
        }
    }
}
