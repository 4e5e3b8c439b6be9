//! Fresh MySQL/MariaDB databases: a uniquely named database per test on the
//! server of `TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`),
//! dropped afterwards.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm_migration::sea_orm::ConnectionTrait;

use super::block_on;
use super::db::connect;

/// The server the tests use unless `TEST_MYSQL_URL` says otherwise.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306";

/// A URL to the test server (no database) whose user may `CREATE DATABASE`.
pub fn mysql_admin_url() -> String {
    std::env::var("TEST_MYSQL_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MYSQL_URL.to_owned())
}

static MYSQL_REACHABLE: OnceLock<Result<(), String>> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

fn mysql_unreachable(admin: &str, reason: &str) -> String {
    format!(
        "MySQL/MariaDB is not reachable at {}: {reason}\n\
         These tests need a real MariaDB or MySQL server (they never mock it). Provide one:\n\
         - start the local server on 127.0.0.1:3306 with user `root` and no password \
           (e.g. `service mariadb start`, or \
           `docker run -d -p 3306:3306 -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 mariadb:10.11`), or\n\
         - set TEST_MYSQL_URL=mysql://USER:PASSWORD@HOST:PORT to a server where USER may \
           CREATE DATABASE.",
        autogen_runtime::config::redact(admin)
    )
}

fn run_admin(admin: &str, sql: &str) -> Result<(), String> {
    block_on(async {
        let db = connect(admin).await?;
        db.execute_unprepared(sql).await?;
        db.close().await
    })
    .map_err(|e| e.to_string())
}

/// A MySQL/MariaDB database of its own, named `t_<pid>_<nanos>_<counter>`,
/// dropped when this value is dropped.
pub struct MyDatabase {
    name: String,
    url: String,
    admin: String,
}

impl MyDatabase {
    /// Create an empty database; panics with instructions when the server is unreachable.
    pub fn create() -> Self {
        let admin = mysql_admin_url();
        if let Err(reason) = MYSQL_REACHABLE.get_or_init(|| run_admin(&admin, "SELECT 1")) {
            panic!("{}", mysql_unreachable(&admin, reason));
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "t_{}_{}_{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let sql = format!("CREATE DATABASE `{name}`");
        run_admin(&admin, &sql)
            .unwrap_or_else(|e| panic!("{}", mysql_unreachable(&admin, &format!("{sql}: {e}"))));
        let mut url = url::Url::parse(&admin).expect("TEST_MYSQL_URL is not a URL");
        url.set_path(&format!("/{name}"));
        Self {
            name,
            url: url.to_string(),
            admin,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for MyDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        if let Err(e) = run_admin(&self.admin, &sql) {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}
