//! Fresh databases: a uniquely named PostgreSQL database per test (dropped
//! afterwards), or a SQLite file in a fresh temporary directory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

use super::{block_on, temp_dir};

/// The server the tests use unless `TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A URL to a database on the test server where the user may `CREATE DATABASE`.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PG_ADMIN_URL.to_owned())
}

/// Connect to any URL the tests use, with short timeouts and no SQL logging.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(2)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(opts).await
}

/// Run one statement (or several, unprepared) against `url`.
pub fn execute(url: &str, sql: &str) {
    block_on(async {
        let db = connect(url).await?;
        db.execute_unprepared(sql).await?;
        db.close().await
    })
    .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
}

/// The first column of every row of `sql`, as text.
pub fn query_strings(url: &str, sql: &str) -> Vec<String> {
    block_on(async {
        let db = connect(url).await?;
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        let values = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        db.close().await?;
        Ok::<_, DbErr>(values)
    })
    .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"))
}

/// The user tables of the database, sorted (SQLite's internal tables excluded).
pub fn tables(url: &str) -> Vec<String> {
    let sql = if url.starts_with("sqlite:") {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    } else {
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name"
    };
    query_strings(url, sql)
}

/// The enum types of a PostgreSQL database's public schema, sorted.
pub fn pg_enum_types(url: &str) -> Vec<String> {
    query_strings(
        url,
        "SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY t.typname",
    )
}

static PG_REACHABLE: OnceLock<Result<(), String>> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

fn pg_unreachable(admin: &str, reason: &str) -> String {
    format!(
        "PostgreSQL is not reachable at {}: {reason}\n\
         These end-to-end tests need a real PostgreSQL server (they never mock it). Provide one:\n\
         - start the local server on 127.0.0.1:5432 with user `postgres` and trust auth \
           (e.g. `service postgresql start`, or \
           `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`), or\n\
         - set TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/postgres to a server \
           where USER may CREATE DATABASE.",
        autogen_runtime::config::redact(admin)
    )
}

/// Check once per process that the server answers, so that every test
/// fails fast with the same explanation when it does not.
fn ensure_pg_reachable(admin: &str) {
    let result = PG_REACHABLE.get_or_init(|| {
        block_on(async {
            let db = connect(admin).await?;
            db.execute_unprepared("SELECT 1").await?;
            db.close().await
        })
        .map_err(|e| e.to_string())
    });
    if let Err(reason) = result {
        panic!("{}", pg_unreachable(admin, reason));
    }
}

/// A PostgreSQL database of its own, named `t_<pid>_<nanos>_<counter>`,
/// dropped (`WITH (FORCE)`) when this value is dropped.
pub struct PgDatabase {
    name: String,
    url: String,
    admin: String,
}

impl PgDatabase {
    /// Create an empty database; panics with instructions when the server is unreachable.
    pub fn create() -> Self {
        let admin = pg_admin_url();
        ensure_pg_reachable(&admin);
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
        let sql = format!("CREATE DATABASE \"{name}\"");
        block_on(async {
            let db = connect(&admin).await?;
            db.execute_unprepared(&sql).await?;
            db.close().await
        })
        .unwrap_or_else(|e| panic!("{}", pg_unreachable(&admin, &format!("{sql}: {e}"))));
        let mut url = url::Url::parse(&admin).expect("TEST_POSTGRES_URL is not a URL");
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

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let admin = self.admin.clone();
        let result = block_on(async {
            let db = connect(&admin).await?;
            db.execute_unprepared(&sql).await?;
            db.close().await
        });
        if let Err(e) = result {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

/// A SQLite database file (not yet created) in a fresh temporary directory,
/// which is also a clean working directory for the app.
pub struct SqliteFile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl SqliteFile {
    pub fn create() -> Self {
        let dir = temp_dir();
        let path = dir.path().join("remediation.db");
        Self { dir, path }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `sqlite://<absolute path>?mode=rwc` (created on first connection).
    pub fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.path.display())
    }
}

/// A fresh database on either backend, for tests that run on both.
pub enum TestDb {
    Postgres(PgDatabase),
    Sqlite(SqliteFile),
}

impl TestDb {
    pub fn postgres() -> Self {
        Self::Postgres(PgDatabase::create())
    }

    pub fn sqlite() -> Self {
        Self::Sqlite(SqliteFile::create())
    }

    pub fn url(&self) -> String {
        match self {
            Self::Postgres(db) => db.url().to_owned(),
            Self::Sqlite(db) => db.url(),
        }
    }

    /// The backend name as `app` reports it in `/health`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    pub fn db_backend(&self) -> DbBackend {
        match self {
            Self::Postgres(_) => DbBackend::Postgres,
            Self::Sqlite(_) => DbBackend::Sqlite,
        }
    }

    pub fn tables(&self) -> Vec<String> {
        tables(&self.url())
    }

    pub fn has_table(&self, name: &str) -> bool {
        self.tables().iter().any(|t| t == name)
    }

    pub fn execute(&self, sql: &str) {
        execute(&self.url(), sql)
    }

    pub fn query_strings(&self, sql: &str) -> Vec<String> {
        query_strings(&self.url(), sql)
    }

    /// The rows of `seaql_migrations` (versions in applied order), or `None`
    /// when the bookkeeping table does not exist.
    pub fn applied(&self) -> Option<Vec<String>> {
        if !self.has_table("seaql_migrations") {
            return None;
        }
        Some(
            self.query_strings("SELECT version FROM seaql_migrations ORDER BY applied_at, version"),
        )
    }
}
