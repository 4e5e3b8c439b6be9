//! Where the database is: one definition shared by `app` and `autogen`.
//!
//! Order: an explicit URL (flag), `DATABASE_URL` from the environment, the
//! same variable from a `.env` file, then the application's default, a
//! SQLite file whose directory is created on first use (the application
//! names it: the runtime names no application).

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;
use url::Url;

/// The longest wait accepted for a lock or a connection retry: 24 days,
/// under PostgreSQL's `lock_timeout` limit (an `int` of milliseconds,
/// about 24.8 days) and far from `Instant` overflow.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 24 * 60 * 60);

/// The backends the toolkit knows how to talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Postgres,
    Sqlite,
    MySql,
}

impl From<sea_orm_migration::sea_orm::DbBackend> for Backend {
    fn from(backend: sea_orm_migration::sea_orm::DbBackend) -> Self {
        use sea_orm_migration::sea_orm::DbBackend;
        match backend {
            DbBackend::Postgres => Backend::Postgres,
            DbBackend::Sqlite => Backend::Sqlite,
            // MySQL, and any backend a later SeaORM adds (the enum is non-exhaustive).
            _ => Backend::MySql,
        }
    }
}

impl From<Backend> for sea_orm_migration::sea_orm::DbBackend {
    fn from(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => Self::Postgres,
            Backend::Sqlite => Self::Sqlite,
            Backend::MySql => Self::MySql,
        }
    }
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
            Backend::MySql => "mysql",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "DATABASE_URL is not a valid URL ({0}): expected e.g. postgres://user@host:5432/db or sqlite://data/app.db"
    )]
    Malformed(String),
    #[error(
        "DATABASE_URL has the unsupported scheme `{0}`: use postgres://, sqlite:// or mysql://"
    )]
    UnknownScheme(String),
    #[error(
        "DATABASE_URL is set but empty: set it to a database URL (e.g. postgres://user@host:5432/db or sqlite://data/app.db), or unset it to use the embedded SQLite default"
    )]
    EmptyUrl,
    #[error(
        "DATABASE_URL is not valid UTF-8: set it to a database URL (e.g. postgres://user@host:5432/db or sqlite://data/app.db), or unset it to use the embedded SQLite default"
    )]
    NonUnicodeUrl,
    #[error(
        "DATABASE_URL from .env is empty: set it there to a database URL (e.g. postgres://user@host:5432/db or sqlite://data/app.db), or remove the line to use the embedded SQLite default"
    )]
    EmptyUrlInDotEnv,
    #[error(
        "cannot read .env: the line `{line}` is not KEY=value (at character {at}): fix or remove it"
    )]
    DotEnvLine { line: String, at: usize },
    #[error("cannot read .env: {0}")]
    DotEnv(String),
    #[error("cannot create the directory {0} for the SQLite database: {1}")]
    CreateDir(PathBuf, std::io::Error),
    #[error(
        "the directory {dir} of the SQLite database {file} does not exist: create it (mkdir -p {dir}), or fix the path in DATABASE_URL"
    )]
    SqliteDirMissing { dir: String, file: String },
    #[error(
        "the MySQL/MariaDB URL {0} names no database: add one, e.g. mysql://user@host:3306/app"
    )]
    MySqlNoDatabase(String),
    #[error(
        "{name} is {secs} seconds, more than the longest wait accepted ({} seconds, 24 days): pass a smaller value",
        MAX_WAIT.as_secs()
    )]
    WaitTooLong { name: &'static str, secs: u64 },
}

/// A wait given in seconds by a user (`--lock-timeout`,
/// `DB_CONNECT_RETRY_SECS`, ...), refused above [`MAX_WAIT`] rather than
/// overflowing a deadline or PostgreSQL's `lock_timeout`.
pub fn wait_secs(name: &'static str, secs: u64) -> Result<Duration, ConfigError> {
    let wait = Duration::from_secs(secs);
    if wait > MAX_WAIT {
        return Err(ConfigError::WaitTooLong { name, secs });
    }
    Ok(wait)
}

/// A validated database location.
#[derive(Clone, Debug)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
    /// Where the value came from, for messages ("DATABASE_URL", "default", ...).
    pub source: &'static str,
    /// The flavour named in `autogen.toml` (`[database] flavour`), under
    /// `AUTOGEN_FLAVOUR`; `None`: detect it.
    flavour: Option<String>,
    /// The server's own address for migrations (`[database] direct_url`),
    /// under `DIRECT_DATABASE_URL`.
    direct: Option<String>,
}

impl DatabaseUrl {
    /// Resolve the URL in the documented order: `explicit`, `DATABASE_URL`,
    /// `.env`, then the SQLite file `default_sqlite` (the application's
    /// default, e.g. `data/app.db`).
    pub fn resolve(explicit: Option<&str>, default_sqlite: &str) -> Result<Self, ConfigError> {
        match Self::given(explicit)? {
            Some(url) => Ok(url),
            None => Self::default_sqlite(default_sqlite),
        }
    }

    /// The URL given by `explicit`, `DATABASE_URL` or `.env`; `None` when
    /// none is (an empty or garbled value is an error, not "none").
    pub fn given(explicit: Option<&str>) -> Result<Option<Self>, ConfigError> {
        if let Some(url) = explicit {
            return Self::parse(url, "--database-url").map(Some);
        }
        // `.env` only fills variables the environment does not already set
        // (read the environment first: dotenvy would replace a value that
        // is set but not UTF-8).
        let (value, source) = match std::env::var_os("DATABASE_URL") {
            Some(value) => (Some(value), "DATABASE_URL"),
            None => {
                load_dotenv()?;
                (std::env::var_os("DATABASE_URL"), ".env")
            }
        };
        // The default is for an unset variable only: an empty or garbled
        // one is a mistake that must not quietly migrate a local file.
        match value {
            None => Ok(None),
            Some(value) => match value.to_str().map(str::trim) {
                None => Err(ConfigError::NonUnicodeUrl),
                Some("") if source == ".env" => Err(ConfigError::EmptyUrlInDotEnv),
                Some("") => Err(ConfigError::EmptyUrl),
                Some(url) => Self::parse(url, source).map(Some),
            },
        }
    }

    /// The default SQLite file `file`; creates its directory so SQLite can
    /// create the file.
    pub fn default_sqlite(file: &str) -> Result<Self, ConfigError> {
        let url = Self::default_sqlite_unopened(file)?;
        if let Some(dir) = PathBuf::from(file).parent() {
            std::fs::create_dir_all(dir).map_err(|e| ConfigError::CreateDir(dir.into(), e))?;
        }
        Ok(url)
    }

    /// [`Self::default_sqlite`] without creating anything (for a command
    /// that only names the backend, such as `upgrade --sql`).
    pub fn default_sqlite_unopened(file: &str) -> Result<Self, ConfigError> {
        Self::parse(&format!("sqlite://{file}?mode=rwc"), "default")
    }

    pub fn parse(raw: &str, source: &'static str) -> Result<Self, ConfigError> {
        let scheme = if raw.starts_with("sqlite:") {
            "sqlite"
        } else {
            raw.split_once("://")
                .map(|(s, _)| s)
                .ok_or_else(|| ConfigError::Malformed("no scheme".into()))?
        };
        let backend = match scheme {
            "postgres" | "postgresql" => Backend::Postgres,
            "sqlite" => Backend::Sqlite,
            "mysql" | "mariadb" => Backend::MySql,
            other => return Err(ConfigError::UnknownScheme(other.to_owned())),
        };
        if backend != Backend::Sqlite {
            let url = Url::parse(raw).map_err(|e| ConfigError::Malformed(e.to_string()))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(ConfigError::Malformed("no host".into()));
            }
            // MySQL opens no database by itself: every query would fail
            // with "1046 No database selected".
            if backend == Backend::MySql && url.path().trim_matches('/').is_empty() {
                return Err(ConfigError::MySqlNoDatabase(redact(raw)));
            }
        }
        let raw = if backend == Backend::MySql && scheme == "mariadb" {
            raw.replacen("mariadb://", "mysql://", 1)
        } else if backend == Backend::Sqlite && !raw.contains('?') && !raw.contains(":memory:") {
            // Create the file on first use, as the default does.
            format!("{raw}?mode=rwc")
        } else if backend == Backend::Postgres && is_loopback(raw) && !raw.contains("sslmode=") {
            // TLS to the same machine protects nothing and costs ~90 ms per
            // connection (sqlx's default `prefer` handshake); ask for it
            // explicitly with `sslmode=` to keep it.
            let sep = if raw.contains('?') { '&' } else { '?' };
            format!("{raw}{sep}sslmode=disable")
        } else {
            raw.to_owned()
        };
        Ok(Self {
            raw,
            backend,
            source,
            flavour: None,
            direct: None,
        })
    }

    /// With the flavour and direct URL of `autogen.toml`'s `[database]`
    /// (the environment's `AUTOGEN_FLAVOUR` / `DIRECT_DATABASE_URL` win).
    pub fn with_settings(mut self, flavour: Option<String>, direct_url: Option<String>) -> Self {
        self.flavour = flavour;
        self.direct = direct_url;
        self
    }

    /// The flavour the user named: `AUTOGEN_FLAVOUR`, else `[database] flavour`
    /// (for the URL given, not for its direct URL, whose flavour is detected).
    pub fn flavour_setting(&self) -> Option<String> {
        if matches!(self.source, "DIRECT_DATABASE_URL" | "[database] direct_url") {
            return None;
        }
        std::env::var("AUTOGEN_FLAVOUR")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| self.flavour.clone())
    }

    /// The URL migrations use instead of this one (the server behind a
    /// transaction pooler): `DIRECT_DATABASE_URL`, else `[database] direct_url`.
    pub fn direct_url(&self) -> Result<Option<DatabaseUrl>, ConfigError> {
        let env = std::env::var("DIRECT_DATABASE_URL")
            .ok()
            .filter(|v| !v.trim().is_empty());
        let (raw, source) = match (env, &self.direct) {
            (Some(raw), _) => (raw, "DIRECT_DATABASE_URL"),
            (None, Some(raw)) => (raw.clone(), "[database] direct_url"),
            (None, None) => return Ok(None),
        };
        let direct = Self::parse(raw.trim(), source)?;
        Ok(Some(Self {
            flavour: None,
            direct: None,
            ..direct
        }))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The server's `host:port` (default ports filled in), for messages and
    /// the quick reachability probe; `None` for SQLite.
    pub fn server_address(&self) -> Option<(String, u16)> {
        let default_port = match self.backend {
            Backend::Postgres => 5432,
            Backend::MySql => 3306,
            Backend::Sqlite => return None,
        };
        let url = Url::parse(&self.raw).ok()?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        Some((host.to_owned(), url.port().unwrap_or(default_port)))
    }

    /// Fails when the SQLite file's directory does not exist: SQLite would
    /// answer only "(code: 14) unable to open database file".
    pub fn check_sqlite_dir(&self) -> Result<(), ConfigError> {
        let Some(file) = self.sqlite_path() else {
            return Ok(());
        };
        match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                Err(ConfigError::SqliteDirMissing {
                    dir: dir.display().to_string(),
                    file: file.display().to_string(),
                })
            }
            _ => Ok(()),
        }
    }

    /// The URL to connect with. Never log this: use [`Self::redacted`].
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL with any password replaced by `***`, safe for logs.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }

    /// The SQLite file this URL points at, if it is a file: read as sqlx
    /// reads it, so that `sqlite:p`, `sqlite://p` and `sqlite:///abs/p`,
    /// with or without `?params`, name the file sqlx opens.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let rest = self
            .raw
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
        let in_memory = params
            .split('&')
            .any(|p| p.split_once('=') == Some(("mode", "memory")));
        if path.is_empty() || path == ":memory:" || in_memory {
            return None;
        }
        Some(PathBuf::from(percent_decode(path)))
    }
}

/// Load `.env` (when there is one) into the environment, refusing a line
/// that does not parse rather than ignoring the rest of the file.
fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(dotenvy::Error::LineParse(line, at)) => Err(ConfigError::DotEnvLine { line, at }),
        Err(e) => Err(ConfigError::DotEnv(e.to_string())),
    }
}

/// `%XX` escapes decoded (sqlx allows them for `?` and `#` in file names);
/// a malformed escape is kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_loopback(raw: &str) -> bool {
    Url::parse(raw)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| h == "localhost" || h == "[::1]" || h.starts_with("127."))
}

/// Replace the password of a URL by `***` (or the whole URL when it does not parse).
pub fn redact(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => match raw.split_once("://") {
            Some((scheme, rest)) if rest.contains('@') => {
                let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or("");
                format!("{scheme}://***@{host}")
            }
            _ => raw.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests;
