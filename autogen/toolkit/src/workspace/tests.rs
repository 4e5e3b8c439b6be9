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
        // No changes: nothing is labelled for a backend.
        backend: crate::config::Backend::Postgres,
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
        again.contains(
            "            Box::new(m2::Migration),\n            Box::new(m3::Migration),\n        ]"
        ),
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
