//! A Patroni HA cluster on loopback, started by a test: one etcd, N
//! Patroni-managed PostgreSQL nodes and HAProxy routing to the leader (its
//! health check asks each node's Patroni REST API for `/primary`, as
//! Patroni's own `haproxy.cfg` example does). It is the standard Patroni
//! deployment, with a short `ttl`/`loop_wait` so that a failover takes
//! seconds, and synchronous replication (`synchronous_mode`), so a commit
//! acknowledged by the leader is on the standby that a failover promotes.
//!
//! Every process runs under one temporary directory with ports of its own;
//! [`Cluster`]'s `Drop` stops what it started (by PID) and removes the
//! directory, also when the test panics. Every wait is bounded.
//! PostgreSQL refuses to run as root: Patroni (and so PostgreSQL) runs as
//! the `postgres` system user.

use std::fs::File;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr, Statement};
use serde_json::{Value, json};

use crate::support::{block_on, connect, free_port, http};

/// The leader key's time to live in etcd (seconds): how long a dead
/// leader keeps the key, so the bulk of a failover's time.
pub const TTL: u64 = 6;
/// Patroni's cycle (seconds).
pub const LOOP_WAIT: u64 = 1;
/// How long Patroni retries etcd and PostgreSQL before demoting (seconds);
/// `loop_wait + 2 * retry_timeout <= ttl`, as Patroni requires.
pub const RETRY_TIMEOUT: u64 = 2;

/// How long a cluster may take to start (initdb, the replicas' base
/// backups, a sync standby chosen) on a busy two-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// What a test needs installed; `Err` names the missing piece and how to get it.
pub struct Binaries {
    patroni: PathBuf,
    etcd: PathBuf,
    haproxy: PathBuf,
    pg_bin: PathBuf,
    uid: u32,
    gid: u32,
}

const INSTALL: &str =
    "apt-get install -y patroni etcd-server haproxy postgresql (what .ci/run does)";

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

impl Binaries {
    pub fn find() -> Result<Self, String> {
        let need =
            |name: &str| which(name).ok_or_else(|| format!("`{name}` is not installed; {INSTALL}"));
        let pg_bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let major: u32 = e.file_name().to_str()?.parse().ok()?;
                let bin = e.path().join("bin");
                bin.join("initdb").is_file().then_some((major, bin))
            })
            .max()
            .map(|(_, bin)| bin)
            .ok_or_else(|| {
                format!("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; {INSTALL}")
            })?;
        let (uid, gid) = postgres_user()?;
        Ok(Self {
            patroni: need("patroni")?,
            etcd: need("etcd")?,
            haproxy: need("haproxy")?,
            pg_bin,
            uid,
            gid,
        })
    }
}

/// The `postgres` system user's uid and gid (from `/etc/passwd`).
fn postgres_user() -> Result<(u32, u32), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres") && f.len() > 3)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .ok_or_else(|| {
            "there is no `postgres` system user (PostgreSQL refuses to run as root; \
             the postgresql server package creates it)"
                .to_owned()
        })
}

/// One Patroni-managed PostgreSQL node.
pub struct Node {
    pub name: String,
    pub pg_port: u16,
    pub api_port: u16,
    dir: PathBuf,
    patroni: Option<Child>,
}

impl Node {
    fn api(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.api_port))
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn is_alive(&self) -> bool {
        self.patroni.is_some()
    }
}

/// A member of the cluster as Patroni's `GET /cluster` reports it.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub role: String,
    pub state: String,
    pub port: u16,
}

/// The running cluster; dropped: everything stopped and removed.
pub struct Cluster {
    nodes: Vec<Node>,
    etcd: Option<Child>,
    haproxy: Option<Child>,
    /// Where applications connect: HAProxy, routing to the leader.
    pub haproxy_port: u16,
    /// From the first process spawned to the first query answered through HAProxy.
    pub started_in: Duration,
    dir: tempfile::TempDir,
}

/// Run a statement through `url` and return the first row's text columns.
pub fn query_row(url: &str, sql: &str) -> Result<Vec<String>, String> {
    let sql = sql.to_owned();
    block_on(async move {
        let db = connect(url).await?;
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await;
        let _ = db.close().await;
        let Some(row) = row? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut i = 0;
        while let Ok(v) = row.try_get_by_index::<String>(i) {
            out.push(v);
            i += 1;
        }
        Ok::<_, DbErr>(out)
    })
    .map_err(|e| e.to_string())
}

impl Cluster {
    /// Start etcd, `nodes` Patroni nodes and HAProxy; wait (bounded) until
    /// there is a leader, every other node streams from it, a sync standby
    /// is chosen, and HAProxy answers queries on the leader.
    pub fn start(nodes: usize) -> Result<Self, String> {
        assert!(nodes >= 1, "a cluster has at least one node");
        let bin = Binaries::find()?;
        let started = Instant::now();
        let dir = tempfile::Builder::new()
            .prefix("autogen-patroni-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        // The postgres user has to reach its node directories.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("chmod {}: {e}", dir.path().display()))?;
        let mut cluster = Cluster {
            nodes: Vec::new(),
            etcd: None,
            haproxy: None,
            haproxy_port: free_port(),
            started_in: Duration::ZERO,
            dir,
        };
        let (etcd_client, etcd_peer) = (free_port(), free_port());
        cluster.etcd = Some(cluster.spawn_etcd(&bin, etcd_client, etcd_peer)?);
        let etcd = SocketAddr::from(([127, 0, 0, 1], etcd_client));
        cluster.wait("etcd to answer /health", Duration::from_secs(30), |_| {
            http::request(etcd, "GET", "/health", None)
                .ok()
                .filter(|r| r.status == 200)
                .map(|_| ())
        })?;
        for i in 0..nodes {
            let node = cluster.spawn_node(&bin, i, etcd_client)?;
            cluster.nodes.push(node);
        }
        cluster.wait("a leader and every replica streaming", START_TIMEOUT, |c| {
            let members = c.members()?;
            let leaders = members
                .iter()
                .filter(|m| m.role == "leader" && m.state == "running")
                .count();
            let replicas = members
                .iter()
                .filter(|m| {
                    matches!(m.role.as_str(), "replica" | "sync_standby")
                        && matches!(m.state.as_str(), "running" | "streaming")
                })
                .count();
            let sync = members.iter().any(|m| m.role == "sync_standby");
            (members.len() == nodes
                && leaders == 1
                && replicas == nodes - 1
                && (sync || nodes == 1))
                .then_some(())
        })?;
        cluster.haproxy = Some(cluster.spawn_haproxy(&bin)?);
        // HAProxy counts a server up until its checks fail (`fall 2` at
        // 500 ms): a new connection may reach a replica in the first second.
        // Ready when several new connections in a row reach the leader.
        let mut in_a_row = 0;
        cluster.wait(
            "HAProxy routing only to the leader",
            Duration::from_secs(30),
            |c| {
                in_a_row = if c.primary_via_haproxy().is_some() {
                    in_a_row + 1
                } else {
                    0
                };
                (in_a_row >= 2 * nodes + 2).then_some(())
            },
        )?;
        cluster.started_in = started.elapsed();
        Ok(cluster)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log_file(&self, name: &str) -> Result<File, String> {
        File::create(self.path(name)).map_err(|e| format!("cannot create {name}: {e}"))
    }

    fn spawn_etcd(&self, bin: &Binaries, client: u16, peer: u16) -> Result<Child, String> {
        let log = self.log_file("etcd.log")?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let (client, peer) = (
            format!("http://127.0.0.1:{client}"),
            format!("http://127.0.0.1:{peer}"),
        );
        Command::new(&bin.etcd)
            .args(["--name", "e0", "--data-dir"])
            .arg(self.path("etcd"))
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("e0={peer}")])
            .args(["--initial-cluster-state", "new"])
            .args(["--initial-cluster-token", "autogen-tests"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start etcd ({}): {e}", bin.etcd.display()))
    }

    fn spawn_node(&self, bin: &Binaries, i: usize, etcd_port: u16) -> Result<Node, String> {
        let name = format!("n{i}");
        let dir = self.path(&name);
        std::fs::create_dir(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        std::os::unix::fs::chown(&dir, Some(bin.uid), Some(bin.gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
        let (pg_port, api_port) = (free_port(), free_port());
        let d = dir.display();
        let config = format!(
            r#"scope: autogen-tests
namespace: /autogen-tests/
name: {name}
log:
  level: INFO
restapi:
  listen: 127.0.0.1:{api_port}
  connect_address: 127.0.0.1:{api_port}
etcd3:
  hosts: 127.0.0.1:{etcd_port}
watchdog:
  mode: 'off'
bootstrap:
  dcs:
    ttl: {TTL}
    loop_wait: {LOOP_WAIT}
    retry_timeout: {RETRY_TIMEOUT}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: false
      use_slots: true
      parameters:
        fsync: 'off'
        full_page_writes: 'off'
        synchronous_commit: 'on'
        shared_buffers: 16MB
        max_connections: 100
        max_wal_senders: 10
        max_replication_slots: 10
        wal_level: replica
        hot_standby: 'on'
  initdb:
  - encoding: UTF8
  - auth: trust
  pg_hba:
  - local all all trust
  - host replication postgres 127.0.0.1/32 trust
  - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:{pg_port}
  connect_address: 127.0.0.1:{pg_port}
  data_dir: {d}/data
  bin_dir: {pg_bin}
  pgpass: {d}/pgpass
  authentication:
    replication:
      username: postgres
    superuser:
      username: postgres
  parameters:
    unix_socket_directories: '{d}'
"#,
            pg_bin = bin.pg_bin.display(),
        );
        let config_path = dir.join("patroni.yml");
        std::fs::write(&config_path, config).map_err(|e| format!("write patroni.yml: {e}"))?;
        let log = File::create(dir.join("patroni.log")).map_err(|e| e.to_string())?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&bin.patroni);
        cmd.arg(&config_path)
            .current_dir(&dir)
            .env("HOME", &dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .uid(bin.uid)
            .gid(bin.gid);
        for (key, _) in std::env::vars_os() {
            if key
                .to_str()
                .is_some_and(|k| k.starts_with("PG") || k.starts_with("PATRONI"))
            {
                cmd.env_remove(key);
            }
        }
        let patroni = cmd
            .spawn()
            .map_err(|e| format!("cannot start patroni ({}): {e}", bin.patroni.display()))?;
        Ok(Node {
            name,
            pg_port,
            api_port,
            dir,
            patroni: Some(patroni),
        })
    }

    fn spawn_haproxy(&self, bin: &Binaries) -> Result<Child, String> {
        // Patroni's haproxy.cfg example: TCP mode, a health check on the REST
        // API's /primary, sessions to a server cut when it is marked down.
        let mut cfg = format!(
            "global\n    maxconn 256\n\
             defaults\n    mode tcp\n    retries 2\n    timeout queue 5s\n    timeout connect 2s\n    \
             timeout client 30m\n    timeout server 30m\n    timeout check 2s\n\
             listen primary\n    bind 127.0.0.1:{}\n    option httpchk OPTIONS /primary\n    \
             http-check expect status 200\n    \
             default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions\n",
            self.haproxy_port
        );
        for n in &self.nodes {
            cfg.push_str(&format!(
                "    server {} 127.0.0.1:{} maxconn 100 check port {}\n",
                n.name, n.pg_port, n.api_port
            ));
        }
        let path = self.path("haproxy.cfg");
        std::fs::write(&path, cfg).map_err(|e| format!("write haproxy.cfg: {e}"))?;
        let log = self.log_file("haproxy.log")?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        Command::new(&bin.haproxy)
            .arg("-f")
            .arg(&path)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start haproxy ({}): {e}", bin.haproxy.display()))
    }

    /// Poll `check` every 100 ms for at most `timeout`; the error names
    /// what was awaited and ends with the tail of every log.
    fn wait<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Self) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = check(self) {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the Patroni cluster: no {what} within {timeout:?}\n{}",
                    self.logs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The tail of every log of the cluster, for a failure message.
    pub fn logs(&self) -> String {
        let mut files = vec![self.path("etcd.log"), self.path("haproxy.log")];
        files.extend(self.nodes.iter().map(|n| n.dir.join("patroni.log")));
        let mut out = String::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let tail: String = {
                let lines: Vec<&str> = text.lines().filter(|l| !l.contains("no action")).collect();
                lines[lines.len().saturating_sub(25)..].join("\n")
            };
            out.push_str(&format!("--- {}\n{tail}\n", f.display()));
        }
        out
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The cluster as a live node's Patroni REST API reports it.
    pub fn members(&self) -> Option<Vec<Member>> {
        self.nodes.iter().filter(|n| n.is_alive()).find_map(|n| {
            let r = http::request(n.api(), "GET", "/cluster", None).ok()?;
            let v: Value = serde_json::from_str(&r.body).ok()?;
            v["members"]
                .as_array()?
                .iter()
                .map(|m| {
                    Some(Member {
                        name: m["name"].as_str()?.to_owned(),
                        role: m["role"].as_str()?.to_owned(),
                        state: m["state"].as_str()?.to_owned(),
                        port: u16::try_from(m["port"].as_u64()?).ok()?,
                    })
                })
                .collect()
        })
    }

    /// The index of the node holding the leader key, if any.
    pub fn leader(&self) -> Option<usize> {
        let members = self.members()?;
        let name = &members.iter().find(|m| m.role == "leader")?.name;
        self.nodes.iter().position(|n| &n.name == name)
    }

    /// Where applications connect: HAProxy.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.haproxy_port
        )
    }

    /// Straight to one node, bypassing HAProxy.
    pub fn node_url(&self, i: usize, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.nodes[i].pg_port
        )
    }

    /// The node HAProxy routes to, if it answers as a writable primary.
    pub fn primary_via_haproxy(&self) -> Option<usize> {
        let row = query_row(
            &self.url("postgres"),
            "SELECT inet_server_port()::text, pg_is_in_recovery()::text",
        )
        .ok()?;
        let port: u16 = row.first()?.parse().ok()?;
        (row.get(1).map(String::as_str) == Some("false"))
            .then(|| self.nodes.iter().position(|n| n.pg_port == port))
            .flatten()
    }

    /// Wait until HAProxy routes to a writable primary other than `not`.
    pub fn wait_primary_via_haproxy(
        &self,
        not: Option<usize>,
        timeout: Duration,
    ) -> Result<usize, String> {
        self.wait("writable primary through HAProxy", timeout, |c| {
            c.primary_via_haproxy().filter(|i| Some(*i) != not)
        })
    }

    /// `CREATE DATABASE` on the leader (through HAProxy); its URL there.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        query_row(
            &self.url("postgres"),
            &format!("CREATE DATABASE \"{name}\""),
        )
        .map_err(|e| format!("CREATE DATABASE {name} through HAProxy: {e}"))?;
        Ok(self.url(name))
    }

    /// The PID of node `i`'s postmaster (first line of `postmaster.pid`),
    /// if that process is still one of ours.
    fn postmaster(&self, i: usize) -> Option<u32> {
        let text = std::fs::read_to_string(self.nodes[i].data_dir().join("postmaster.pid")).ok()?;
        let pid: u32 = text.lines().next()?.trim().parse().ok()?;
        ours(pid, &self.nodes[i].dir).then_some(pid)
    }

    /// The node as a machine that dies: SIGKILL its Patroni and its
    /// postmaster at once (the backends exit on postmaster death). It stays
    /// down. Returns when both processes are gone.
    pub fn kill_node(&mut self, i: usize) -> Result<(), String> {
        let postmaster = self.postmaster(i);
        let node = &mut self.nodes[i];
        let Some(mut patroni) = node.patroni.take() else {
            return Err(format!("node {} is not running", node.name));
        };
        let mut kill = Command::new("kill");
        kill.arg("-KILL").arg(patroni.id().to_string());
        if let Some(pm) = postmaster {
            kill.arg(pm.to_string());
        }
        let status = kill.status().map_err(|e| format!("cannot run kill: {e}"))?;
        let _ = patroni.wait();
        if !status.success() {
            return Err(format!(
                "kill -KILL of node {} failed ({status})",
                node.name
            ));
        }
        let dir = node.dir.clone();
        if let Some(pm) = postmaster {
            self.wait(
                "postmaster exit after SIGKILL",
                Duration::from_secs(10),
                |_| (!ours(pm, &dir)).then_some(()),
            )?;
        }
        Ok(())
    }

    /// Ask the leader's Patroni for a switchover to `candidate` (`POST
    /// /switchover`); returns Patroni's answer. It blocks until Patroni has
    /// switched (seconds): call it from a thread to act meanwhile.
    pub fn switchover(&self, candidate: usize) -> Result<String, String> {
        let leader = self.leader().ok_or("no leader to switch over from")?;
        let body = json!({
            "leader": self.nodes[leader].name,
            "candidate": self.nodes[candidate].name,
        })
        .to_string();
        let r = http::request(
            self.nodes[leader].api(),
            "POST",
            "/switchover",
            Some(("application/json", body.as_bytes())),
        )
        .map_err(|e| format!("POST /switchover: {e}"))?;
        if r.status == 200 {
            Ok(r.body)
        } else {
            Err(format!("POST /switchover: {} {}", r.status, r.body))
        }
    }

    /// A live node's Patroni API address (to ask from another thread).
    pub fn api_of(&self, i: usize) -> SocketAddr {
        self.nodes[i].api()
    }
}

/// Whether `pid` is a process whose command line names `dir` (ours).
fn ours(pid: u32, dir: &Path) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains(&*dir.to_string_lossy()))
        .unwrap_or(false)
}

fn signal(sig: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Patroni stops its PostgreSQL on SIGTERM; give them 20 s together.
        for n in &self.nodes {
            if let Some(p) = &n.patroni {
                signal("-TERM", p.id());
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for n in &mut self.nodes {
            if let Some(mut p) = n.patroni.take() {
                while matches!(p.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
                let _ = p.kill();
                let _ = p.wait();
            }
        }
        for i in 0..self.nodes.len() {
            if let Some(pm) = self.postmaster(i) {
                signal("-KILL", pm);
            }
        }
        for child in [self.haproxy.take(), self.etcd.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
        // The temporary directory goes with `self.dir`.
    }
}
