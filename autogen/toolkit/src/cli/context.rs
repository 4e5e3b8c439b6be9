//! The settings a command runs with ([`Context`]): the flags over
//! `autogen.toml` over the project's defaults, and the database they name.

use std::path::PathBuf;
use std::time::Duration;

use super::Project;
use crate::config::DatabaseUrl;
use crate::settings::Settings;
use crate::source::entities::EntitySource;

/// How long a command waits for an unreachable database before saying so.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolved settings shared by the commands.
pub struct Context {
    pub project: Project,
    pub database_url: Option<String>,
    pub migration_dir: PathBuf,
    pub json: bool,
    pub lock_timeout: Duration,
    /// `autogen.toml` (or `[workspace.metadata.autogen]`), under the flags.
    pub settings: Settings,
    /// Whether the binary reads the squashed list (`main_squashed`).
    pub squashes: bool,
}

impl Context {
    /// The entity side: the settings' registry prefixes, else the project's.
    pub fn entity_source(&self) -> EntitySource {
        let mut source = self.project.entity_source();
        if !self.settings.entities.is_empty() {
            source.registry_prefix = self.settings.entities.join(", ");
        }
        source
    }

    /// The database: the URL given (flag, `DATABASE_URL`, `.env`), else
    /// the project's default SQLite file.
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match self.given_url()? {
            Some(url) => Ok(url),
            None => Ok(self.with_settings(DatabaseUrl::default_sqlite(self.default_sqlite()?)?)),
        }
    }

    /// The URL given (flag, `DATABASE_URL`, `.env`); `None`: none is.
    pub fn given_url(&self) -> anyhow::Result<Option<DatabaseUrl>> {
        Ok(DatabaseUrl::given(self.database_url.as_deref())?.map(|url| self.with_settings(url)))
    }

    /// The project's default database, named without creating anything.
    pub fn default_url_unopened(&self) -> anyhow::Result<DatabaseUrl> {
        Ok(self.with_settings(DatabaseUrl::default_sqlite_unopened(
            self.default_sqlite()?,
        )?))
    }

    fn default_sqlite(&self) -> anyhow::Result<&'static str> {
        self.project.default_sqlite.ok_or_else(|| {
            anyhow::anyhow!(
                "no database URL: pass --database-url or set DATABASE_URL (e.g. postgres://user@host:5432/db or sqlite://data/app.db)"
            )
        })
    }

    fn with_settings(&self, url: DatabaseUrl) -> DatabaseUrl {
        let db = &self.settings.database;
        url.with_settings(db.flavour.clone(), db.direct_url.clone())
    }

    pub async fn connect(
        &self,
    ) -> anyhow::Result<(DatabaseUrl, sea_orm_migration::sea_orm::DatabaseConnection)> {
        let url = self.url()?;
        let db = crate::runtime::connect_within(&url, CONNECT_TIMEOUT).await?;
        Ok((url, db))
    }
}
