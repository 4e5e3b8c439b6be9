//! The migration directory under concurrency and hostile messages: writers
//! take turns on the directory's lock, and a message can never pass for a
//! header field of the revision graph. (Atomic writes and the all-or-nothing
//! squash are proved in the toolkit's `workspace` unit tests, which can make
//! any file operation fail.)

use crate::cli_common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use cli_common::{Autogen, copy_workspace};
use tests::support::HEAD;

fn lib_rs(root: &std::path::Path) -> String {
    std::fs::read_to_string(root.join("migration/src/lib.rs")).expect("lib.rs")
}

/// Two `revision` runs started while the directory is locked both wait,
/// then both register, one after the other: one head, nothing lost.
#[test]
fn concurrent_revisions_take_turns_and_both_are_registered() {
    let ws = copy_workspace();
    let root = ws.path();
    let lock_path = root.join("migration/src/.autogen.lock");
    let held = std::fs::File::create(&lock_path).expect("create the lock file");
    held.lock().expect("hold the directory lock");

    let ag = Autogen::new("sqlite::memory:").in_dir(root);
    let mut children = Vec::new();
    for message in ["alice adds reports", "bob adds audits"] {
        let mut cmd = ag.command(&["revision", "--empty", "-m", message]);
        cmd.stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn autogen");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let first = lines
            .next()
            .expect("autogen says it waits before anything else")
            .expect("read stderr");
        assert!(
            first.starts_with("Waiting for another autogen writing to"),
            "{first}"
        );
        children.push((child, lines));
    }
    drop(held);
    for (child, lines) in children {
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let run = Autogen::wait(child);
        assert_eq!(run.code, 0, "{run}\n{}", rest.join("\n"));
    }
    let lib = lib_rs(root);
    for slug in ["alice_adds_reports", "bob_adds_audits"] {
        assert!(lib.contains(slug), "{slug} lost from lib.rs:\n{lib}");
    }
    let heads = ag.run(&["heads", "--json"]);
    let heads = heads.ok().json();
    assert_eq!(
        heads["heads"].as_array().map(Vec::len),
        Some(1),
        "the second waited for the first and hangs off it: {heads}"
    );
}

/// A message that reads like a header field (`Parent:`, `Revision:`), or
/// spans lines, is kept as the message, on one line; the graph is intact.
#[test]
fn a_message_beginning_with_parent_does_not_corrupt_the_graph() {
    let ws = copy_workspace();
    let root = ws.path();
    let ag = Autogen::new("sqlite::memory:").in_dir(root);
    ag.run(&[
        "revision",
        "--empty",
        "-m",
        "Parent: m_nowhere\nParent: m_elsewhere\nRevision: m_x",
    ])
    .ok();
    ag.run(&["revision", "--empty", "-m", "Parent:"]).ok();
    let heads = ag.run(&["heads", "--json"]).ok().json();
    let heads = heads["heads"].as_array().cloned().unwrap_or_default();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let head = heads[0].as_str().unwrap_or_default().to_owned();
    assert!(head.ends_with("_parent"), "{head}");
    // The first one hangs off the base migration, not off `m_nowhere`.
    let files: Vec<String> = std::fs::read_dir(root.join("migration/src"))
        .expect("ls")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.contains("parent_m_nowhere"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(root.join("migration/src").join(&files[0])).expect("read");
    assert!(
        text.starts_with("//! Parent: m_nowhere Parent: m_elsewhere Revision: m_x\n"),
        "{text}"
    );
    assert!(text.contains(&format!("\n//! Parent: {HEAD}\n")), "{text}");
    ag.run(&["history"]).ok();
}
