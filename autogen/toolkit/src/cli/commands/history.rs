//! `autogen history [-v]`: every migration, oldest first, marked applied /
//! pending / head / current. The list comes from the code; the database
//! only adds the marks.

use std::collections::HashMap;

use sea_orm_migration::MigratorTrait;
use serde::Serialize;
use serde_json::json;

use crate::cli::status::{compiled_graph, current, file_revisions, known_names, read_only_status};
use crate::cli::{Context, Outcome, output};
use crate::runtime::Squashed;
use crate::workspace::Revision;

/// One line of the history (one object of `--json`'s `revisions`).
#[derive(Serialize)]
struct Row<'a> {
    revision: &'a str,
    parents: &'a [String],
    /// From the file's header; `None` when the files were not found.
    message: Option<&'a str>,
    created: Option<&'a str>,
    /// `None` when the database could not be read.
    status: Option<Mark>,
    head: bool,
    current: bool,
}

#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum Mark {
    Applied,
    Pending,
}

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    verbose: bool,
) -> anyhow::Result<Outcome> {
    let url = ctx.url()?;
    let files = file_revisions(ctx)?;
    let known = known_names::<M>();
    let mut notes = Vec::new();
    if files.is_none() {
        notes.push(format!(
            "{} not found: listing the migrations compiled into this build, without messages and dates",
            ctx.migration_dir.display()
        ));
    }
    // History is about the code; the database only adds the marks, so an
    // unreachable one is a note, not a failure.
    let status = match read_only_status::<M>(&url).await {
        Ok(status) => {
            status.check_known()?;
            Some(status)
        }
        Err(e) => {
            notes.push(format!("{e}: applied/pending not shown"));
            None
        }
    };
    let graph = compiled_graph(&known, files.as_deref());
    let heads = graph.heads();
    let current: Vec<&str> = status
        .as_ref()
        .map(|s| current(&graph, s))
        .unwrap_or_default();
    let headers: HashMap<&str, &Revision> = files
        .iter()
        .flatten()
        .map(|r| (r.name.as_str(), r))
        .collect();
    for r in files.iter().flatten().filter(|r| !known.contains(&r.name)) {
        notes.push(format!(
            "{} is in {} but not in this build: rebuild autogen (`cargo run -p autogen -- history`)",
            r.name,
            ctx.migration_dir.display()
        ));
    }

    let rows: Vec<Row> = known
        .iter()
        .map(|name| {
            let header = headers.get(name.as_str());
            Row {
                revision: name,
                parents: graph.parents(name),
                message: header.map(|h| h.message.as_str()),
                created: header.map(|h| h.created.as_str()),
                status: status.as_ref().map(|s| {
                    if s.is_applied(name) {
                        Mark::Applied
                    } else {
                        Mark::Pending
                    }
                }),
                head: heads.contains(&name.as_str()),
                current: current.contains(&name.as_str()),
            }
        })
        .collect();
    if ctx.json {
        println!(
            "{}",
            json!({ "revisions": rows, "heads": heads, "notes": notes })
        );
        return Ok(Outcome::Ok);
    }
    for note in &notes {
        eprintln!("{} {note}", output::yellow("note:"));
    }
    for row in &rows {
        print_row(ctx, row, verbose, files.is_some());
    }
    Ok(Outcome::Ok)
}

fn print_row(ctx: &Context, row: &Row, verbose: bool, files_found: bool) {
    let name = row.revision;
    let parents = if row.parents.is_empty() {
        "<base>".to_owned()
    } else {
        row.parents.join(", ")
    };
    let mut flags = String::new();
    if row.head {
        flags.push_str(" (head)");
    }
    if row.current {
        flags.push_str(" (current)");
    }
    let mark = match row.status {
        Some(Mark::Applied) => output::green("applied"),
        Some(Mark::Pending) => output::yellow("pending"),
        None => "?      ".to_owned(),
    };
    let message = row.message.unwrap_or("");
    let created = row.created.filter(|c| !c.is_empty());
    if verbose {
        println!("Rev: {name}{flags}");
        println!("Parent: {parents}");
        println!("Status: {mark}");
        if let Some(created) = created {
            println!("Created: {created}");
        }
        if files_found {
            println!(
                "Path: {}",
                ctx.migration_dir.join(format!("{name}.rs")).display()
            );
        }
        if !message.is_empty() {
            println!("\n    {message}");
        }
        println!();
    } else {
        let message = if message.is_empty() {
            String::new()
        } else {
            format!(", {message}")
        };
        let created = created.map(|c| format!(" ({c})")).unwrap_or_default();
        println!("{mark:7}  {parents} -> {name}{flags}{message}{created}");
    }
}
