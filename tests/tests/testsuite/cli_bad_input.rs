//! Hostile or absurd input to the `autogen` binary: an empty or garbled
//! DATABASE_URL, numbers too big to represent, a mangled migration list.
//! Each is one `error:` line, exit 2 (never a panic's 101), and nothing
//! changed.

use crate::cli_common;

use std::os::unix::ffi::OsStrExt;

use cli_common::{Autogen, snapshot};
use tests::support::{TestDb, temp_dir};

#[test]
fn an_empty_or_non_utf8_database_url_is_one_line_and_creates_nothing() {
    let cwd = temp_dir();
    for args in [&["current"][..], &["upgrade"]] {
        let run = Autogen::new("").in_dir(cwd.path()).run(args);
        let line = run.one_line_error();
        assert!(line.contains("DATABASE_URL is set but empty"), "{run}");

        let mut cmd = Autogen::new("").in_dir(cwd.path()).command(args);
        cmd.env(
            "DATABASE_URL",
            std::ffi::OsStr::from_bytes(b"sqlite://data/\xff.db"),
        );
        let run = Autogen::wait(cmd.spawn().expect("spawn autogen"));
        let line = run.one_line_error();
        assert!(line.contains("DATABASE_URL is not valid UTF-8"), "{run}");
    }
    let created: Vec<_> = std::fs::read_dir(cwd.path())
        .expect("read cwd")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(created.is_empty(), "autogen created {created:?}");
}

#[test]
fn absurd_numbers_are_one_line_and_change_nothing() {
    let db = TestDb::sqlite();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    let before = snapshot(&db);
    for (args, expect) in [
        (
            &["upgrade", "--lock-timeout", "18446744073709551615"][..],
            "--lock-timeout is 18446744073709551615 seconds",
        ),
        (
            &["stamp", "base", "--lock-timeout", "18446744073709551615"],
            "--lock-timeout is 18446744073709551615 seconds",
        ),
        (
            &["stamp", "+9223372036854775807"],
            "cannot stamp +9223372036854775807",
        ),
        (&["stamp", "+1"], "cannot stamp +1"),
        (&["stamp", "-2"], "cannot stamp -2"),
        (
            &["downgrade", "-9223372036854775808", "--yes"],
            "cannot downgrade -9223372036854775808",
        ),
        (
            &["downgrade", "-9223372036854775808", "--sql"],
            "cannot downgrade -9223372036854775808",
        ),
        (
            &["upgrade", "+9223372036854775807"],
            "cannot upgrade +9223372036854775807",
        ),
    ] {
        let run = ag.run(args);
        let line = run.one_line_error();
        assert!(line.contains(expect), "{args:?}: {run}");
        assert_eq!(snapshot(&db), before, "{args:?} changed the database");
    }
}

/// `lib.rs` whose markers are swapped or repeated: the list cannot be read
/// (or written) safely, and the error says so instead of panicking.
#[test]
fn swapped_or_repeated_markers_in_lib_rs_are_one_line() {
    const BEGIN: &str = "// autogen:migrations:begin";
    const END: &str = "// autogen:migrations:end";
    let item = "Box::new(m20260101_000001_initial_base_schema::Migration),";
    for (what, list) in [
        ("swapped", format!("{END}\n{item}\n{BEGIN}")),
        ("end twice", format!("{END}\n{BEGIN}\n{item}\n{END}")),
        ("begin twice", format!("{BEGIN}\n{BEGIN}\n{item}\n{END}")),
    ] {
        let dir = temp_dir();
        std::fs::write(
            dir.path().join("lib.rs"),
            format!("mod m20260101_000001_initial_base_schema;\n\npub struct Migrator;\n\nfn migrations() {{ vec![\n{list}\n] }}\n"),
        )
        .expect("write lib.rs");
        let migration_dir = dir.path().display().to_string();
        for args in [
            &["heads", "--migration-dir", &migration_dir][..],
            &["history", "--migration-dir", &migration_dir],
        ] {
            let run = Autogen::new("sqlite::memory:").run(args);
            let line = run.one_line_error();
            assert!(
                line.contains("a marker is missing, repeated or out of order"),
                "{what}, {args:?}: {run}"
            );
        }
    }
}
