//! The built `app` binary, run as a child process with captured output.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::{self, Response};
use super::{strip_ansi, wait_for};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf()
}

static APP_BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// The path of a fresh `app` binary. The first call in a process runs
/// `cargo build -p app --bins` (`--release` when this code is optimized) and
/// takes the executable path from cargo's JSON messages, so it honours
/// `CARGO_TARGET_DIR` and any configured target directory. After a
/// `cargo test --workspace` build this is a quick no-op.
pub fn app_binary() -> PathBuf {
    APP_BIN
        .get_or_init(build_app)
        .clone()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn build_app() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(workspace_root())
        .args([
            // The whole workspace's binaries, not `-p app` alone: the same
            // feature set as `cargo test --workspace`, so nothing is rebuilt.
            "build",
            "--workspace",
            "--bins",
            "--message-format=json-render-diagnostics",
        ])
        .stdin(Stdio::null());
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {} build -p app: {e}", cargo.to_string_lossy()))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo build -p app --bins` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "app")
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo build -p app reported no executable:\n{stdout}"))
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("cannot bind 127.0.0.1:0")
        .port()
}

/// Settings the app reads from the environment; cleared for every run so the
/// developer's shell cannot leak into a test.
const APP_ENV: [&str; 8] = [
    "DATABASE_URL",
    "PORT",
    "AUTO_MIGRATE",
    "DB_CONNECT_RETRY_SECS",
    "MIGRATION_LOCK_TIMEOUT_SECS",
    "RUST_LOG",
    "NO_COLOR",
    "ACCESS_LOG",
];

/// How to run `app`: working directory, arguments, environment.
#[derive(Clone, Debug)]
pub struct App {
    cwd: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    /// Another build of the app (a workspace copy's); the workspace's own by default.
    bin: Option<PathBuf>,
}

impl App {
    /// `app` run in `cwd` (use a fresh temporary directory: the app reads
    /// `.env` and may create `./data/` there).
    pub fn new(cwd: &Path) -> Self {
        Self {
            cwd: cwd.to_path_buf(),
            args: Vec::new(),
            envs: Vec::new(),
            bin: None,
        }
    }

    /// Run `bin` (e.g. the app of a workspace copy) instead of the workspace's app.
    pub fn binary(mut self, bin: &Path) -> Self {
        self.bin = Some(bin.to_path_buf());
        self
    }

    fn bin(&self) -> PathBuf {
        self.bin.clone().unwrap_or_else(app_binary)
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn database(self, url: &str) -> Self {
        self.env("DATABASE_URL", url)
    }

    pub fn migrate_only(self) -> Self {
        self.arg("--migrate-only")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(self.bin());
        cmd.current_dir(&self.cwd);
        for var in APP_ENV {
            cmd.env_remove(var);
        }
        cmd.args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Start the process; its output is collected in the background.
    pub fn spawn(&self) -> Running {
        // The first command of a test process builds the binary (which can
        // take a minute): not part of the run's elapsed time.
        let mut command = self.command();
        let started = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin().display()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().expect("piped"), false, log.clone()),
            collect(child.stderr.take().expect("piped"), true, log.clone()),
        ];
        Running {
            child,
            log,
            readers,
            started,
        }
    }

    /// Run to completion; panics (after killing it) when it takes longer than `timeout`.
    pub fn run(&self, timeout: Duration) -> Exit {
        self.spawn().wait(timeout)
    }

    /// Start serving on a free port and wait until `GET /health` answers
    /// (any HTTP response). Retries with another port if the chosen one was
    /// taken in the meantime; panics with the log if the app exits or does
    /// not answer within 60 s.
    pub fn serve(&self) -> Server {
        for _ in 0..3 {
            let port = free_port();
            let mut running = self.clone().env("PORT", port.to_string()).spawn();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let answered = wait_for(Duration::from_secs(60), Duration::from_millis(10), || {
                if running.has_exited() {
                    return Some(false);
                }
                http::get(addr, "/health").ok().map(|_| true)
            });
            match answered {
                Some(true) => return Server { running, addr },
                Some(false) => {
                    let log = running.log();
                    if log.contains("Address already in use") || log.contains("address in use") {
                        continue;
                    }
                    let exit = running.wait(Duration::from_secs(5));
                    panic!("app exited ({}) before serving:\n{}", exit.status, exit.log);
                }
                None => {
                    let exit = running.kill();
                    panic!("app did not answer GET /health within 60 s:\n{}", exit.log);
                }
            }
        }
        panic!("app could not bind a free port three times in a row");
    }
}

#[derive(Clone, Debug)]
struct Line {
    stderr: bool,
    text: String,
}

fn collect<R: Read + Send + 'static>(
    stream: R,
    stderr: bool,
    log: Arc<Mutex<Vec<Line>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf);
                    let text = strip_ansi(text.trim_end_matches(['\n', '\r']));
                    log.lock().unwrap().push(Line { stderr, text });
                }
            }
        }
    })
}

/// A running `app`; killed if dropped while still running.
pub struct Running {
    child: Child,
    log: Arc<Mutex<Vec<Line>>>,
    readers: Vec<JoinHandle<()>>,
    started: Instant,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// stdout and stderr so far, interleaved by arrival, ANSI colours stripped.
    pub fn log(&self) -> String {
        join(&self.log.lock().unwrap(), |_| true)
    }

    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Send SIGTERM (what an orchestrator sends to stop a replica).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("cannot run kill");
        assert!(status.success(), "kill -TERM {} failed", self.pid());
    }

    /// Wait for the exit; after `timeout` kill the process and panic with its log.
    pub fn wait(mut self, timeout: Duration) -> Exit {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return self.finish(status);
            }
            if Instant::now() >= deadline {
                let exit = self.kill();
                panic!(
                    "app did not exit within {timeout:?} (killed after {:?}):\n{}",
                    exit.elapsed, exit.log
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Kill (SIGKILL) and collect what it printed.
    pub fn kill(mut self) -> Exit {
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait");
        self.finish(status)
    }

    fn finish(&mut self, status: ExitStatus) -> Exit {
        let elapsed = self.started.elapsed();
        for reader in std::mem::take(&mut self.readers) {
            let _ = reader.join();
        }
        let lines = self.log.lock().unwrap();
        Exit {
            status,
            elapsed,
            log: join(&lines, |_| true),
            stdout: join(&lines, |l| !l.stderr),
            stderr: join(&lines, |l| l.stderr),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn join(lines: &[Line], keep: impl Fn(&Line) -> bool) -> String {
    let mut out = String::new();
    for line in lines.iter().filter(|l| keep(l)) {
        out.push_str(&line.text);
        out.push('\n');
    }
    out
}

/// How a finished `app` ended and what it printed (ANSI colours stripped).
#[derive(Debug)]
pub struct Exit {
    pub status: ExitStatus,
    pub elapsed: Duration,
    /// stdout and stderr interleaved by arrival.
    pub log: String,
    pub stdout: String,
    pub stderr: String,
}

impl Exit {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The lines of the log that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<&str> {
        self.log.lines().filter(|l| l.contains(needle)).collect()
    }

    /// Panic with the log unless the process exited 0.
    pub fn assert_success(&self, what: &str) {
        assert!(
            self.success(),
            "{what}: app exited with {}:\n{}",
            self.status,
            self.log
        );
    }
}

/// An `app` that answers HTTP.
pub struct Server {
    pub running: Running,
    pub addr: SocketAddr,
}

impl Server {
    pub fn get(&self, path: &str) -> Response {
        self.check(http::get(self.addr, path), "GET", path)
    }

    pub fn delete(&self, path: &str) -> Response {
        self.check(http::delete(self.addr, path), "DELETE", path)
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Response {
        self.check(http::send_json(self.addr, method, path, body), method, path)
    }

    /// Send a raw body with the given content type.
    pub fn send_raw(&self, method: &str, path: &str, content_type: &str, body: &str) -> Response {
        self.check(
            http::request(
                self.addr,
                method,
                path,
                Some((content_type, body.as_bytes())),
            ),
            method,
            path,
        )
    }

    fn check(&self, r: std::io::Result<Response>, method: &str, path: &str) -> Response {
        r.unwrap_or_else(|e| {
            panic!(
                "{method} {path} failed: {e}\napp log:\n{}",
                self.running.log()
            )
        })
    }

    pub fn log(&self) -> String {
        self.running.log()
    }

    /// SIGTERM, then wait (at most `timeout`) for the exit.
    pub fn stop(self, timeout: Duration) -> Exit {
        self.running.terminate();
        self.running.wait(timeout)
    }
}
