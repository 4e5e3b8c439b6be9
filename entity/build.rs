//! Ties this crate's build to the location of its sources.
//!
//! Cargo names the artifacts of a path crate by its path relative to the
//! workspace and judges freshness by file times, so a copy of the workspace
//! that builds into the same target directory (as the acceptance scripts
//! do) would reuse this crate as another copy last built it whenever its own
//! files are older. This script watches itself by absolute path and hands
//! that location to the compiler: once the copy that built last is gone, the
//! watched file is missing, the script reruns with the new location, and
//! the changed compiler environment rebuilds the crate from its own sources.
//! Edits in place are tracked by Cargo as usual.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let this = std::path::Path::new(&dir).join("build.rs");
    println!("cargo:rerun-if-changed={}", this.display());
    println!("cargo:rustc-env=SOURCE_DIR={dir}");
}
