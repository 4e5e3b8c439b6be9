//! A MariaDB Galera cluster started by a test: `mariadbd` nodes with the
//! galera-4 provider and rsync SST, on loopback, each with free ports and a
//! data directory under one temporary directory. The nodes run as the
//! `mysql` system user when the test runs as root (rsync SST's daemon drops
//! to `nobody` under root). Every wait is bounded; dropping the cluster kills
//! the nodes it started (SIGKILL, by their own process handles) and removes
//! the directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, wait_for};

/// The galera-4 provider (Debian's package path) unless `GALERA_PROVIDER` says otherwise.
pub fn provider() -> PathBuf {
    std::env::var_os("GALERA_PROVIDER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/galera/libgalera_smm.so"))
}

/// Why a Galera cluster cannot be started here, if it cannot: the message
/// says what to install.
pub fn missing_tools() -> Option<String> {
    let galera = provider();
    if !galera.is_file() {
        return Some(format!(
            "no Galera provider at {} (install the package galera-4, or set GALERA_PROVIDER)",
            galera.display()
        ));
    }
    for tool in ["mariadbd", "mariadb-install-db", "mysql", "rsync"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!(
                "`{tool}` is not installed (the Galera tests need mariadb-server, mariadb-client and rsync)"
            ));
        }
    }
    None
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// One node: its ports, its directory, its process.
struct Node {
    port: u16,
    gcomm: u16,
    ist: u16,
    sst: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// A running Galera cluster; dropped, it kills its nodes and removes their files.
pub struct GaleraCluster {
    dir: tempfile::TempDir,
    name: String,
    nodes: Vec<Node>,
}

/// How long a node may take to bootstrap or to join (an rsync SST).
const JOIN_TIMEOUT: Duration = Duration::from_secs(90);

impl GaleraCluster {
    /// Start `size` nodes: the first bootstraps the cluster, the others
    /// join one by one (a joiner takes a full state transfer, ~8 s here).
    /// Panics with the node's log when one does not come up in time.
    pub fn start(size: usize) -> Self {
        if let Some(why) = missing_tools() {
            panic!("cannot start a Galera cluster: {why}");
        }
        let dir = tempfile::Builder::new()
            .prefix("autogen-galera-")
            .tempdir()
            .expect("cannot create a temporary directory");
        let name = format!(
            "autogen_{}",
            dir.path()
                .file_name()
                .map(|n| n
                    .to_string_lossy()
                    .replace(|c: char| !c.is_alphanumeric(), ""))
                .unwrap_or_default()
        );
        let mut cluster = Self {
            dir,
            name,
            nodes: Vec::new(),
        };
        for _ in 0..size {
            cluster.prepare_node();
        }
        // The data directories in parallel (mariadb-install-db: ~1 s each).
        let installs: Vec<_> = (0..size).map(|i| cluster.install(i)).collect();
        for (i, mut child) in installs.into_iter().enumerate() {
            let ok = child.wait().is_ok_and(|s| s.success());
            assert!(
                ok,
                "mariadb-install-db for Galera node {i} failed: {}",
                tail(&cluster.nodes[i].dir.join("install.log"))
            );
        }
        for i in 0..size {
            cluster.launch(i, i == 0);
            cluster.wait_synced(i, i + 1);
        }
        cluster
    }

    /// Add a node that joins the running cluster now (a late joiner: it
    /// gets the cluster's state, schema included, by a state transfer).
    /// Returns its index once it is Synced.
    pub fn add_node(&mut self) -> usize {
        let i = self.prepare_node();
        let ok = self.install(i).wait().is_ok_and(|s| s.success());
        assert!(
            ok,
            "mariadb-install-db for Galera node {i} failed: {}",
            tail(&self.nodes[i].dir.join("install.log"))
        );
        let size = self.live().count() + 1;
        self.launch(i, false);
        self.wait_synced(i, size);
        i
    }

    fn prepare_node(&mut self) -> usize {
        let i = self.nodes.len();
        let dir = self.dir.path().join(format!("n{i}"));
        std::fs::create_dir_all(dir.join("tmp")).expect("cannot create a node directory");
        let mut taken: Vec<u16> = self
            .nodes
            .iter()
            .flat_map(|n| [n.port, n.gcomm, n.ist, n.sst])
            .collect();
        let mut port = || loop {
            let p = free_port();
            if !taken.contains(&p) {
                taken.push(p);
                return p;
            }
        };
        self.nodes.push(Node {
            port: port(),
            gcomm: port(),
            ist: port(),
            sst: port(),
            dir,
            child: None,
        });
        if running_as_root() {
            let _ = Command::new("chown")
                .args(["-R", "mysql"])
                .arg(self.dir.path())
                .status();
            let _ = Command::new("chmod")
                .args(["755"])
                .arg(self.dir.path())
                .status();
        }
        i
    }

    fn install(&self, i: usize) -> Child {
        let node = &self.nodes[i];
        let log = std::fs::File::create(node.dir.join("install.log")).expect("install.log");
        let mut cmd = Command::new("mariadb-install-db");
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", node.dir.join("data").display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .env("TMPDIR", node.dir.join("tmp"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("install.log"))
            .stderr(log);
        if running_as_root() {
            cmd.arg("--user=mysql");
        }
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot run mariadb-install-db: {e}"))
    }

    fn members(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.gcomm))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn launch(&mut self, i: usize, bootstrap: bool) {
        let members = self.members();
        let node = &self.nodes[i];
        let d = &node.dir;
        let log = std::fs::File::create(d.join("stdout.log")).expect("stdout.log");
        let mut cmd = Command::new("mariadbd");
        cmd.arg("--no-defaults");
        if running_as_root() {
            cmd.arg("--user=mysql");
        }
        cmd.arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--tmpdir={}", d.join("tmp").display()))
            .arg(format!("--socket={}", d.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", d.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            .arg(format!("--port={}", node.port))
            .args([
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                "--binlog-format=ROW",
                "--default-storage-engine=InnoDB",
                "--innodb-autoinc-lock-mode=2",
                "--innodb-buffer-pool-size=64M",
                "--innodb-flush-log-at-trx-commit=0",
                "--wsrep-on=ON",
                "--wsrep-sst-method=rsync",
            ])
            .arg(format!("--wsrep-provider={}", provider().display()))
            .arg(format!("--wsrep-cluster-name={}", self.name))
            .arg(format!("--wsrep-cluster-address=gcomm://{members}"))
            .arg(format!("--wsrep-node-name=n{i}"))
            .arg(format!("--wsrep-node-address=127.0.0.1:{}", node.gcomm))
            .arg(format!(
                "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{};ist.recv_addr=127.0.0.1:{};gcache.size=32M",
                node.gcomm, node.ist
            ))
            .arg(format!("--wsrep-sst-receive-address=127.0.0.1:{}", node.sst))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("stdout.log"))
            .stderr(log);
        if bootstrap {
            cmd.arg("--wsrep-new-cluster");
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start mariadbd: {e}"));
        self.nodes[i].child = Some(child);
    }

    /// Wait (bounded) until node `i` is Synced in a cluster of `size`.
    pub fn wait_synced(&mut self, i: usize, size: usize) {
        let started = Instant::now();
        let synced = wait_for(JOIN_TIMEOUT, Duration::from_millis(300), || {
            if let Some(child) = self.nodes[i].child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Some(Err(format!("exited ({status})")));
            }
            let state = self.status(i, "wsrep_local_state_comment");
            let seen = self.status(i, "wsrep_cluster_size");
            (state.as_deref() == Some("Synced") && seen == Some(size.to_string())).then_some(Ok(()))
        });
        let why = match synced {
            Some(Ok(())) => {
                eprintln!(
                    "galera: node {i} on :{} synced in a cluster of {size} after {:.1}s",
                    self.nodes[i].port,
                    started.elapsed().as_secs_f64()
                );
                return;
            }
            Some(Err(why)) => why,
            None => format!("not Synced in a cluster of {size} after {JOIN_TIMEOUT:?}"),
        };
        panic!(
            "Galera node {i} on :{} {why}: {}",
            self.nodes[i].port,
            errors(&self.nodes[i].dir.join("error.log"))
        );
    }

    /// A `SHOW STATUS` value of node `i`, `None` when it does not answer.
    pub fn status(&self, i: usize, name: &str) -> Option<String> {
        self.query(i, &format!("SHOW STATUS LIKE '{name}'"))
            .ok()?
            .first()?
            .split('\t')
            .nth(1)
            .map(str::to_owned)
    }

    /// Run `sql` on node `i` with the `mysql` client: the rows, tab-separated.
    pub fn query(&self, i: usize, sql: &str) -> Result<Vec<String>, String> {
        let out = Command::new("mysql")
            .args(["-h", "127.0.0.1", "-uroot", "-NB", "--connect-timeout=5"])
            .arg(format!("-P{}", self.nodes[i].port))
            .args(["-e", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run mysql: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    }

    /// Create database `name` on node 0 and wait (bounded) until every live node has it.
    pub fn create_database(&self, name: &str) {
        self.query(0, &format!("CREATE DATABASE `{name}`"))
            .unwrap_or_else(|e| panic!("cannot create database {name} on Galera node 0: {e}"));
        for i in self.live() {
            let there = wait_for(Duration::from_secs(20), Duration::from_millis(200), || {
                self.query(
                    i,
                    &format!(
                        "SELECT 1 FROM information_schema.schemata WHERE schema_name = '{name}'"
                    ),
                )
                .ok()
                .filter(|r| !r.is_empty())
            });
            assert!(
                there.is_some(),
                "database {name} made on Galera node 0 did not reach node {i}"
            );
        }
    }

    /// The URL of database `db` on node `i`.
    pub fn url(&self, i: usize, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.nodes[i].port)
    }

    /// The nodes still running (not killed).
    pub fn live(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].child.is_some())
    }

    /// SIGKILL node `i` (a crash: no shutdown, no goodbye to the cluster).
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The directory of node `i` (its error.log, for a failure message).
    pub fn node_dir(&self, i: usize) -> &Path {
        &self.nodes[i].dir
    }
}

impl Drop for GaleraCluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(600);
    text.get(start..).unwrap_or(&text).replace('\n', " ")
}

fn errors(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("[ERROR]") || l.contains("abort"))
        .take(4)
        .collect();
    if lines.is_empty() {
        tail(path)
    } else {
        lines.join(" | ")
    }
}

/// The revision of [`SlowGaleraMigrator`].
pub const SLOW_GALERA: &str = "m20990201_000001_slow_galera";

/// One migration of three statements for a kill in the middle: creates
/// `galera_a`, sleeps four seconds (`DO SLEEP(4)`), creates `galera_b`.
/// Each DDL statement replicates under TOI on its own, so a node killed
/// during the sleep leaves `galera_a` on the survivors and not `galera_b`.
pub struct SlowGaleraMigrator;

#[async_trait::async_trait]
impl sea_orm_migration::MigratorTrait for SlowGaleraMigrator {
    fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![Box::new(SlowGalera)]
    }
}

impl autogen_runtime::Squashed for SlowGaleraMigrator {}

struct SlowGalera;

impl sea_orm_migration::MigrationName for SlowGalera {
    fn name(&self) -> &str {
        SLOW_GALERA
    }
}

#[async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for SlowGalera {
    async fn up(
        &self,
        manager: &sea_orm_migration::SchemaManager,
    ) -> Result<(), sea_orm_migration::DbErr> {
        use sea_orm_migration::prelude::*;
        use sea_orm_migration::sea_orm::ConnectionTrait;
        let table = |name: &str| {
            Table::create()
                .table(name.to_owned())
                .col(ColumnDef::new("id").integer().not_null().primary_key())
                .to_owned()
        };
        manager.create_table(table("galera_a")).await?;
        manager
            .get_connection()
            .execute_unprepared("DO SLEEP(4)")
            .await?;
        manager.create_table(table("galera_b")).await
    }

    async fn down(
        &self,
        manager: &sea_orm_migration::SchemaManager,
    ) -> Result<(), sea_orm_migration::DbErr> {
        use sea_orm_migration::prelude::*;
        manager
            .drop_table(Table::drop().table("galera_b").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("galera_a").to_owned())
            .await
    }
}
