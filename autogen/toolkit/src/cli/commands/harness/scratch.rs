//! The scratch database of `autogen test`: one of our own beside the
//! configured one (same server, or a temporary file on SQLite), created
//! empty and dropped at the end, so the configured database is never touched.

use anyhow::Context as _;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::cli::CONNECT_TIMEOUT;
use crate::config::{Backend, DatabaseUrl};
use crate::runtime;

/// A database of our own beside the configured one, dropped at the end.
pub(super) struct Scratch {
    pub(super) url: DatabaseUrl,
    /// How to drop it: (admin URL, name) on a server, the file on SQLite.
    server: Option<(DatabaseUrl, String)>,
    file: Option<std::path::PathBuf>,
}

impl Scratch {
    /// A new, empty database beside `url`'s; `tag` tells several apart
    /// (one per user case).
    pub(super) async fn create(url: &DatabaseUrl, tag: &str) -> anyhow::Result<Self> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000)
            .unwrap_or_default();
        let name = format!("autogen_test_{}_{stamp}{tag}", std::process::id());
        match url.backend() {
            Backend::Sqlite => {
                let file = std::env::temp_dir().join(format!("{name}.sqlite"));
                let scratch = DatabaseUrl::parse(
                    &format!("sqlite://{}?mode=rwc", file.display()),
                    "scratch",
                )?;
                Ok(Self {
                    url: scratch,
                    server: None,
                    file: Some(file),
                })
            }
            backend => Self::create_on_server(url, backend, name).await,
        }
    }

    async fn create_on_server(
        url: &DatabaseUrl,
        backend: Backend,
        name: String,
    ) -> anyhow::Result<Self> {
        let mut parsed = url::Url::parse(url.expose()).context("the database URL is not a URL")?;
        // PostgreSQL: from its maintenance database. MySQL: from the
        // configured one (a MySQL URL must name a database; any will do).
        if backend == Backend::Postgres {
            parsed.set_path("/postgres");
        }
        let admin = DatabaseUrl::parse(parsed.as_str(), "scratch")?;
        parsed.set_path(&format!("/{name}"));
        let scratch = DatabaseUrl::parse(parsed.as_str(), "scratch")?;
        let db = runtime::connect_within(&admin, CONNECT_TIMEOUT).await?;
        let created = db
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await;
        db.close().await.ok();
        created.with_context(|| {
            format!(
                "cannot create the scratch database {name} on {} (autogen test needs CREATE DATABASE)",
                admin.redacted()
            )
        })?;
        Ok(Self {
            url: scratch,
            server: Some((admin, name)),
            file: None,
        })
    }

    pub(super) async fn drop(self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin, name)) = &self.server
            && let Ok(db) = runtime::connect_within(admin, CONNECT_TIMEOUT).await
        {
            let sql = if db.get_database_backend() == DbBackend::Postgres {
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            } else {
                format!("DROP DATABASE IF EXISTS {name}")
            };
            if let Err(e) = db
                .execute_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
            {
                tracing::warn!("could not drop the scratch database {name}: {e}");
            }
            db.close().await.ok();
        }
    }
}
