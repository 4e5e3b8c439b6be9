//! `autogen -m` / `diff` / `check` refuse bad situations with one line and a
//! non-zero exit, and write nothing: a database behind head, an unreachable
//! database, a missing migration crate, a message that makes no file name.
//! Every run points `--migration-dir` at a copy, so a bug could never write
//! into the real migration crate.

use crate::cli_common;

use std::path::Path;

use cli_common::Autogen;
use tests::support::{PgDatabase, workspace_root};

fn copy_migration_src() -> tempfile::TempDir {
    let dir = tests::support::temp_dir();
    for entry in std::fs::read_dir(workspace_root().join("migration/src")).expect("migration/src") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

fn listing(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        // The directory's lock file (.autogen.lock) is no migration.
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_database_behind_head_is_refused_with_the_pending_list() {
    let db = PgDatabase::create();
    let dir = copy_migration_src();
    let before = listing(dir.path());
    let ag = Autogen::new(db.url());
    let migration_dir = dir.path().to_string_lossy().into_owned();
    for args in [vec!["-m", "x"], vec!["diff"], vec!["check"], vec!["adopt"]] {
        let mut args = args.clone();
        args.extend(["--migration-dir", &migration_dir]);
        let run = ag.run(&args);
        let line = run.one_line_error();
        assert!(
            line.contains("behind head") && line.contains("m20260101_000001_initial_base_schema"),
            "{line}"
        );
        assert!(line.contains("autogen upgrade"), "says what to do: {line}");
        // Nothing recorded: maybe an existing database these migrations
        // never built, for which recording them is the step.
        assert!(line.contains("`autogen stamp head`"), "{line}");
    }
    assert_eq!(listing(dir.path()), before, "nothing may be written");
}

#[test]
fn an_unreachable_database_is_one_line() {
    let dir = copy_migration_src();
    let before = listing(dir.path());
    let run = Autogen::new("postgres://postgres:s3cret@127.0.0.1:1/nothing").run(&[
        "-m",
        "x",
        "--migration-dir",
        &dir.path().to_string_lossy(),
    ]);
    let line = run.one_line_error();
    assert!(line.contains("cannot connect"), "{line}");
    assert!(
        !run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"),
        "{run}"
    );
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn a_missing_or_unparsable_migration_crate_is_refused() {
    let db = PgDatabase::create();
    let ag = Autogen::new(db.url());
    let line = ag
        .run(&["-m", "x", "--migration-dir", "/nonexistent/migration/src"])
        .one_line_error()
        .to_owned();
    assert!(line.contains("cannot find the migration crate"), "{line}");

    let dir = copy_migration_src();
    let lib = dir.path().join("lib.rs");
    let text = std::fs::read_to_string(&lib)
        .expect("lib.rs")
        .replace("// autogen:migrations:end", "");
    std::fs::write(&lib, &text).expect("write lib.rs");
    let before = listing(dir.path());
    let line = ag
        .run(&["-m", "x", "--migration-dir", &dir.path().to_string_lossy()])
        .one_line_error()
        .to_owned();
    assert!(
        line.contains("cannot find the migration list") && line.contains("autogen:migrations:end"),
        "{line}"
    );
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn bad_rename_flags_and_messages_are_refused() {
    let db = PgDatabase::create();
    let ag = Autogen::new(db.url());
    let dir = copy_migration_src();
    let d = dir.path().to_string_lossy().into_owned();
    assert!(ag.run(&["upgrade"]).code == 0, "bring the database to head");
    let line = ag
        .run(&["-m", "x", "--rename", "no-dot", "--migration-dir", &d])
        .one_line_error()
        .to_owned();
    assert!(line.contains("table.old=new"), "{line}");
    let line = ag
        .run(&["-m", "x", "--rename-table", "nope", "--migration-dir", &d])
        .one_line_error()
        .to_owned();
    assert!(line.contains("old=new"), "{line}");
    let run = ag.run(&["revision", "--empty", "-m", "///", "--migration-dir", &d]);
    assert!(run.one_line_error().contains("empty file name"), "{run}");
    let clean = ag.run(&["check", "--migration-dir", &d]);
    assert_eq!(clean.code, 0, "at head, check is clean:\n{clean}");
    // Global options may come before the command, as in `alembic -c x check`.
    let clean = ag.run(&["--migration-dir", &d, "--json", "check"]);
    assert_eq!(clean.code, 0, "global options before the command:\n{clean}");
    let before = listing(dir.path());
    let run = ag.run(&["--migration-dir", &d, "-m", "x", "check"]);
    let line = run.one_line_error();
    assert!(
        line.contains("cannot come before the `check` command"),
        "{run}"
    );
    assert_eq!(listing(dir.path()), before, "a refused run writes nothing");
}

#[test]
fn dropping_a_column_that_holds_data_needs_accept_data_loss() {
    // A column the database has and no entity declares, holding data: with
    // no terminal, `-m` refuses in one line naming the change and the flag,
    // and writes nothing; `--accept-data-loss` writes the drop; a column
    // marked unmanaged in autogen.toml is no change at all.
    let db = PgDatabase::create();
    let ag = Autogen::new(db.url());
    let dir = copy_migration_src();
    let d = dir.path().to_string_lossy().into_owned();
    assert!(ag.run(&["upgrade"]).code == 0, "bring the database to head");
    tests::support::execute(
        db.url(),
        "ALTER TABLE runbooks ADD COLUMN legacy_note text; \
         INSERT INTO runbooks (id, name, category, legacy_note) VALUES (1, 'r', 'c', 'keep me')",
    );
    let before = listing(dir.path());
    let run = ag.run(&["-m", "drop it", "--migration-dir", &d]);
    let line = run.one_line_error();
    assert!(
        line.contains("drop column runbooks.legacy_note") && line.contains("--accept-data-loss"),
        "{run}"
    );
    assert_eq!(listing(dir.path()), before, "a refused run writes nothing");

    let accepted = ag.run(&["-m", "drop it", "--accept-data-loss", "--migration-dir", &d]);
    assert_eq!(accepted.code, 0, "{accepted}");
    assert!(listing(dir.path()).len() > before.len(), "{accepted}");
    // Unmanaged in autogen.toml: left alone, said so, no change.
    let root = tests::support::temp_dir();
    std::fs::write(
        root.path().join("autogen.toml"),
        "[unmanaged]\ncolumns = [\"runbooks.legacy_*\"]\n",
    )
    .expect("settings");
    let fresh = copy_migration_src();
    let fresh = fresh.path().to_string_lossy().into_owned();
    let run = ag
        .in_dir(root.path())
        .run(&["diff", "--migration-dir", &fresh]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.contains("column runbooks.legacy_note")
            && run.stdout.contains("No changes detected"),
        "{run}"
    );
}
