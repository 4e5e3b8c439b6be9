//! Hostile or absurd input to the `autogen` binary: an empty or garbled
//! DATABASE_URL. Each is one `error:` line, exit 2 (never a panic's 101),
//! and nothing changed.

use crate::cli_common;

use std::os::unix::ffi::OsStrExt;

use cli_common::Autogen;
use tests::support::temp_dir;

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
