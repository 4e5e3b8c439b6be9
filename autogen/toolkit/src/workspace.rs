//! The migration crate on disk: file names, registration in `lib.rs`, the
//! parent links written in each file's header (heads, merges).
//!
//! `lib.rs` holds the ordered list between two marker comments
//! (`// autogen:migrations:begin` / `end`), or, in a `lib.rs` written by hand
//! or by `sea-orm-cli`, as the `vec![...]` of `fn migrations()`; every
//! generated migration file starts with a header whose `Revision:` and
//! `Parent:` lines form the revision graph.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::revision::RevisionGraph;

const BEGIN: &str = "// autogen:migrations:begin";
const END: &str = "// autogen:migrations:end";
/// The list of squashed revisions (see `autogen_runtime::Squashed`).
const SQUASHED_BEGIN: &str = "// autogen:squashed:begin";
const SQUASHED_END: &str = "// autogen:squashed:end";

#[derive(Debug, Error)]
pub enum WorkspaceError {
    #[error(
        "cannot find the migration crate at {0}: run from the workspace root or pass --migration-dir"
    )]
    NotFound(PathBuf),
    #[error(
        "cannot find the migration list in {0}: expected `vec![...]` in `fn migrations()`, or the list between one `{BEGIN}` and one `{END}` after it (a marker is missing, repeated or out of order)"
    )]
    NoMarkers(PathBuf),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error(
        "cannot record the squashed revisions in {0}: it needs the `SQUASHED` list between one `{SQUASHED_BEGIN}` and one `{SQUASHED_END}` after it, and `impl autogen_runtime::Squashed for Migrator` (see the README)"
    )]
    NoSquashedList(PathBuf),
    #[error("the message `{0}` gives an empty file name: use letters or digits")]
    BadMessage(String),
}

/// A file written or changed, with its previous content (for the diff).
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// One migration as the files say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub name: String,
    pub parents: Vec<String>,
    pub message: String,
    pub created: String,
}

#[derive(Debug, Clone)]
pub struct MigrationDir {
    /// `migration/src`.
    pub src: PathBuf,
}

impl MigrationDir {
    pub fn open(src: impl Into<PathBuf>) -> Result<Self, WorkspaceError> {
        let src = src.into();
        if !src.join("lib.rs").is_file() {
            return Err(WorkspaceError::NotFound(src));
        }
        let dir = Self { src };
        dir.modules()?;
        Ok(dir)
    }

    fn lib(&self) -> PathBuf {
        self.src.join("lib.rs")
    }

    fn read(path: &Path) -> Result<String, WorkspaceError> {
        fs::read_to_string(path).map_err(|e| WorkspaceError::Read(path.into(), e))
    }

    /// Registered migration modules, in order.
    pub fn modules(&self) -> Result<Vec<String>, WorkspaceError> {
        let lib = Self::read(&self.lib())?;
        let (b, e) = list_span(&lib).ok_or_else(|| WorkspaceError::NoMarkers(self.lib()))?;
        Ok(list_items(&lib[b..e])
            .iter()
            .filter_map(|item| {
                item.strip_prefix("Box::new(")
                    .and_then(|r| r.split("::Migration").next())
                    .map(|m| m.trim().to_owned())
            })
            .collect())
    }

    /// Every registered revision with its header; a file without a
    /// `Parent:` line (hand-written) hangs off the previous one in the list.
    pub fn revisions(&self) -> Result<Vec<Revision>, WorkspaceError> {
        let modules = self.modules()?;
        let mut headers = Vec::with_capacity(modules.len());
        for name in &modules {
            let path = self.src.join(format!("{name}.rs"));
            let text = Self::read(&path)?;
            let header = |key: &str| {
                text.lines()
                    .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
                    .find_map(|l| {
                        l.strip_prefix("//!")
                            .map(str::trim)
                            .and_then(|l| l.strip_prefix(key))
                            .map(|v| v.trim().to_owned())
                    })
            };
            let parents: Option<Vec<String>> = header("Parent:").map(|p| {
                if p == "<base>" || p.is_empty() {
                    Vec::new()
                } else {
                    p.split(',').map(|s| s.trim().to_owned()).collect()
                }
            });
            let message = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("//!"))
                .map(|l| l.trim().to_owned())
                .unwrap_or_default();
            headers.push((
                name,
                parents,
                message,
                header("Created:").unwrap_or_default(),
            ));
        }
        let graph = RevisionGraph::new(
            headers
                .iter()
                .map(|(name, parents, ..)| ((*name).clone(), parents.clone())),
        );
        Ok(headers
            .into_iter()
            .map(|(name, _, message, created)| Revision {
                name: name.clone(),
                parents: graph.parents(name).to_vec(),
                message,
                created,
            })
            .collect())
    }

    /// The revision graph of the files.
    pub fn graph(&self) -> Result<RevisionGraph, WorkspaceError> {
        Ok(RevisionGraph::new(
            self.revisions()?
                .into_iter()
                .map(|r| (r.name, Some(r.parents))),
        ))
    }

    /// Revisions nobody names as a parent.
    pub fn heads(&self) -> Result<Vec<String>, WorkspaceError> {
        Ok(self
            .graph()?
            .heads()
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// A new revision name `mYYYYMMDD_HHMMSS_<slug>` not yet taken.
    pub fn new_name(
        &self,
        message: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, WorkspaceError> {
        let slug = slug(message);
        if slug.is_empty() {
            return Err(WorkspaceError::BadMessage(message.to_owned()));
        }
        let taken: BTreeSet<String> = self.modules()?.into_iter().collect();
        let mut t = now;
        loop {
            let name = format!("m{}_{slug}", t.format("%Y%m%d_%H%M%S"));
            if !taken.contains(&name) && !self.src.join(format!("{name}.rs")).exists() {
                return Ok(name);
            }
            t += chrono::Duration::seconds(1);
        }
    }

    /// Write `name.rs` and register it last in `lib.rs`; on failure nothing is left behind.
    pub fn add(&self, name: &str, source: &str) -> Result<Vec<Written>, WorkspaceError> {
        let file = self.src.join(format!("{name}.rs"));
        let lib_path = self.lib();
        let lib = Self::read(&lib_path)?;
        let new_lib =
            register(&lib, name).ok_or_else(|| WorkspaceError::NoMarkers(lib_path.clone()))?;
        write_atomic(&file, source)?;
        if let Err(e) = write_atomic(&lib_path, &new_lib) {
            let _ = fs::remove_file(&file);
            return Err(e);
        }
        Ok(vec![
            Written {
                path: file,
                before: String::new(),
                after: source.to_owned(),
            },
            Written {
                path: lib_path,
                before: lib,
                after: new_lib,
            },
        ])
    }

    /// Replace every registered migration by one (squash) and record
    /// `squashed` (the replaced revisions, oldest first) in `lib.rs` so that
    /// the runtime recognizes databases at the old head; returns what changed.
    pub fn replace_all(
        &self,
        name: &str,
        source: &str,
        squashed: &[String],
    ) -> Result<Vec<Written>, WorkspaceError> {
        let lib_path = self.lib();
        let lib = Self::read(&lib_path)?;
        let old = self.modules()?;
        let mut new_lib = lib.clone();
        for m in &old {
            new_lib = new_lib
                .lines()
                .filter(|l| {
                    let t = l.trim();
                    t != format!("mod {m};")
                        && t != format!("pub mod {m};")
                        && t != format!("Box::new({m}::Migration),")
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n";
        }
        let new_lib =
            register(&new_lib, name).ok_or_else(|| WorkspaceError::NoMarkers(lib_path.clone()))?;
        let new_lib = set_squashed(&new_lib, squashed)
            .ok_or_else(|| WorkspaceError::NoSquashedList(lib_path.clone()))?;
        let new_lib = tidy_blank_lines(&new_lib);
        let file = self.src.join(format!("{name}.rs"));
        let mut written = Vec::new();
        write_atomic(&file, source)?;
        written.push(Written {
            path: file,
            before: String::new(),
            after: source.to_owned(),
        });
        write_atomic(&lib_path, &new_lib)?;
        written.push(Written {
            path: lib_path,
            before: lib,
            after: new_lib,
        });
        for m in old.iter().filter(|m| *m != name) {
            let path = self.src.join(format!("{m}.rs"));
            let before = Self::read(&path).unwrap_or_default();
            fs::remove_file(&path).map_err(|e| WorkspaceError::Write(path.clone(), e))?;
            written.push(Written {
                path,
                before,
                after: String::new(),
            });
        }
        Ok(written)
    }

    /// The revisions recorded as squashed in `lib.rs`, oldest first.
    pub fn squashed(&self) -> Result<Vec<String>, WorkspaceError> {
        let lib = Self::read(&self.lib())?;
        let Some((b, e)) = markers(&lib, SQUASHED_BEGIN, SQUASHED_END) else {
            return Err(WorkspaceError::NoSquashedList(self.lib()));
        };
        Ok(lib[b..e]
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix('"')
                    .and_then(|r| r.split('"').next())
                    .map(str::to_owned)
            })
            .collect())
    }
}

/// The byte range of the migration list in `lib`: between the markers,
/// else inside the `vec![` ... `]` that `fn migrations()` returns.
fn list_span(lib: &str) -> Option<(usize, usize)> {
    if lib.contains(BEGIN) || lib.contains(END) {
        // Markers: exactly one of each, in order (a missing, repeated or
        // swapped marker is an error, never a guess).
        return markers(lib, BEGIN, END);
    }
    let f = lib.find("fn migrations(")?;
    let start = f + lib[f..].find("vec![")? + "vec![".len();
    let mut depth = 0usize;
    for (i, c) in lib[start..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Some((start, start + i)),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The items of a list body (top-level, comma separated), line comments ignored.
fn list_items(body: &str) -> Vec<String> {
    let code: String = body
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut items = Vec::new();
    let (mut depth, mut item) = (0i32, String::new());
    for c in code.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    items
        .into_iter()
        .map(|i| i.split_whitespace().collect::<String>())
        .filter(|i| !i.is_empty())
        .collect()
}

/// `lib` with `name` appended to the list: before the end marker, else
/// last in `vec![...]` (a one-line `vec![a]` becomes one item per line).
fn append_to_list(lib: &str, name: &str) -> Option<String> {
    let entry = format!("Box::new({name}::Migration),");
    if let Some(end) = lib.find(END) {
        let line_start = lib[..end].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let indent = &lib[line_start..end];
        return Some(format!(
            "{}{indent}{entry}\n{}",
            &lib[..line_start],
            &lib[line_start..]
        ));
    }
    let (start, end) = list_span(lib)?;
    let body = &lib[start..end];
    let vec_line = lib[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let outer: String = lib[vec_line..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if body.contains('\n') {
        // Multi-line: a new line before the closing bracket's line, after a comma.
        let close_line = lib[..end].rfind('\n').map(|i| i + 1)?;
        let last = lib[start..close_line].trim_end();
        let comma = if last.is_empty() || last.ends_with(',') || last.ends_with('[') {
            ""
        } else {
            ","
        };
        let insert_at = start + last.len();
        let indent = body
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
            .unwrap_or_else(|| format!("{outer}    "));
        return Some(format!(
            "{}{comma}{}{indent}{entry}\n{}",
            &lib[..insert_at],
            &lib[insert_at..close_line],
            &lib[close_line..]
        ));
    }
    let mut items = list_items(body);
    items.push(entry.trim_end_matches(',').to_owned());
    let lines: String = items.iter().map(|i| format!("{outer}    {i},\n")).collect();
    Some(format!("{}\n{lines}{outer}{}", &lib[..start], &lib[end..]))
}

/// The span between one `begin` and one `end` marker after it: a missing,
/// repeated or swapped marker is `None` (an error for the caller).
fn markers(lib: &str, begin: &str, end: &str) -> Option<(usize, usize)> {
    let b = lib.find(begin)?;
    let e = lib.find(end)?;
    let once = lib.matches(begin).count() == 1 && lib.matches(end).count() == 1;
    (once && b < e).then_some((b, e))
}

/// `lib` with `name` declared as a module and appended to the list.
fn register(lib: &str, name: &str) -> Option<String> {
    let mut out = append_to_list(lib, name)?;
    // Declare the module after the last `mod m...;` line (or before `pub struct Migrator`).
    let decl = format!("mod {name};\n");
    let pos = out
        .match_indices("\nmod m")
        .chain(out.match_indices("\npub mod m"))
        .map(|(i, _)| i)
        .max()
        .and_then(|i| out[i + 1..].find('\n').map(|j| i + 1 + j + 1))
        .or_else(|| out.find("pub struct Migrator"))?;
    out.insert_str(pos, &decl);
    Some(out)
}

/// After the old module lines are gone: at most one blank line in a row,
/// and one between the module declarations and what follows them.
fn tidy_blank_lines(lib: &str) -> String {
    let mut out = String::with_capacity(lib.len());
    let mut blank = 0;
    let mut previous_was_mod = false;
    for line in lib.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            let is_mod = line.starts_with("mod m") || line.starts_with("pub mod m");
            if previous_was_mod && !is_mod && blank == 0 {
                out.push('\n');
            }
            previous_was_mod = is_mod;
            blank = 0;
        }
        if line.trim().is_empty() {
            previous_was_mod = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `lib` with the squashed list replaced by `squashed`.
fn set_squashed(lib: &str, squashed: &[String]) -> Option<String> {
    let (begin, end) = markers(lib, SQUASHED_BEGIN, SQUASHED_END)?;
    let body_start = begin + lib[begin..].find('\n')? + 1;
    let end_line = lib[..end].rfind('\n')? + 1;
    if end_line < body_start {
        return None;
    }
    let indent = &lib[end_line..end];
    let body: String = squashed
        .iter()
        .map(|s| format!("{indent}\"{s}\",\n"))
        .collect();
    Some(format!("{}{body}{}", &lib[..body_start], &lib[end_line..]))
}

/// The message as a file-name slug: lowercase ASCII letters, digits and `_`.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    out.chars()
        .take(60)
        .collect::<String>()
        .trim_end_matches('_')
        .to_owned()
}

fn write_atomic(path: &Path, text: &str) -> Result<(), WorkspaceError> {
    let tmp = path.with_extension("rs.autogen-tmp");
    fs::write(&tmp, text).map_err(|e| WorkspaceError::Write(path.into(), e))?;
    fs::rename(&tmp, path).map_err(|e| WorkspaceError::Write(path.into(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("add new_field"), "add_new_field");
        assert_eq!(slug("../../etc/passwd"), "etc_passwd");
        assert_eq!(slug("  Add Runbook.Owner!! "), "add_runbook_owner");
        assert_eq!(slug("///"), "");
    }

    #[test]
    fn squashed_list_is_replaced_between_its_markers() {
        let lib = "pub const SQUASHED: &[&str] = &[\n    // autogen:squashed:begin\n    \"old0\",\n    // autogen:squashed:end\n];\n";
        let out = set_squashed(lib, &["m1".into(), "m2".into()]).unwrap();
        assert_eq!(
            out,
            "pub const SQUASHED: &[&str] = &[\n    // autogen:squashed:begin\n    \"m1\",\n    \"m2\",\n    // autogen:squashed:end\n];\n"
        );
        assert!(set_squashed("no markers", &[]).is_none());
        let swapped = "// autogen:squashed:end\n\"m1\",\n// autogen:squashed:begin\n";
        assert!(set_squashed(swapped, &[]).is_none());
    }

    #[test]
    fn registration_appends_in_order() {
        let lib = "pub use x;\n\nmod m1;\n\npub struct Migrator;\n    fn f() { vec![\n            // autogen:migrations:begin\n            Box::new(m1::Migration),\n            // autogen:migrations:end\n        ] }\n";
        let out = register(lib, "m2").unwrap();
        assert!(out.contains("mod m1;\nmod m2;\n"), "{out}");
        assert!(out.contains("Box::new(m1::Migration),\n            Box::new(m2::Migration),\n            // autogen:migrations:end"), "{out}");
    }

    const SEA_ORM_CLI_LIB: &str = "pub use sea_orm_migration::prelude::*;\n\nmod m20220101_000001_create_table;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20220101_000001_create_table::Migration)]\n    }\n}\n";

    #[test]
    fn a_sea_orm_cli_lib_without_markers_is_read_and_appended_to() {
        let (b, e) = list_span(SEA_ORM_CLI_LIB).unwrap();
        assert_eq!(
            list_items(&SEA_ORM_CLI_LIB[b..e]),
            ["Box::new(m20220101_000001_create_table::Migration)"]
        );
        let out = register(SEA_ORM_CLI_LIB, "m2").unwrap();
        assert!(
            out.contains("mod m20220101_000001_create_table;\nmod m2;\n"),
            "{out}"
        );
        assert!(
            out.contains("        vec![\n            Box::new(m20220101_000001_create_table::Migration),\n            Box::new(m2::Migration),\n        ]\n    }"),
            "{out}"
        );
        // Once multi-line, the next one is a new line before the bracket.
        let again = register(&out, "m3").unwrap();
        assert!(
            again.contains("            Box::new(m2::Migration),\n            Box::new(m3::Migration),\n        ]"),
            "{again}"
        );
    }

    #[test]
    fn a_hand_written_list_gets_its_missing_comma_and_keeps_comments() {
        let lib = "mod a;\npub struct Migrator;\nfn migrations() -> V {\n    vec![\n        // the first one\n        Box::new(a::Migration)\n    ]\n}\n";
        let out = register(lib, "b").unwrap();
        assert!(
            out.contains("        // the first one\n        Box::new(a::Migration),\n        Box::new(b::Migration),\n    ]"),
            "{out}"
        );
        let (b, e) = list_span(&out).unwrap();
        assert_eq!(list_items(&out[b..e]).len(), 2);
        assert!(register("pub struct Migrator;", "b").is_none());
    }
}
