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
    #[error("cannot lock the migration directory with {0}: {1}")]
    Lock(PathBuf, std::io::Error),
    #[error("{0}; the migration directory was restored as it was")]
    RolledBack(Box<WorkspaceError>),
    #[error(
        "{0}, and restoring the migration directory failed too ({1}): check it with `git status` before anything else"
    )]
    RestoreFailed(Box<WorkspaceError>, Box<WorkspaceError>),
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

/// The file whose exclusive lock a command holds while it reads the
/// revision graph and writes to the migration directory.
pub const LOCK_FILE: &str = ".autogen.lock";

/// The migration directory's lock, held until dropped: two `autogen -m`
/// (or `revision`, `merge`, `squash`) in one workspace take turns, so
/// neither loses the other's registration in `lib.rs` nor branches off
/// the same parent.
#[derive(Debug)]
pub struct DirLock {
    _file: fs::File,
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

    /// Take the directory's lock ([`LOCK_FILE`], an OS file lock released
    /// when the process ends, however it ends). `waiting` is called once
    /// when another process holds it, before blocking until it is free.
    pub fn lock(&self, waiting: impl FnOnce(&Path)) -> Result<DirLock, WorkspaceError> {
        let path = self.src.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| WorkspaceError::Lock(path.clone(), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                waiting(&path);
                file.lock()
                    .map_err(|e| WorkspaceError::Lock(path.clone(), e))?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(WorkspaceError::Lock(path, e)),
        }
        Ok(DirLock { _file: file })
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
            let header = |key: &str| header_field(&text, name, key);
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

    /// Write `name.rs` and register it last in `lib.rs`; on failure nothing
    /// is left behind. Hold [`Self::lock`] from reading the heads to here.
    pub fn add(&self, name: &str, source: &str) -> Result<Vec<Written>, WorkspaceError> {
        let file = self.src.join(format!("{name}.rs"));
        let lib_path = self.lib();
        let lib = Self::read(&lib_path)?;
        let new_lib =
            register(&lib, name).ok_or_else(|| WorkspaceError::NoMarkers(lib_path.clone()))?;
        let written = vec![
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
        ];
        apply_all(&written, &RealFs)?;
        Ok(written)
    }

    /// Replace every registered migration by one (squash) and record
    /// `squashed` (the replaced revisions, oldest first) in `lib.rs` so that
    /// the runtime recognizes databases at the old head; returns what changed.
    /// All or nothing: on any failure the directory is restored exactly as
    /// it was (files written back, the new one removed).
    pub fn replace_all(
        &self,
        name: &str,
        source: &str,
        squashed: &[String],
    ) -> Result<Vec<Written>, WorkspaceError> {
        self.replace_all_with(name, source, squashed, &RealFs)
    }

    fn replace_all_with(
        &self,
        name: &str,
        source: &str,
        squashed: &[String],
        fs_ops: &dyn FsOps,
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
        let mut removed = Vec::new();
        for m in old.iter().filter(|m| *m != name) {
            let path = self.src.join(format!("{m}.rs"));
            let before = Self::read(&path)?;
            removed.push((path, before));
        }
        let mut written = vec![
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
        ];
        written.extend(removed.into_iter().map(|(path, before)| Written {
            path,
            before,
            after: String::new(),
        }));
        apply_all(&written, fs_ops)?;
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

/// The value of `key` (`Parent:`, `Created:`) in the header of the
/// generated file `text` of revision `name`: read only after the header's
/// `Revision: <name>` line, so that the message above it (the file's first
/// line, whatever the user wrote) can never pass for a field. A file
/// without that line (hand-written) has no fields.
fn header_field(text: &str, name: &str, key: &str) -> Option<String> {
    let mut lines = text
        .lines()
        .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("//!").map(str::trim));
    lines.find(|l| l.strip_prefix("Revision:").map(str::trim) == Some(name))?;
    lines
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
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

/// Write `text` to `path` atomically: a temporary file of its own in the
/// same directory, flushed to disk, then renamed over `path`. A reader (or
/// a crash) sees the old content or the new one, never a part; on failure
/// the temporary file is removed.
fn write_atomic(path: &Path, text: &str) -> Result<(), WorkspaceError> {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{file_name}.{}-{}.autogen-tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::File::create_new(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| WorkspaceError::Write(path.into(), e))
}

/// The file operations of a multi-file change, so that tests can make any
/// one of them fail.
trait FsOps {
    fn write(&self, path: &Path, text: &str) -> Result<(), WorkspaceError>;
    fn remove(&self, path: &Path) -> Result<(), WorkspaceError>;
}

struct RealFs;

impl FsOps for RealFs {
    fn write(&self, path: &Path, text: &str) -> Result<(), WorkspaceError> {
        write_atomic(path, text)
    }

    fn remove(&self, path: &Path) -> Result<(), WorkspaceError> {
        fs::remove_file(path).map_err(|e| WorkspaceError::Write(path.into(), e))
    }
}

/// Bring every file of `changes` from `before` to `after` (an empty
/// `after` removes it, an empty `before` creates it), in order; if one
/// step fails, undo the steps done, newest first, so that the directory is
/// as it was.
fn apply_all(changes: &[Written], fs_ops: &dyn FsOps) -> Result<(), WorkspaceError> {
    let step = |w: &Written, text: &str| {
        if text.is_empty() {
            fs_ops.remove(&w.path)
        } else {
            fs_ops.write(&w.path, text)
        }
    };
    for (done, w) in changes.iter().enumerate() {
        if let Err(e) = step(w, &w.after) {
            for undo in changes[..done].iter().rev() {
                if let Err(restore) = step(undo, &undo.before) {
                    return Err(WorkspaceError::RestoreFailed(
                        Box::new(e),
                        Box::new(restore),
                    ));
                }
            }
            return Err(WorkspaceError::RolledBack(Box::new(e)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration directory in a temporary directory, removed when dropped.
    struct TempSrc(PathBuf);

    impl TempSrc {
        fn new(migrations: &[(&str, &str)]) -> Self {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "autogen-ws-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            fs::create_dir_all(&dir).unwrap();
            let mut lib = String::from("pub use sea_orm_migration::prelude::*;\n\n");
            for (name, _) in migrations {
                lib.push_str(&format!("mod {name};\n"));
            }
            lib.push_str("\npub struct Migrator;\nfn migrations() -> V {\n    vec![\n        // autogen:migrations:begin\n");
            for (name, _) in migrations {
                lib.push_str(&format!("        Box::new({name}::Migration),\n"));
            }
            lib.push_str("        // autogen:migrations:end\n    ]\n}\npub const SQUASHED: &[&str] = &[\n    // autogen:squashed:begin\n    // autogen:squashed:end\n];\n");
            fs::write(dir.join("lib.rs"), lib).unwrap();
            for (name, text) in migrations {
                fs::write(dir.join(format!("{name}.rs")), text).unwrap();
            }
            Self(dir)
        }

        fn dir(&self) -> MigrationDir {
            MigrationDir::open(&self.0).unwrap()
        }

        /// Every file and its content.
        fn snapshot(&self) -> Vec<(String, String)> {
            let mut files: Vec<(String, String)> = fs::read_dir(&self.0)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    let text = fs::read_to_string(e.path()).unwrap_or_default();
                    (e.file_name().to_string_lossy().into_owned(), text)
                })
                .collect();
            files.sort();
            files
        }
    }

    impl Drop for TempSrc {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn rendered(name: &str, parents: &[&str], message: &str) -> String {
        let parents: Vec<String> = parents.iter().map(|p| (*p).to_owned()).collect();
        crate::render::render_migration(&crate::render::MigrationSource {
            revision: name,
            parents: &parents,
            message,
            created: "2026-11-29 00:00:00 UTC",
            changes: &[],
            up: &[],
            down: &[],
            origin: "test",
            note: None,
            transactional: true,
        })
        .unwrap()
    }

    #[test]
    fn a_message_that_looks_like_a_header_field_is_not_one() {
        let src = TempSrc::new(&[
            ("m1", &rendered("m1", &[], "Parent: m9")),
            (
                "m2",
                &rendered(
                    "m2",
                    &["m1"],
                    "Revision: m2\nParent: m9, m1\r\nCreated: never",
                ),
            ),
            ("m3", &rendered("m3", &["m2"], "Parent:")),
        ]);
        let revisions = src.dir().revisions().unwrap();
        let parents: Vec<(&str, Vec<String>)> = revisions
            .iter()
            .map(|r| (r.name.as_str(), r.parents.clone()))
            .collect();
        assert_eq!(
            parents,
            [
                ("m1", vec![]),
                ("m2", vec!["m1".to_owned()]),
                ("m3", vec!["m2".to_owned()])
            ]
        );
        assert_eq!(revisions[1].created, "2026-11-29 00:00:00 UTC");
        // The whole message is kept, on one line.
        assert_eq!(
            revisions[1].message,
            "Revision: m2 Parent: m9, m1 Created: never"
        );
        assert_eq!(src.dir().heads().unwrap(), ["m3"]);
    }

    #[test]
    fn a_failed_atomic_write_leaves_the_file_and_no_temporary_file() {
        let src = TempSrc::new(&[("m1", "//! one\n")]);
        // The target is a directory with content: the rename fails.
        let blocked = src.0.join("blocked.rs");
        fs::create_dir_all(blocked.join("inside")).unwrap();
        let before = src.snapshot();
        assert!(write_atomic(&blocked, "text").is_err());
        assert_eq!(src.snapshot(), before);
        write_atomic(&src.0.join("m1.rs"), "//! two\n").unwrap();
        assert_eq!(
            fs::read_to_string(src.0.join("m1.rs")).unwrap(),
            "//! two\n"
        );
        assert_eq!(src.snapshot().len(), before.len());
    }

    /// File operations that fail at the `fail_at`-th one.
    struct Faulty {
        fail_at: usize,
        done: std::cell::Cell<usize>,
    }

    impl Faulty {
        fn tick(&self, path: &Path) -> Result<(), WorkspaceError> {
            let n = self.done.get();
            self.done.set(n + 1);
            if n == self.fail_at {
                Err(WorkspaceError::Write(
                    path.into(),
                    std::io::Error::other("injected failure"),
                ))
            } else {
                Ok(())
            }
        }
    }

    impl FsOps for Faulty {
        fn write(&self, path: &Path, text: &str) -> Result<(), WorkspaceError> {
            self.tick(path)?;
            RealFs.write(path, text)
        }

        fn remove(&self, path: &Path) -> Result<(), WorkspaceError> {
            self.tick(path)?;
            RealFs.remove(path)
        }
    }

    #[test]
    fn squash_is_all_or_nothing() {
        let src = TempSrc::new(&[
            ("m1", &rendered("m1", &[], "one")),
            ("m2", &rendered("m2", &["m1"], "two")),
            ("m3", &rendered("m3", &["m2"], "three")),
        ]);
        let before = src.snapshot();
        let old = vec!["m1".to_owned(), "m2".to_owned(), "m3".to_owned()];
        let base = rendered("m4", &[], "base");
        // New file, lib.rs, three removals: make each one fail in turn.
        for fail_at in 0..5 {
            let faulty = Faulty {
                fail_at,
                done: Default::default(),
            };
            let err = src
                .dir()
                .replace_all_with("m4", &base, &old, &faulty)
                .expect_err("the injected failure");
            assert!(
                err.to_string().contains("injected failure")
                    && err.to_string().contains("restored as it was"),
                "{err}"
            );
            assert_eq!(src.snapshot(), before, "failure at step {fail_at}");
        }
        src.dir().replace_all("m4", &base, &old).unwrap();
        assert_eq!(src.dir().modules().unwrap(), ["m4"]);
        assert_eq!(src.dir().squashed().unwrap(), old);
    }

    #[test]
    fn the_directory_lock_makes_writers_take_turns() {
        let src = TempSrc::new(&[("m1", &rendered("m1", &[], "one"))]);
        let held = src.dir().lock(|_| panic!("nobody holds it yet")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let dir = src.dir();
        let waiter = std::thread::spawn(move || {
            let lock = dir.lock(|path| tx.send(path.to_owned()).unwrap()).unwrap();
            drop(lock);
        });
        let path = rx.recv().expect("the second writer waits");
        assert!(path.ends_with(LOCK_FILE), "{}", path.display());
        drop(held);
        waiter.join().unwrap();
    }

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
