//! The edit-compile loop: `cargo test --workspace`, `cargo run -p autogen`
//! and `cargo run -p app` must resolve every third-party crate with the same
//! features, or switching between them rebuilds sqlx, rustls and sea-orm
//! (minutes on two cores). The `workspace-hack` crate (managed by
//! `cargo hakari`) pins the union; this test fails when a new dependency or
//! feature breaks it, and says how to regenerate.

use std::collections::BTreeMap;
use std::process::Command;

/// `package version` -> features, as `cargo tree` resolves them for `args`.
fn resolved(args: &[&str]) -> BTreeMap<String, String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["tree", "--offline", "--prefix", "none", "-f", "{p}|{f}"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?} fails: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.contains("(/")) // workspace members: their own features are theirs
        .filter_map(|l| {
            let (package, features) = l.split_once('|')?;
            let package = package
                .trim_end_matches(" (*)")
                .trim_end_matches(" (proc-macro)");
            Some((
                package.to_owned(),
                features.trim_end_matches(" (*)").to_owned(),
            ))
        })
        .collect()
}

#[test]
fn test_run_autogen_and_run_app_resolve_one_feature_set() {
    let workspace = resolved(&["--workspace"]);
    for (what, args) in [
        ("cargo run -p app", &["-p", "app", "-e", "normal,build"][..]),
        (
            "cargo run -p autogen",
            &["-p", "autogen", "-e", "normal,build"],
        ),
    ] {
        let differing: Vec<String> = resolved(args)
            .into_iter()
            .filter(|(package, features)| workspace.get(package).is_some_and(|w| w != features))
            .map(|(package, features)| {
                format!("{package}: [{features}] vs [{}]", workspace[&package])
            })
            .collect();
        assert!(
            differing.is_empty(),
            "`{what}` resolves other features than `cargo test --workspace`, so switching rebuilds them: {differing:?}; run `cargo hakari generate && cargo hakari manage-deps` (cargo install cargo-hakari)"
        );
    }
}
