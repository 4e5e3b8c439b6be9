//! Helpers of the `cli_*` tests: the real `autogen` binary run as a child
//! process (no terminal, a clean environment), schemas read back with the
//! toolkit's own introspection, temporary copies of the workspace for the
//! commands that rewrite migration files, and locks held from the test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use sea_orm_migration::sea_orm::{ConnectionTrait, TransactionTrait};
use seaorm_autogen::schema::Schema;
use serde_json::Value;
use tests::support::{self, block_on, workspace_root};

static AUTOGEN: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// The workspace's `autogen` binary, built once per test process.
///
/// `target/debug/autogen` is shared: a build of a workspace copy into the
/// same target directory (other tools do that) replaces it with a binary
/// that has other migrations compiled in. So the binary is checked (its
/// compiled migrations must be those of `migration/src/lib.rs`) and used
/// through a hard link of this process's own, which a later replacement of
/// the shared file cannot change.
pub fn autogen_binary() -> PathBuf {
    AUTOGEN
        .get_or_init(|| {
            let mut last = String::new();
            for _ in 0..3 {
                let built = cargo_build_bin(&workspace_root(), "autogen")?;
                let private = private_link(&built)?;
                match compiled_matches_sources(&private) {
                    Ok(()) => return Ok(private),
                    Err(e) => last = e,
                }
            }
            Err(format!("{} (after 3 builds)", last))
        })
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn private_link(built: &Path) -> Result<PathBuf, String> {
    let dir = built.parent().ok_or("no parent")?.join("cli-tests");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Links of finished test processes: keep the directory from growing.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(6 * 3600));
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let link = dir.join(format!("autogen-{}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::fs::hard_link(built, &link)
        .or_else(|_| std::fs::copy(built, &link).map(|_| ()))
        .map_err(|e| format!("cannot link {}: {e}", built.display()))?;
    Ok(link)
}

/// The binary's compiled migrations against `migration/src/lib.rs`.
fn compiled_matches_sources(bin: &Path) -> Result<(), String> {
    let lib = std::fs::read_to_string(workspace_root().join("migration/src/lib.rs"))
        .map_err(|e| e.to_string())?;
    let sources: Vec<&str> = lib
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("Box::new(")?
                .split("::Migration")
                .next()
        })
        .collect();
    let out = Command::new(bin)
        .current_dir(workspace_root())
        .args(["history", "--json", "--database-url", "sqlite::memory:"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let json: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("history --json: {e}"))?;
    let compiled: Vec<&str> = json["revisions"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["revision"].as_str()).collect())
        .unwrap_or_default();
    if compiled == sources {
        Ok(())
    } else {
        Err(format!(
            "{} has the migrations {compiled:?} compiled in, migration/src has {sources:?}: \
             another build replaced target/debug/autogen",
            bin.display()
        ))
    }
}

/// Where workspace copies build: a target directory of their own, shared by
/// all copies. Cargo names the artifacts of path crates by their place in
/// the workspace, not on disk, so a copy building into the main target
/// directory would overwrite the real workspace's `entity`/`migration`
/// libraries and binaries (a copy's extra migration then shows up in tests
/// that run the real `autogen`). Copies share it safely, one after another
/// (cargo's lock): `entity` and `migration` rebuild when their location
/// changes (their build scripts), the rest is built once.
pub fn copies_target_dir() -> PathBuf {
    let main = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    // The directory the acceptance checks build their copies in, and the
    // compile check of rendered files too: one extra build of the
    // dependencies for all of them.
    main.join("acceptance-copies")
}

/// Build the `app` binary of a workspace copy, under a name of its own
/// (`app-<tag>`), as [`build_copy`] does for `autogen`.
pub fn build_copy_app(root: &Path, tag: &str) -> PathBuf {
    let manifest = root.join("app/Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("read app/Cargo.toml");
    assert!(
        !text.contains("[[bin]]"),
        "app/Cargo.toml has a [[bin]] already"
    );
    let bin = format!("app-{tag}");
    text.push_str(&format!(
        "\n[[bin]]\nname = \"{bin}\"\npath = \"src/main.rs\"\n"
    ));
    std::fs::write(&manifest, text).expect("write app/Cargo.toml");
    cargo_build(root, "app", &bin).unwrap_or_else(|e| panic!("{e}"))
}

/// `cargo build -p autogen` in `root`; the path of the binary named `bin`.
fn cargo_build_bin(root: &Path, bin: &str) -> Result<PathBuf, String> {
    cargo_build(root, "autogen", bin)
}

/// `cargo build -p <package>` in `root`; the path of the binary named `bin`.
fn cargo_build(root: &Path, package: &str, bin: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "-p",
            package,
            "--bins",
            "--message-format=json-render-diagnostics",
        ])
        .stdin(Stdio::null());
    if root == workspace_root() {
        if std::env::var_os("CARGO_TARGET_DIR").is_none() {
            cmd.env("CARGO_TARGET_DIR", workspace_root().join("target"));
        }
    } else {
        cmd.env("CARGO_TARGET_DIR", copies_target_dir());
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo build -p {package}` in {} failed:\n{}",
            root.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo build reported no `{bin}` executable"))
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self
    }

    /// A failure with exactly one (non-empty) line on stderr, which it returns.
    pub fn one_line_error(&self) -> &str {
        assert_eq!(self.code, 2, "expected the error exit code 2:\n{self}");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(lines.len(), 1, "expected one error line:\n{self}");
        assert!(lines[0].starts_with("error: "), "{self}");
        lines[0]
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// How to run `autogen`: which binary, where, against which database.
#[derive(Clone, Debug)]
pub struct Autogen {
    bin: PathBuf,
    cwd: PathBuf,
    url: String,
}

impl Autogen {
    /// The workspace's binary, run from the workspace root (where
    /// `migration/src` is) against `url`.
    pub fn new(url: &str) -> Self {
        Self {
            bin: autogen_binary(),
            cwd: workspace_root(),
            url: url.to_owned(),
        }
    }

    pub fn in_dir(mut self, cwd: &Path) -> Self {
        self.cwd = cwd.to_path_buf();
        self
    }

    pub fn binary(mut self, bin: &Path) -> Self {
        self.bin = bin.to_path_buf();
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.cwd)
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("AUTOGEN_CACHE_DIR", support::test_cache_dir())
            .env("NO_COLOR", "1")
            // Progress lines (long work, on stderr) would make the number
            // of stderr lines depend on the machine's speed.
            .env("AUTOGEN_QUIET", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        Run::from(out)
    }

    /// Run and wait for the child started by [`Self::command`].
    pub fn wait(child: std::process::Child) -> Run {
        Run::from(child.wait_with_output().expect("cannot wait for autogen"))
    }
}

/// The schema of the database at `url`, as autogen reads it.
pub fn schema(url: &str) -> Schema {
    block_on(async {
        let db = support::connect(url).await.expect("connect");
        let schema = seaorm_autogen::source::database::introspect(&db).await;
        let _ = db.close().await;
        schema.expect("introspect")
    })
}

/// `seaql_migrations` rows, or none when the table does not exist.
pub fn rows(db: &support::TestDb) -> Vec<String> {
    db.applied().unwrap_or_default()
}

/// Everything a command could have changed: schema and bookkeeping.
pub fn snapshot(db: &support::TestDb) -> (Schema, Vec<String>) {
    (schema(&db.url()), rows(db))
}

/// A copy of the workspace without `target/`, `.git` and `data/`, in a
/// temporary directory removed when dropped.
pub fn copy_workspace() -> tempfile::TempDir {
    let dir = support::temp_dir();
    copy_tree(&workspace_root(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if matches!(name.to_str(), Some("target" | ".git" | "data")) {
            continue;
        }
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

/// Build the `autogen` binary of a workspace copy. It gets a name of its
/// own (`autogen-<tag>`): it shares the main target directory, whose
/// `debug/autogen` must stay the main workspace's binary.
pub fn build_copy(root: &Path, tag: &str) -> PathBuf {
    let manifest = root.join("autogen/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read autogen/Cargo.toml");
    let bin = format!("autogen-{tag}");
    let key = "[[bin]]\nname = \"";
    let start = text
        .find(key)
        .expect("autogen/Cargo.toml has no [[bin]] section")
        + key.len();
    let end = start + text[start..].find('"').expect("unterminated bin name");
    let renamed = format!("{}{bin}{}", &text[..start], &text[end..]);
    std::fs::write(&manifest, renamed).expect("write autogen/Cargo.toml");
    cargo_build_bin(root, &bin).unwrap_or_else(|e| panic!("{e}"))
}

/// A lock held by the test on another thread until dropped: a PostgreSQL
/// session running `sql` (e.g. `SELECT pg_advisory_lock(..)` or `LOCK TABLE
/// ..` inside an open transaction).
pub struct HeldPg {
    release: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HeldPg {
    pub fn new(url: &str, sql: &str, in_transaction: bool) -> Self {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let url = url.to_owned();
        let sql = sql.to_owned();
        let thread = std::thread::spawn(move || {
            block_on(async move {
                let db = support::connect(&url).await.expect("connect");
                if in_transaction {
                    let txn = db.begin().await.expect("begin");
                    txn.execute_unprepared(&sql).await.expect("hold");
                    ready_tx.send(()).expect("ready");
                    let _ = release_rx.recv();
                    txn.rollback().await.expect("rollback");
                } else {
                    db.execute_unprepared(&sql).await.expect("hold");
                    ready_tx.send(()).expect("ready");
                    let _ = release_rx.recv();
                }
                // Closing the pool ends the session, and with it any lock.
                let _ = db.close().await;
            })
        });
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the lock holder did not get its lock");
        Self {
            release: Some(release_tx),
            thread: Some(thread),
        }
    }

    pub fn release(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HeldPg {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The advisory lock key the runtime uses ("autogen!").
pub const PG_LOCK_KEY: i64 = 0x6175_746f_6765_6e21;

/// Hold the migration lock of a PostgreSQL database.
pub fn hold_pg_migration_lock(url: &str) -> HeldPg {
    HeldPg::new(
        url,
        &format!("SELECT pg_advisory_lock({PG_LOCK_KEY})"),
        false,
    )
}

/// Hold the migration lock of a SQLite database (its sidecar lock file).
pub fn hold_sqlite_migration_lock(db_path: &Path) -> std::fs::File {
    let mut lock_path = db_path.as_os_str().to_owned();
    lock_path.push(".migrate.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(PathBuf::from(lock_path))
        .expect("open the lock file");
    file.lock().expect("lock the lock file");
    file
}
