//! Paths as the written files spell them: relative between two crates, with
//! forward slashes.

use std::path::{Component, Path, PathBuf};

/// `to` relative to `from` (both relative to the workspace root).
pub(super) fn relative(from: &Path, to: &Path) -> PathBuf {
    let depth = from
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let mut out = PathBuf::new();
    for _ in 0..depth {
        out.push("..");
    }
    out.join(to)
}

/// `to` relative to `from` (both absolute, canonical): `../..` up to their
/// common ancestor, then down. Paths with nothing in common (two Windows
/// drives) stay absolute.
pub(super) fn relative_between(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.iter().collect();
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

pub(super) fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
