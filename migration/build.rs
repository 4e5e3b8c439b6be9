//! Ties this crate's build to the location of its sources.
//!
//! Cargo names the artifacts of a path crate by its path relative to the
//! workspace and judges freshness by file times, so a copy of the workspace
//! that builds into the same target directory (as the acceptance scripts
//! do, and as `autogen` users do when they try a change in a scratch copy)
//! would reuse this crate as another copy last built it, whenever its own
//! files are older. Watching `src/` by its absolute path makes the next build
//! after a copy's rerun this script once that copy is gone (the path it
//! watched is missing), which rebuilds the crate from its own sources.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let src = std::path::Path::new(&dir).join("src");
    println!("cargo:rerun-if-changed={}", src.display());
    println!("cargo:rustc-env=SOURCE_DIR={}", src.display());
}
