//! What got in a newcomer's way in the first hour (issue 26), each as the
//! command or request that hit it: a closed pipe, a server that is down, a
//! SQLite path in a missing directory, a MySQL URL without a database, a
//! `.env` with a bad line, a read-only migration directory, a port in use,
//! `/health` on a database ahead of the binary, names counted in bytes, PUT
//! keeping some omitted fields; and the extras a newcomer looks for first
//! (`--version`, `--color`, completions, the man page, the access log).

use crate::cli_common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cli_common::{Autogen, Run};
use serde_json::json;
use tests::support::{App, HEAD, MIGRATION_FAILED, SqliteFile, TestDb, temp_dir, workspace_root};

const RUN: Duration = Duration::from_secs(60);

/// A port that nothing listens on (nothing may listen on port 1 here).
const DOWN: &str = "127.0.0.1:1";

// ---------------------------------------------------------------------------
// The command line

/// `autogen history --verbose | head`: the reader goes away, autogen stops
/// without a panic or a backtrace, with the status of a process ended by
/// SIGPIPE (as `git log | head`).
#[test]
fn a_closed_stdout_ends_autogen_quietly() {
    for args in [
        &["history", "--verbose"][..],
        &["history", "--json"],
        &["heads"],
        &["completions", "bash"],
        &["man"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut cmd = Autogen::new("sqlite::memory:").command(args);
        cmd.stdout(writer);
        let out = cmd.output().expect("run autogen");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(seaorm_autogen::cli::BROKEN_PIPE_EXIT),
            "{args:?}: {stderr}"
        );
        assert!(stderr.trim().is_empty(), "{args:?} printed: {stderr}");
    }
}

/// A server that is down: "connection refused at HOST:PORT" at once, not
/// "pool timed out" after the 5 s connect timeout.
#[test]
fn a_server_that_is_down_is_named_at_once() {
    for url in [
        format!("postgres://postgres@{DOWN}/x"),
        format!("mysql://root@{DOWN}/x"),
    ] {
        for args in [&["current"][..], &["upgrade"]] {
            let started = Instant::now();
            let run = Autogen::new(&url).run(args);
            let elapsed = started.elapsed();
            let line = run.one_line_error();
            assert!(
                line.contains(&format!("connection refused at {DOWN}")),
                "{url} {args:?}: {run}"
            );
            assert!(
                elapsed < Duration::from_secs(3),
                "{url} {args:?}: took {elapsed:?}"
            );
        }
    }
}

/// `current` said "empty database" (exit 0) and `upgrade` failed with
/// "(code: 14) unable to open database file": both now name the directory.
#[test]
fn a_sqlite_path_in_a_missing_directory_is_one_clear_line() {
    let dir = temp_dir();
    let missing = dir.path().join("no/such/dir");
    let url = format!("sqlite://{}/app.db", missing.display());
    for args in [&["current"][..], &["upgrade"], &["check"]] {
        let run = Autogen::new(&url).run(args);
        let line = run.one_line_error();
        assert!(
            line.contains(&format!(
                "the directory {} of the SQLite database",
                missing.display()
            )) && line.contains("does not exist"),
            "{args:?}: {run}"
        );
    }
    assert!(!missing.exists(), "a command created {}", missing.display());
}

/// A MySQL URL without a database: every query failed with "1046 No
/// database selected"; the URL is refused before connecting.
#[test]
fn a_mysql_url_without_a_database_says_it_needs_one() {
    for url in [
        "mysql://root@127.0.0.1:3306",
        "mysql://root:secret@127.0.0.1:3306/",
    ] {
        let run = Autogen::new(url).run(&["current"]);
        let line = run.one_line_error();
        assert!(line.contains("names no database"), "{url}: {run}");
        assert!(!line.contains("secret"), "the password leaked: {line}");
    }
}

/// `autogen` run in `cwd` with no DATABASE_URL in its environment (so that `.env` is read).
fn without_database_url(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = Autogen::new("").in_dir(cwd).command(args);
    cmd.env_remove("DATABASE_URL");
    Autogen::wait(cmd.spawn().expect("spawn autogen"))
}

/// A `.env` line that does not parse was skipped silently (with the rest of
/// the file); an empty DATABASE_URL from `.env` said nothing of `.env`.
#[test]
fn a_bad_dotenv_says_which_line_and_an_empty_url_from_it_says_so() {
    let cwd = temp_dir();
    let env = cwd.path().join(".env");
    std::fs::write(&env, "PORT=8080\nDATABASE_URL sqlite://x.db\n").expect("write .env");
    let run = without_database_url(cwd.path(), &["current"]);
    let line = run.one_line_error();
    assert!(
        line.contains("cannot read .env") && line.contains("DATABASE_URL sqlite://x.db"),
        "{run}"
    );

    std::fs::write(&env, "DATABASE_URL=\n").expect("write .env");
    let run = without_database_url(cwd.path(), &["current"]);
    assert!(
        run.one_line_error()
            .contains("DATABASE_URL from .env is empty"),
        "{run}"
    );
    let created: Vec<_> = std::fs::read_dir(cwd.path())
        .expect("read cwd")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n != ".env")
        .collect();
    assert!(created.is_empty(), "autogen created {created:?}");
}

/// `chattr +i` on a directory for the test's lifetime: not even root may
/// create files in it (the tests run as root, for whom modes change nothing).
struct Immutable(PathBuf);

impl Immutable {
    fn new(dir: &Path) -> Self {
        let status = Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .expect("this test needs chattr (e2fsprogs) to make a directory read-only");
        assert!(status.success(), "chattr +i {} failed", dir.display());
        Self(dir.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// `-m` on a migration directory that cannot be written printed only
/// "error: writing the migration": now the file and the OS error.
#[test]
fn a_read_only_migration_directory_names_the_file_and_the_os_error() {
    let dir = temp_dir();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).expect("mkdir src");
    for entry in std::fs::read_dir(workspace_root().join("migration/src")).expect("read src") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            std::fs::copy(&path, src.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    // The directory lock exists (as after any earlier run) and stays writable.
    std::fs::write(src.join(".autogen.lock"), "").expect("lock file");
    let before = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    // A database at head with a column the entities do not have: `-m` has
    // a migration to write (dropping it).
    let db = TestDb::sqlite();
    let ag = Autogen::new(&db.url());
    ag.run(&["upgrade"]).ok();
    db.execute("ALTER TABLE runbooks ADD COLUMN extra TEXT");
    let frozen = Immutable::new(&src);
    let src_arg = src.display().to_string();
    let run = ag.run(&[
        "-m",
        "drop extra",
        "--no-input",
        "--migration-dir",
        &src_arg,
    ]);
    drop(frozen);
    let line = run.one_line_error();
    assert!(
        line.contains(&format!("cannot write {}", src.display()))
            && line.contains("Operation not permitted"),
        "{run}"
    );
    assert_eq!(
        std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs"),
        before
    );
}

#[test]
fn version_names_the_commit_and_the_sea_orm_version() {
    let run = Autogen::new("sqlite::memory:").run(&["--version"]);
    run.ok();
    let line = run.stdout.trim();
    assert!(line.starts_with("autogen 0."), "{line}");
    assert!(
        line.contains("(commit ") && line.contains(", sea-orm 2.0."),
        "{line}"
    );
}

#[test]
fn color_always_colours_a_pipe_and_never_does_not() {
    let ag = Autogen::new("sqlite::memory:");
    let always = ag.run(&["history", "--color", "always"]);
    assert!(always.ok().stdout.contains("\x1b["), "{always}");
    let never = ag.run(&["--color", "never", "history"]);
    assert!(!never.ok().stdout.contains('\x1b'), "{never}");
    let bad = ag.run(&["--color", "sometimes", "history"]);
    assert_eq!(bad.code, 2, "{bad}");
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line() {
    let ag = Autogen::new("sqlite::memory:");
    for (shell, marker) in [
        ("bash", "complete -F _autogen"),
        ("zsh", "#compdef autogen"),
        ("fish", "complete -c autogen"),
    ] {
        let run = ag.run(&["completions", shell]);
        assert!(run.ok().stdout.contains(marker), "{shell}: {run}");
        assert!(run.stdout.contains("upgrade"), "{shell}: no subcommands");
    }
    let man = ag.run(&["man"]);
    assert!(man.ok().stdout.starts_with(".ie"), "{man}");
    assert!(man.stdout.contains(".TH autogen 1"), "{man}");
    let dir = temp_dir();
    let out = dir.path().display().to_string();
    ag.run(&["man", "--out-dir", &out]).ok();
    for page in ["autogen.1", "autogen-upgrade.1", "autogen-completions.1"] {
        assert!(dir.path().join(page).is_file(), "{page} not written");
    }
}

// ---------------------------------------------------------------------------
// The app

fn one_error(exit: &tests::support::Exit) -> String {
    let lines = exit.lines_with("❌");
    assert_eq!(lines.len(), 1, "expected one ❌ line:\n{}", exit.log);
    lines[0].to_owned()
}

/// The app's retry still waits for a database that is starting, but each
/// attempt and the last error say "connection refused at HOST:PORT".
#[test]
fn the_app_names_a_refused_connection() {
    let cwd = temp_dir();
    let exit = App::new(cwd.path())
        .database(&format!("postgres://postgres@{DOWN}/x"))
        .env("DB_CONNECT_RETRY_SECS", "1")
        .migrate_only()
        .run(RUN);
    assert!(!exit.success(), "{}", exit.log);
    let line = one_error(&exit);
    assert!(
        line.contains(MIGRATION_FAILED) && line.contains(&format!("connection refused at {DOWN}")),
        "{line}"
    );
    assert!(
        exit.lines_with("retrying")
            .iter()
            .all(|l| l.contains("connection refused")),
        "{}",
        exit.log
    );
}

#[test]
fn the_app_refuses_a_mysql_url_without_a_database_and_a_bad_dotenv() {
    let cwd = temp_dir();
    let exit = App::new(cwd.path())
        .database("mysql://root@127.0.0.1:3306")
        .migrate_only()
        .run(RUN);
    assert!(
        one_error(&exit).contains("names no database"),
        "{}",
        exit.log
    );

    std::fs::write(cwd.path().join(".env"), "DATABASE_URL\n").expect("write .env");
    let exit = App::new(cwd.path()).migrate_only().run(RUN);
    assert!(!exit.success(), "{}", exit.log);
    assert!(
        one_error(&exit).contains("cannot read .env"),
        "{}",
        exit.log
    );
    assert!(
        !cwd.path().join("data").exists(),
        "the default database was created"
    );
}

/// The port was bound after migrating and the error did not name it: now
/// it is bound first, so nothing is migrated when the app cannot serve.
#[test]
fn a_port_in_use_is_named_before_anything_is_migrated() {
    let taken = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let file = SqliteFile::create();
    let exit = App::new(file.dir())
        .database(&file.url())
        .env("PORT", port.to_string())
        .run(RUN);
    assert!(!exit.success(), "{}", exit.log);
    let line = one_error(&exit);
    assert!(
        line.contains(&format!("cannot listen on 0.0.0.0:{port}")) && line.contains("in use"),
        "{line}"
    );
    assert!(
        !file.path().exists(),
        "migrated before checking the port:\n{}",
        exit.log
    );
}

/// A newer build migrated the database past this binary's head: `/health`
/// said `ok, pending 0`; it now says the database is ahead and by what.
#[test]
fn health_reports_a_database_ahead_of_the_binary() {
    let db = TestDb::sqlite();
    let cwd = temp_dir();
    let server = App::new(cwd.path()).database(&db.url()).serve();
    let h = server.get("/health").json();
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(h["database_head"], HEAD, "{h}");
    assert_eq!(h["ahead_of_binary"], json!([]), "{h}");

    let newer = "m20991231_000000_from_a_newer_build";
    db.execute(&format!(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{newer}', 4102444800)"
    ));
    let h = server.get("/health").json();
    assert_eq!(h["status"], "ahead", "{h}");
    assert_eq!(h["database_head"], newer, "{h}");
    assert_eq!(h["head"], HEAD, "{h}");
    assert_eq!(h["ahead_of_binary"], json!([newer]), "{h}");
    assert!(h["note"].as_str().is_some_and(|n| n.contains(newer)), "{h}");
    server.stop(RUN).assert_success("stop");
}

/// Names are limited in characters (what varchar(255) counts), not bytes;
/// PUT replaces the whole runbook; every request gets an access-log line.
#[test]
fn the_api_counts_characters_replaces_on_put_and_logs_requests() {
    let db = TestDb::sqlite();
    let cwd = temp_dir();
    let server = App::new(cwd.path()).database(&db.url()).serve();

    let accented = "é".repeat(200);
    let r = server.send_json(
        "POST",
        "/runbooks",
        &json!({"name": accented, "category": "ü".repeat(100)}),
    );
    assert_eq!(r.status, 201, "200 é are 200 characters (400 bytes): {r:?}");
    let r = server.send_json(
        "POST",
        "/runbooks",
        &json!({"name": "é".repeat(256), "category": "web"}),
    );
    assert_eq!(r.status, 422, "{r:?}");

    let created = server.send_json(
        "POST",
        "/runbooks",
        &json!({"name": "full", "category": "web", "description": "d", "enabled": false, "tags": ["a"]}),
    );
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json()["id"].as_i64().expect("id");
    let put = server.send_json(
        "PUT",
        &format!("/runbooks/{id}"),
        &json!({"name": "full", "category": "web"}),
    );
    assert_eq!(put.status, 200, "{put:?}");
    let u = put.json();
    assert_eq!(u["description"], json!(null), "{u}");
    assert_eq!(u["enabled"], json!(true), "{u}");
    assert_eq!(u["tags"], json!([]), "{u}");

    let exit = server.stop(RUN);
    let logged = exit.lines_with("uri=/runbooks/");
    assert!(
        logged
            .iter()
            .any(|l| l.contains("PUT") && l.contains("status=200")),
        "no access-log line for the PUT:\n{}",
        exit.log
    );
}

#[test]
fn access_log_false_turns_the_access_log_off() {
    let db = TestDb::sqlite();
    let cwd = temp_dir();
    let server = App::new(cwd.path())
        .database(&db.url())
        .env("ACCESS_LOG", "false")
        .serve();
    assert_eq!(server.get("/health").status, 200);
    let exit = server.stop(RUN);
    assert!(exit.lines_with("uri=/health").is_empty(), "{}", exit.log);
}
