//! A project's autogen settings in one place: `autogen.toml` at the
//! workspace root, else `[workspace.metadata.autogen]` in its `Cargo.toml`.
//! The CLI reads them before every command; its flags override them, and
//! what neither says comes from the binary's `Project`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::diff::DiffOptions;

/// The settings file `autogen init` writes at the workspace root.
pub const FILE: &str = "autogen.toml";

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The migration crate's `src/` directory, relative to the workspace root.
    pub migration_dir: Option<PathBuf>,
    /// Module prefixes of the entities in SeaORM's registry (`"entity::*"`),
    /// in the order their tables are created.
    #[serde(default)]
    pub entities: Vec<String>,
    /// Which tables are compared (globs over `table` or `schema.table`).
    #[serde(default)]
    pub tables: Filter,
    /// Which PostgreSQL schemas' tables are compared (globs over schema names;
    /// the connection's own schema is always compared).
    #[serde(default)]
    pub schemas: Filter,
    /// What to do with tables no entity describes.
    pub unknown_tables: Option<UnknownTables>,
    /// Where the entity-schema cache lives (relative: to the workspace root).
    pub cache_dir: Option<PathBuf>,
    /// Online mode (PostgreSQL) of generated migrations.
    #[serde(default)]
    pub online: Online,
    /// `autogen lint`.
    #[serde(default)]
    pub lint: Lint,
    /// The applied history: what `upgrade` does about an edited migration.
    #[serde(default)]
    pub migrations: Migrations,
    /// Write migrations that lose data (drop or rewrite populated tables or
    /// columns, narrow types) without asking, as `--accept-data-loss`.
    #[serde(default)]
    pub accept_data_loss: bool,
    /// Objects the entities do not manage: never dropped nor changed.
    #[serde(default)]
    pub unmanaged: Unmanaged,
    /// `[fleet]`: the targets of `--fleet` without a file (see `crate::fleet`).
    #[serde(default)]
    pub fleet: crate::fleet::FleetSettings,
    /// `[database]`: the engine's flavour and the direct URL for migrations.
    #[serde(default)]
    pub database: Database,
    /// `[test]`: `autogen test`'s user cases.
    #[serde(default)]
    pub test: Test,
}

/// `[test]`: `cases_dir` is where `autogen test` reads its user cases
/// (`*.toml`, relative to the workspace root; default: `tests/` beside the
/// migration crate's `src/`, i.e. `migration/tests`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub cases_dir: Option<PathBuf>,
}

/// `[database]`: `flavour = "pgbouncer"` names the engine instead of detecting
/// it (`AUTOGEN_FLAVOUR` overrides it); `direct_url` is where migrations run
/// when the URL given is a transaction pooler (`DIRECT_DATABASE_URL`
/// overrides it), as Prisma's `directUrl`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub flavour: Option<String>,
    pub direct_url: Option<String>,
}

/// `[migrations]`: `on_edited = "refuse" | "warn"` (`AUTOGEN_ON_EDITED`
/// overrides it; the app reads only the variable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Migrations {
    #[serde(default)]
    pub on_edited: autogen_runtime::checksum::OnEdited,
}

/// `[unmanaged]`: what the database has that autogen leaves alone, as globs:
/// `columns = ["product.search", "*.legacy_*"]`, `indexes = ["idx_product_search"]`,
/// `tables = ["audit_*"]` (left out of the comparison, as `[tables] exclude`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unmanaged {
    #[serde(default)]
    pub tables: Vec<String>,
    /// `table.column` globs.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Index (or unique constraint) name globs.
    #[serde(default)]
    pub indexes: Vec<String>,
}

/// `[online]`: how `autogen -m` writes migrations that must not block writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Online {
    /// Generate in online mode by default (`--online` without the flag).
    #[serde(default)]
    pub enabled: bool,
    /// `lock_timeout` of generated migrations (PostgreSQL syntax, default `5s`).
    pub lock_timeout: Option<String>,
    /// `statement_timeout` of their transactional part (default: the server's).
    pub statement_timeout: Option<String>,
}

/// `[lint]`: rules allowed, everywhere or per migration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lint {
    /// Rule ids never reported.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Rule ids not reported for one migration: `m2026..._name = ["drop-column"]`.
    #[serde(default)]
    pub migrations: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// When not empty, only what matches one of these.
    #[serde(default)]
    pub include: Vec<String>,
    /// Never what matches one of these.
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownTables {
    /// Report them, change nothing (the default).
    Keep,
    /// Drop them in the generated migration.
    Drop,
}

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0} is not valid: {1}")]
    Parse(PathBuf, String),
}

impl Settings {
    /// The settings of the workspace at `root`: `autogen.toml`, else
    /// `[workspace.metadata.autogen]` of `Cargo.toml`, else none (all defaults).
    pub fn load(root: &Path) -> Result<Self, SettingsError> {
        let file = root.join(FILE);
        if file.is_file() {
            let text = read(&file)?;
            return Self::parse(&text).map_err(|e| SettingsError::Parse(file, e));
        }
        let manifest = root.join("Cargo.toml");
        if !manifest.is_file() {
            return Ok(Self::default());
        }
        let text = read(&manifest)?;
        let doc: toml::Table = toml::from_str(&text)
            .map_err(|e| SettingsError::Parse(manifest.clone(), one_line(&e.to_string())))?;
        let Some(section) = doc
            .get("workspace")
            .and_then(|w| w.get("metadata"))
            .and_then(|m| m.get("autogen"))
        else {
            return Ok(Self::default());
        };
        section.clone().try_into().map_err(|e: toml::de::Error| {
            SettingsError::Parse(
                manifest,
                format!("[workspace.metadata.autogen]: {}", one_line(&e.to_string())),
            )
        })
    }

    /// Parse the text of an `autogen.toml`.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| one_line(&e.to_string()))
    }

    /// The comparison options these settings imply.
    pub fn apply_to(&self, opts: &mut DiffOptions) {
        opts.include.extend(self.tables.include.iter().cloned());
        opts.exclude.extend(self.tables.exclude.iter().cloned());
        opts.include_schemas
            .extend(self.schemas.include.iter().cloned());
        opts.exclude_schemas
            .extend(self.schemas.exclude.iter().cloned());
        opts.exclude.extend(self.unmanaged.tables.iter().cloned());
        opts.unmanaged_columns
            .extend(self.unmanaged.columns.iter().cloned());
        opts.unmanaged_indexes
            .extend(self.unmanaged.indexes.iter().cloned());
        if self.unknown_tables == Some(UnknownTables::Drop) {
            opts.drop_unknown = true;
        }
    }
}

fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|e| SettingsError::Read(path.into(), e))
}

/// toml's messages span several lines (a caret under the source); errors are one line.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.starts_with('^'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_file_is_read() {
        let s = Settings::parse(
            r#"
migration_dir = "db/migration/src"
entities = ["entity::*", "billing::entities::*"]
unknown_tables = "drop"
cache_dir = ".autogen-cache"

[tables]
include = ["*"]
exclude = ["audit_*", "_sqlx_*"]

[schemas]
exclude = ["audit"]

[online]
enabled = true
lock_timeout = "2s"

[lint]
allow = ["drop-column"]
migrations = { m20260101_000000_x = ["renaming-column"] }

[migrations]
on_edited = "warn"

[test]
cases_dir = "db/migration/cases"
"#,
        )
        .expect("parses");
        assert_eq!(s.migration_dir, Some(PathBuf::from("db/migration/src")));
        assert_eq!(s.entities, ["entity::*", "billing::entities::*"]);
        assert_eq!(s.unknown_tables, Some(UnknownTables::Drop));
        assert_eq!(s.tables.exclude, ["audit_*", "_sqlx_*"]);
        assert!(s.online.enabled);
        assert_eq!(s.online.lock_timeout.as_deref(), Some("2s"));
        assert_eq!(s.lint.allow, ["drop-column"]);
        assert_eq!(s.test.cases_dir, Some(PathBuf::from("db/migration/cases")));
        assert_eq!(s.lint.migrations["m20260101_000000_x"], ["renaming-column"]);
        assert_eq!(
            s.migrations.on_edited,
            autogen_runtime::checksum::OnEdited::Warn
        );
        let mut opts = DiffOptions::default();
        s.apply_to(&mut opts);
        assert!(opts.drop_unknown);
        assert_eq!(opts.exclude_schemas, ["audit"]);
    }

    #[test]
    fn the_database_section_names_the_flavour_and_the_direct_url() {
        let s = Settings::parse(
            "[database]\nflavour = \"pgbouncer\"\ndirect_url = \"postgres://db:5432/app\"\n",
        )
        .expect("parses");
        assert_eq!(s.database.flavour.as_deref(), Some("pgbouncer"));
        assert_eq!(
            s.database.direct_url.as_deref(),
            Some("postgres://db:5432/app")
        );
        let e = Settings::parse("[database]\nurl = \"x\"").expect_err("unknown key");
        assert!(e.contains("url") && !e.contains('\n'), "{e}");
    }

    #[test]
    fn an_empty_file_is_all_defaults_and_typos_are_refused() {
        assert_eq!(Settings::parse(""), Ok(Settings::default()));
        let e = Settings::parse("migration-dir = \"x\"").expect_err("unknown key");
        assert!(e.contains("migration-dir") && !e.contains('\n'), "{e}");
        let e = Settings::parse("unknown_tables = \"delete\"").expect_err("bad value");
        assert!(e.contains("keep") && e.contains("drop"), "{e}");
    }

    #[test]
    fn workspace_metadata_is_read_when_there_is_no_file() {
        let dir = std::env::temp_dir().join(format!("autogen-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nmembers = []\n\n[workspace.metadata.autogen]\nentities = [\"models::*\"]\n",
        )
        .expect("write");
        let s = Settings::load(&dir).expect("loads");
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(s.entities, ["models::*"]);
    }
}
