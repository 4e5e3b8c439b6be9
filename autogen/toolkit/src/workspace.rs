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

mod list;
mod write;

use list::{list_items, list_span, markers, register, set_squashed, tidy_blank_lines};
#[cfg(test)]
use write::write_atomic;
use write::{FsOps, RealFs, apply_all};

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

#[cfg(test)]
mod tests;
