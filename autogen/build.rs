//! `autogen --version`: the crate version, the commit it was built from and
//! the sea-orm version it links, e.g. `0.1.0 (commit 8abc003d1e2f, sea-orm 2.0.4)`.
//! Tolerant of a build without git or a `.git` (a crate download, a
//! container build): the commit is then `AUTOGEN_COMMIT` or "unknown".

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=AUTOGEN_COMMIT");
    let commit = std::env::var("AUTOGEN_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git_commit(&manifest))
        .unwrap_or_else(|| "unknown".to_owned());
    let sea_orm = lock_file(&manifest)
        .and_then(|lock| {
            println!("cargo:rerun-if-changed={}", lock.display());
            locked_version(&std::fs::read_to_string(lock).ok()?, "sea-orm")
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rustc-env=AUTOGEN_LONG_VERSION={version} (commit {commit}, sea-orm {sea_orm})");
}

/// `git rev-parse --short=12 HEAD`, and rebuild when HEAD moves.
fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        let common = git(&["rev-parse", "--git-common-dir"])
            .map(|c| dir.join(c))
            .unwrap_or_else(|| git_dir.clone());
        if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD"))
            && let Some(reference) = head.trim().strip_prefix("ref: ")
        {
            println!(
                "cargo:rerun-if-changed={}",
                common.join(reference).display()
            );
        }
        println!(
            "cargo:rerun-if-changed={}",
            common.join("packed-refs").display()
        );
    }
    Some(commit)
}

/// The workspace's Cargo.lock: the nearest one above the crate.
fn lock_file(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
}

/// The version of `package` in a Cargo.lock (`name = "..."` then `version = "..."`).
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let name = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}
