//! Servers a cluster test starts for itself on loopback: PgBouncer in
//! transaction pooling mode in front of the test PostgreSQL, and a primary
//! (initdb) with a streaming hot standby (`pg_basebackup -R`).
//!
//! Each runs under a temporary directory of its own with free ports, as
//! the `postgres` system user (PgBouncer and PostgreSQL refuse root);
//! `Drop` stops what it started (by PID / `pg_ctl stop`) and removes the
//! directory, also when the test panics. Every wait is bounded.

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{free_port, pg_admin_url, query_strings, wait_for};

/// The `postgres` system user's uid and gid (from `/etc/passwd`).
pub fn postgres_user() -> Result<(u32, u32), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres") && f.len() > 3)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .ok_or_else(|| {
            "there is no `postgres` system user (PgBouncer and PostgreSQL refuse to run as root; \
             the postgresql server package creates it)"
                .to_owned()
        })
}

/// The newest PostgreSQL server binaries, `/usr/lib/postgresql/<major>/bin`.
pub fn pg_bin() -> Result<PathBuf, String> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_basebackup").is_file())
                .then_some((major, bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .ok_or_else(|| {
            "no PostgreSQL server binaries (initdb, pg_basebackup) under /usr/lib/postgresql/*/bin; \
             apt-get install -y postgresql"
                .to_owned()
        })
}

/// A temporary directory the `postgres` user can enter and write.
fn postgres_dir(prefix: &str, uid: u32, gid: u32) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("chmod {}: {e}", dir.path().display()))?;
    std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
        .map_err(|e| format!("chown {}: {e}", dir.path().display()))?;
    Ok(dir)
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(400);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].replace('\n', " ")
}

fn port_answers(port: u16) -> bool {
    TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// PgBouncer (`pool_mode = transaction`, `default_pool_size = 4`) in front
/// of the test PostgreSQL (`TEST_POSTGRES_URL`), serving one database.
pub struct PgBouncer {
    child: Option<Child>,
    pub port: u16,
    /// The database's URL through the pooler.
    pub url: String,
    dir: tempfile::TempDir,
}

impl PgBouncer {
    pub const BINARY: &'static str = "/usr/sbin/pgbouncer";

    /// Start PgBouncer serving `database` of the test server; waits
    /// (bounded) until it accepts connections.
    pub fn start(database: &str) -> Result<Self, String> {
        if !Path::new(Self::BINARY).is_file() {
            return Err(format!(
                "PgBouncer is not installed at {}; apt-get install -y pgbouncer",
                Self::BINARY
            ));
        }
        let (uid, gid) = postgres_user()?;
        let admin = url::Url::parse(&pg_admin_url())
            .map_err(|e| format!("TEST_POSTGRES_URL is not a URL: {e}"))?;
        let host = admin.host_str().unwrap_or("127.0.0.1").to_owned();
        let server_port = admin.port().unwrap_or(5432);
        let user = match admin.username() {
            "" => "postgres".to_owned(),
            u => u.to_owned(),
        };
        let password = admin
            .password()
            .map(|p| format!(" password={p}"))
            .unwrap_or_default();
        let dir = postgres_dir("autogen-pgbouncer-", uid, gid)?;
        let port = free_port();
        let d = dir.path().display();
        let ini = format!(
            "[databases]\n\
             {database} = host={host} port={server_port} dbname={database} user={user}{password}\n\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {d}/userlist.txt\n\
             admin_users = {user}\n\
             pool_mode = transaction\n\
             default_pool_size = 4\n\
             max_client_conn = 400\n\
             ignore_startup_parameters = extra_float_digits,options\n\
             logfile = {d}/pgbouncer.log\n\
             pidfile = {d}/pgbouncer.pid\n"
        );
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", path.display()))
        };
        write("pgbouncer.ini", &ini)?;
        write("userlist.txt", &format!("\"{user}\" \"\"\n"))?;
        let child = Command::new(Self::BINARY)
            .arg(dir.path().join("pgbouncer.ini"))
            .uid(uid)
            .gid(gid)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", Self::BINARY))?;
        let mut bouncer = PgBouncer {
            child: Some(child),
            port,
            url: format!("postgres://{user}@127.0.0.1:{port}/{database}"),
            dir,
        };
        let up = wait_for(Duration::from_secs(20), Duration::from_millis(50), || {
            if let Some(c) = bouncer.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                return Some(Err(format!("PgBouncer exited ({status})")));
            }
            port_answers(port).then_some(Ok(()))
        });
        let log = bouncer.dir.path().join("pgbouncer.log");
        match up {
            Some(Ok(())) => Ok(bouncer),
            Some(Err(e)) => Err(format!("{e}: {}", tail(&log))),
            None => Err(format!(
                "PgBouncer does not listen on 127.0.0.1:{port} within 20 s: {}",
                tail(&log)
            )),
        }
    }

    /// PgBouncer's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One PostgreSQL server of a [`Replicated`] pair.
struct Server {
    data: PathBuf,
    log: PathBuf,
    started: bool,
}

/// A primary (initdb, `wal_level = replica`, replication trusted in
/// `pg_hba.conf`) and a hot standby streaming from it (`pg_basebackup -R`),
/// each on a port of its own; both hold a database `app`.
pub struct Replicated {
    pub primary_port: u16,
    pub standby_port: u16,
    bin: PathBuf,
    uid: u32,
    gid: u32,
    servers: Vec<Server>,
    dir: tempfile::TempDir,
}

/// The application database made on the primary (and replicated).
pub const REPLICATED_DB: &str = "app";

impl Replicated {
    pub fn start() -> Result<Self, String> {
        let bin = pg_bin()?;
        let (uid, gid) = postgres_user()?;
        let dir = postgres_dir("autogen-standby-", uid, gid)?;
        let mut pair = Replicated {
            primary_port: free_port(),
            standby_port: free_port(),
            bin,
            uid,
            gid,
            servers: Vec::new(),
            dir,
        };
        while pair.standby_port == pair.primary_port {
            pair.standby_port = free_port();
        }
        let root = pair.dir.path().to_path_buf();
        let primary = root.join("primary");
        pair.as_postgres(
            "initdb",
            &[
                "-D".as_ref(),
                primary.as_os_str(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--no-sync".as_ref(),
            ],
            Duration::from_secs(60),
        )?;
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n\
             shared_buffers = 32MB\n",
            pair.primary_port,
            root.display()
        );
        append(&primary.join("postgresql.conf"), &conf)?;
        append(
            &primary.join("pg_hba.conf"),
            "host replication postgres 127.0.0.1/32 trust\n",
        )?;
        pair.servers.push(Server {
            data: primary.clone(),
            log: root.join("primary.log"),
            started: false,
        });
        pair.pg_ctl_start(0)?;
        let primary_url = pair.primary_url("postgres");
        crate::support::block_on(async {
            use sea_orm_migration::sea_orm::ConnectionTrait;
            let db = crate::support::connect(&primary_url).await?;
            db.execute_unprepared(&format!("CREATE DATABASE {REPLICATED_DB}"))
                .await?;
            db.close().await
        })
        .map_err(|e| format!("cannot create a database on the test primary: {e}"))?;

        let standby = root.join("standby");
        let port = pair.primary_port.to_string();
        pair.as_postgres(
            "pg_basebackup",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-D".as_ref(),
                standby.as_os_str(),
                "-R".as_ref(),
                "-X".as_ref(),
                "stream".as_ref(),
                "-c".as_ref(),
                "fast".as_ref(),
                "--no-sync".as_ref(),
            ],
            Duration::from_secs(60),
        )?;
        append(
            &standby.join("postgresql.conf"),
            &format!("port = {}\n", pair.standby_port),
        )?;
        pair.servers.push(Server {
            data: standby,
            log: root.join("standby.log"),
            started: false,
        });
        pair.pg_ctl_start(1)?;
        let streaming = wait_for(Duration::from_secs(30), Duration::from_millis(200), || {
            let n = query_strings(
                &pair.primary_url("postgres"),
                "SELECT CAST(count(*) AS TEXT) FROM pg_stat_replication WHERE state = 'streaming'",
            );
            (n.first().map(String::as_str) == Some("1")).then_some(())
        });
        if streaming.is_none() {
            return Err(format!(
                "the standby on :{} does not stream from the primary on :{} within 30 s: {}",
                pair.standby_port,
                pair.primary_port,
                tail(&pair.servers[1].log)
            ));
        }
        let in_recovery = query_strings(
            &pair.standby_url(REPLICATED_DB),
            "SELECT CAST(pg_is_in_recovery() AS TEXT)",
        );
        if in_recovery.first().map(String::as_str) != Some("true") {
            return Err(format!(
                "the server on :{} is not a hot standby (pg_is_in_recovery: {in_recovery:?})",
                pair.standby_port
            ));
        }
        Ok(pair)
    }

    pub fn primary_url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.primary_port)
    }

    pub fn standby_url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.standby_port)
    }

    /// Run a server binary as `postgres`, bounded by `timeout`.
    fn as_postgres(
        &self,
        tool: &str,
        args: &[&std::ffi::OsStr],
        timeout: Duration,
    ) -> Result<(), String> {
        let log = self.dir.path().join(format!("{tool}.log"));
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut child = Command::new(self.bin.join(tool))
            .args(args)
            .current_dir(self.dir.path())
            .uid(self.uid)
            .gid(self.gid)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run {tool}: {e}"))?;
        let status = wait_for(timeout, Duration::from_millis(50), || {
            child.try_wait().ok().flatten()
        });
        match status {
            Some(s) if s.success() => Ok(()),
            Some(s) => Err(format!("{tool} failed ({s}): {}", tail(&log))),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "{tool} did not finish within {timeout:?}: {}",
                    tail(&log)
                ))
            }
        }
    }

    fn pg_ctl_start(&mut self, i: usize) -> Result<(), String> {
        let (data, log) = (self.servers[i].data.clone(), self.servers[i].log.clone());
        self.servers[i].started = true;
        self.as_postgres(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "30".as_ref(),
                "start".as_ref(),
            ],
            Duration::from_secs(40),
        )
        .map_err(|e| format!("{e} {}", tail(&log)))
    }
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot append to {}: {e}", path.display()))
}

impl Drop for Replicated {
    fn drop(&mut self) {
        for server in self.servers.iter().rev().filter(|s| s.started) {
            let data = server.data.clone();
            let _ = self.as_postgres(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-m".as_ref(),
                    "immediate".as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "20".as_ref(),
                    "stop".as_ref(),
                ],
                Duration::from_secs(25),
            );
        }
    }
}
