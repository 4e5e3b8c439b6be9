//! Rendered migration files, compiled. The change harness proves the apply
//! path on a database; this proves that the text a user gets is a module
//! that compiles against sea-orm-migration and the runtime. All files go
//! into one scratch crate and one `cargo check`: a crate per file would
//! cost a check (and a dependency graph resolution) each.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{temp_dir, workspace_root};

/// Where the scratch crates build: next to the acceptance scripts' copies,
/// which have built the same dependencies, and never in the workspace's
/// own target directory (whose artifacts the other tests run).
pub fn scratch_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("acceptance-copies")
}

/// The `sea-orm-migration = ...` line of the workspace manifest and its
/// `[profile.*]` sections, so the scratch crate builds with the same
/// features and settings as the workspace (and reuses what is built).
fn workspace_manifest_parts() -> (String, String) {
    let text = std::fs::read_to_string(workspace_root().join("Cargo.toml"))
        .expect("read the workspace Cargo.toml");
    let migration = text
        .lines()
        .find(|l| l.starts_with("sea-orm-migration ="))
        .expect("the workspace Cargo.toml declares sea-orm-migration")
        .to_owned();
    let mut profiles = String::new();
    let mut in_profile = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile.");
        }
        if in_profile {
            profiles.push_str(line);
            profiles.push('\n');
        }
    }
    (migration, profiles)
}

fn write_crate(root: &Path, name: &str, files: &BTreeMap<String, String>) {
    let (migration, profiles) = workspace_manifest_parts();
    let runtime = workspace_root().join("autogen/runtime");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{migration}\nasync-trait = \"0.1\"\n\
         autogen-runtime = {{ path = {:?} }}\n\n{profiles}\n[workspace]\n",
        runtime.display().to_string()
    );
    std::fs::create_dir_all(root.join("src")).expect("create the scratch crate");
    std::fs::write(root.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    // The workspace's lock file: the same versions, and no registry needed.
    std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock"))
        .expect("copy Cargo.lock");
    let mut lib = String::from("//! One module per rendered migration file.\n\n");
    for (module, text) in files {
        lib.push_str(&format!("pub mod {module};\n"));
        std::fs::write(root.join("src").join(format!("{module}.rs")), text)
            .expect("write a rendered file");
    }
    std::fs::write(root.join("src/lib.rs"), lib).expect("write lib.rs");
}

/// `cargo check` a crate named `name` whose modules are `files` (module name
/// to source). On failure: each module with an error or a warning, its
/// diagnostics and its source; a failure of the check itself, as such.
pub fn check_compiles(name: &str, files: &BTreeMap<String, String>) -> Result<(), String> {
    let dir = temp_dir();
    write_crate(dir.path(), name, files);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(dir.path())
        .args(["check", "--lib", "--offline", "--message-format=json"])
        .env("CARGO_TARGET_DIR", scratch_target_dir())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo check: {e}"))?;
    let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut other = Vec::new();
    for message in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-message")
    {
        let diagnostic = &message["message"];
        if !matches!(diagnostic["level"].as_str(), Some("error" | "warning")) {
            continue;
        }
        let rendered = diagnostic["rendered"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let module = diagnostic["spans"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["file_name"].as_str())
            .find_map(|f| f.strip_prefix("src/")?.strip_suffix(".rs"))
            .filter(|m| files.contains_key(*m));
        match module {
            Some(m) => by_module.entry(m.to_owned()).or_default().push(rendered),
            None => other.push(rendered),
        }
    }
    if out.status.success() && by_module.is_empty() {
        return Ok(());
    }
    let mut report = String::new();
    for (module, diagnostics) in &by_module {
        report.push_str(&format!(
            "the rendered file of case `{module}` does not compile cleanly:\n{}\n--- {module}.rs ---\n{}\n",
            diagnostics.join("\n"),
            files[module]
        ));
    }
    if !out.status.success() && by_module.is_empty() {
        report.push_str(&format!(
            "cargo check of the rendered files failed:\n{}\n{}",
            other.join("\n"),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Err(report)
}
