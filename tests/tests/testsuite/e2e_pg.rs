//! The used-by flow on PostgreSQL through the real commands, in a temporary
//! copy of the workspace: add `new_field: Option<String>` (varchar(100)) to
//! `Runbook`, `cargo run -p autogen -- -m "add new_field"`, check the file and
//! its registration, `cargo run -p app -- --migrate-only`, check the column,
//! generate again and get `No changes detected`.
//!
//! The copy shares the main target directory (an incremental build, not a
//! full one) but builds its binaries under other names, so the workspace's
//! own `target/debug/{app,autogen}` stay those of the real workspace.

use crate::cli_common;

use std::path::Path;
use std::process::{Command, Stdio};

use tests::support::{PgDatabase, query_strings, strip_ansi};

fn rename_bin(root: &Path, krate: &str, bin: &str) {
    let manifest = root.join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read manifest");
    let text = if text.contains("[[bin]]") {
        let key = "[[bin]]\nname = \"";
        let start = text.find(key).expect("[[bin]]") + key.len();
        let end = start + text[start..].find('"').expect("bin name");
        format!("{}{bin}{}", &text[..start], &text[end..])
    } else {
        let at = text.find("\n[dependencies]").expect("[dependencies]");
        format!(
            "{}\n[[bin]]\nname = \"{bin}\"\npath = \"src/main.rs\"\n{}",
            &text[..at],
            &text[at..]
        )
    };
    std::fs::write(&manifest, text).expect("write manifest");
}

/// `cargo run -p <krate> --bin <bin> -- args` in the copy; (exit code, stdout+stderr).
fn cargo_run(root: &Path, krate: &str, bin: &str, url: &str, args: &[&str]) -> (i32, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = cli_common::copies_target_dir();
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["run", "-q", "-p", krate, "--bin", bin, "--"])
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .env("DATABASE_URL", url)
        .env("AUTOGEN_CACHE_DIR", tests::support::test_cache_dir())
        .env("NO_COLOR", "1")
        .env_remove("AUTO_MIGRATE")
        .stdin(Stdio::null())
        .output()
        .expect("run cargo");
    let text = strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    (out.status.code().unwrap_or(-1), text)
}

fn add_new_field(root: &Path) {
    let path = root.join("entity/src/runbook.rs");
    let text = std::fs::read_to_string(&path).expect("read runbook.rs");
    let anchor = "pub struct Model {\n";
    let at = text.find(anchor).expect("Model struct") + anchor.len();
    let text = format!(
        "{}    #[sea_orm(column_type = \"String(StringLen::N(100))\", nullable)]\n    pub new_field: Option<String>,\n{}",
        &text[..at],
        &text[at..]
    );
    std::fs::write(&path, text).expect("write runbook.rs");
}

#[test]
fn add_a_field_generate_boot_and_reach_the_fixpoint_on_postgres() {
    let db = PgDatabase::create();
    let copy = cli_common::copy_workspace();
    let root = copy.path();
    rename_bin(root, "autogen", "autogen-e2e-pg");
    rename_bin(root, "app", "app-e2e-pg");

    let (code, out) = cargo_run(root, "app", "app-e2e-pg", db.url(), &["--migrate-only"]);
    assert_eq!(code, 0, "first boot failed:\n{out}");
    let (code, out) = cargo_run(
        root,
        "autogen",
        "autogen-e2e-pg",
        db.url(),
        &["-m", "baseline"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("No changes detected"),
        "false positives at head:\n{out}"
    );

    add_new_field(root);
    let (code, out) = cargo_run(
        root,
        "autogen",
        "autogen-e2e-pg",
        db.url(),
        &["-m", "add new_field"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Detected added column 'runbooks.new_field'"),
        "{out}"
    );
    let src = root.join("migration/src");
    let file = std::fs::read_dir(&src)
        .expect("migration/src")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_add_new_field.rs"))
        .unwrap_or_else(|| panic!("no *_add_new_field.rs written:\n{out}"));
    let module = file
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("module name")
        .to_owned();
    let text = std::fs::read_to_string(&file).expect("read migration");
    assert!(
        text.contains("//! Parent: m20260101_000001_initial_base_schema"),
        "{text}"
    );
    assert!(
        text.contains(".add_column(ColumnDef::new(\"new_field\").string_len(100))"),
        "{text}"
    );
    assert!(
        text.contains(".drop_column(\"new_field\")"),
        "down() must drop it:\n{text}"
    );
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    assert!(
        lib.contains(&format!("mod {module};"))
            && lib.contains(&format!("Box::new({module}::Migration),")),
        "{lib}"
    );
    assert!(
        out.contains(&format!("+            Box::new({module}::Migration),")),
        "the diff of lib.rs is printed:\n{out}"
    );

    // `-m` lints what it wrote; `lint` finds the same, pending on the database.
    assert!(
        out.contains("require-timeout-settings") && out.contains("instead:"),
        "-m prints the lint findings of the file it wrote:\n{out}"
    );
    let (code, out) = cargo_run(
        root,
        "autogen",
        "autogen-e2e-pg",
        db.url(),
        &["lint", "--json"],
    );
    assert_eq!(code, 1, "lint exits 1 with findings:\n{out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("lint --json");
    assert_eq!(v["migrations"], serde_json::json!([module]));
    assert_eq!(v["findings"][0]["rule"], "require-timeout-settings", "{v}");
    assert_eq!(v["findings"][0]["migration"], module.as_str(), "{v}");
    // Allowed in the file itself: clean.
    std::fs::write(
        &file,
        format!("// autogen-lint: allow require-lock-timeout\n{text}"),
    )
    .expect("write migration");
    let (code, out) = cargo_run(root, "autogen", "autogen-e2e-pg", db.url(), &["lint"]);
    assert_eq!(code, 0, "an allowed rule is not reported:\n{out}");
    assert!(out.contains("No lint findings in 1 migration(s)"), "{out}");

    let (code, out) = cargo_run(root, "app", "app-e2e-pg", db.url(), &["--migrate-only"]);
    assert_eq!(code, 0, "boot with the new migration failed:\n{out}");
    assert!(
        out.contains(&format!("Applied migration {module}")),
        "{out}"
    );
    let length = query_strings(
        db.url(),
        "SELECT character_maximum_length::text FROM information_schema.columns WHERE table_name = 'runbooks' AND column_name = 'new_field'",
    );
    assert_eq!(length, vec!["100".to_owned()]);

    let (code, out) = cargo_run(
        root,
        "autogen",
        "autogen-e2e-pg",
        db.url(),
        &["-m", "again"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No changes detected"), "no fixpoint:\n{out}");
    let again = std::fs::read_dir(&src)
        .expect("migration/src")
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains("_again"));
    assert!(!again, "a file was written although nothing changed");
}
