//! The targets of a fleet: where they come from (a list of URLs, a query on
//! a control database returning URLs or PostgreSQL schema names, `[fleet]`
//! in autogen.toml), what each is called in the table, and `--only`/`--skip`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::Deserialize;
use thiserror::Error;
use url::Url;

use crate::config::{Backend, ConfigError, DatabaseUrl};
use crate::diff::glob_match;

/// `[fleet]` in autogen.toml: where the targets come from when `--fleet`
/// is given without a file, and the defaults of the run's options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSettings {
    /// A file with one URL per line (relative: to the workspace root).
    pub file: Option<PathBuf>,
    /// The targets themselves (URLs).
    #[serde(default)]
    pub targets: Vec<String>,
    /// A query run on the control database (`control_url`, else the
    /// configured database) whose first column is a URL or a schema name.
    pub query: Option<String>,
    /// The control database of `query`; schema names become targets on it.
    pub control_url: Option<String>,
    /// Targets run at once (default 4).
    pub parallel: Option<usize>,
    /// Targets run first, alone; the rest only if they all succeed.
    pub canary: Option<usize>,
}

#[derive(Debug, Error)]
pub enum FleetError {
    #[error("cannot read the fleet file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{origin}, line {line}: {reason}")]
    Line {
        origin: String,
        line: usize,
        reason: String,
    },
    #[error("the fleet is empty: {0} lists no target (one URL per line; `#` starts a comment)")]
    Empty(String),
    #[error("the fleet query failed on the control database {url}: {reason}")]
    Query { url: String, reason: String },
    #[error(
        "the fleet query returned the schema name {schema:?}, but schemas are PostgreSQL's and the control database {url} is {backend}: return URLs instead"
    )]
    SchemaOnNonPostgres {
        schema: String,
        url: String,
        backend: Backend,
    },
    #[error("--only/--skip leave no target of the {0} in the fleet: check the patterns")]
    AllFiltered(usize),
}

/// One tenant: a database, or a PostgreSQL schema in one.
#[derive(Clone, Debug)]
pub struct Target {
    /// What the table and the JSON call it (never holds a password).
    pub name: String,
    pub url: DatabaseUrl,
    /// The schema of a schema-per-tenant target (the URL sets `search_path`).
    pub schema: Option<String>,
}

impl Target {
    /// A database target from its URL.
    pub fn database(url: DatabaseUrl) -> Self {
        Self {
            name: short_name(&url),
            url,
            schema: None,
        }
    }

    /// The PostgreSQL schema `schema` in the database at `base`: every
    /// session of the target works in it (`search_path`), so its tables
    /// and its `seaql_migrations` live there.
    pub fn schema(base: &DatabaseUrl, schema: &str) -> Result<Self, ConfigError> {
        let mut url =
            Url::parse(base.expose()).map_err(|e| ConfigError::Malformed(e.to_string()))?;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "options[search_path]")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("options[search_path]", schema);
        let url = DatabaseUrl::parse(url.as_str(), "the fleet query")?;
        Ok(Self {
            name: schema.to_owned(),
            url,
            schema: Some(schema.to_owned()),
        })
    }
}

/// The database name of a server URL, the file name of a SQLite one.
fn short_name(url: &DatabaseUrl) -> String {
    if let Some(path) = url.sqlite_path() {
        return path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| url.redacted());
    }
    match Url::parse(url.expose()) {
        Ok(u) => {
            let db = u.path().trim_matches('/').to_owned();
            let schema = u
                .query_pairs()
                .find(|(k, _)| k == "options[search_path]")
                .map(|(_, v)| v.into_owned());
            match (db.is_empty(), schema) {
                (false, Some(s)) => format!("{db}.{s}"),
                (false, None) => db,
                (true, _) => url.redacted(),
            }
        }
        Err(_) => url.redacted(),
    }
}

/// The targets of a list: one URL per line, `#` comments, blank lines.
/// `origin` names the list in messages (the file, `[fleet] targets`).
pub fn parse_list(text: &str, origin: &str) -> Result<Vec<Target>, FleetError> {
    let mut targets = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = match line
            .find(" #")
            .or_else(|| line.starts_with('#').then_some(0))
        {
            Some(at) => &line[..at],
            None => line,
        }
        .trim();
        if line.is_empty() {
            continue;
        }
        let url = DatabaseUrl::parse(line, "the fleet").map_err(|e| FleetError::Line {
            origin: origin.to_owned(),
            line: i + 1,
            reason: format!(
                "{} ({})",
                e.to_string().replacen("DATABASE_URL", "the target", 1),
                crate::config::redact(line)
            ),
        })?;
        targets.push(Target::database(url));
    }
    if targets.is_empty() {
        return Err(FleetError::Empty(origin.to_owned()));
    }
    Ok(unique(targets))
}

/// The targets of a fleet file.
pub fn read_file(path: &Path) -> Result<Vec<Target>, FleetError> {
    let text = std::fs::read_to_string(path).map_err(|e| FleetError::Read(path.into(), e))?;
    parse_list(&text, &path.display().to_string())
}

/// The targets a query on the control database returns: its first column
/// is a URL (`scheme://...`, `sqlite:...`) or a PostgreSQL schema name,
/// which becomes that schema in the control database.
pub async fn from_query(
    db: &DatabaseConnection,
    control: &DatabaseUrl,
    sql: &str,
) -> Result<Vec<Target>, FleetError> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map_err(|e| FleetError::Query {
            url: control.redacted(),
            reason: crate::runtime::config::redact(&one_line(&e.to_string())),
        })?;
    let mut targets = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let value: String = row
            .try_get_by_index::<String>(0)
            .map_err(|e| FleetError::Query {
                url: control.redacted(),
                reason: format!(
                    "row {}: the first column is not text ({})",
                    i + 1,
                    one_line(&e.to_string())
                ),
            })?;
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let line_error = |e: ConfigError| FleetError::Line {
            origin: "the fleet query".into(),
            line: i + 1,
            reason: e.to_string().replacen("DATABASE_URL", "the target", 1),
        };
        if value.contains("://") || value.starts_with("sqlite:") {
            targets.push(Target::database(
                DatabaseUrl::parse(value, "the fleet query").map_err(line_error)?,
            ));
        } else if control.backend() == Backend::Postgres {
            targets.push(Target::schema(control, value).map_err(line_error)?);
        } else {
            return Err(FleetError::SchemaOnNonPostgres {
                schema: value.to_owned(),
                url: control.redacted(),
                backend: control.backend(),
            });
        }
    }
    if targets.is_empty() {
        return Err(FleetError::Empty("the fleet query".into()));
    }
    Ok(unique(targets))
}

/// One entry per URL, in the order first listed; names made unique (a
/// name seen twice, e.g. the same database name on two servers, becomes
/// the redacted URL).
fn unique(targets: Vec<Target>) -> Vec<Target> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<Target> = targets
        .into_iter()
        .filter(|t| seen.insert(t.url.expose().to_owned()))
        .collect();
    let mut count = std::collections::BTreeMap::<String, usize>::new();
    for t in &out {
        *count.entry(t.name.clone()).or_default() += 1;
    }
    for t in &mut out {
        if count[&t.name] > 1 {
            t.name = t.url.redacted();
        }
    }
    out
}

/// The targets `--only` (any pattern, when given) and `--skip` (none)
/// select: globs (`*`, `?`) over the target's name.
pub fn filter(
    targets: Vec<Target>,
    only: &[String],
    skip: &[String],
) -> Result<Vec<Target>, FleetError> {
    let listed = targets.len();
    let kept: Vec<Target> = targets
        .into_iter()
        .filter(|t| only.is_empty() || only.iter().any(|p| glob_match(p, &t.name)))
        .filter(|t| !skip.iter().any(|p| glob_match(p, &t.name)))
        .collect();
    if kept.is_empty() {
        return Err(FleetError::AllFiltered(listed));
    }
    Ok(kept)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_skips_comments_and_blank_lines() {
        let text = "# tenants\n\npostgres://u:pw@db/a  # the first\nsqlite://data/b.db\n   \n#postgres://u@db/c\n";
        let t = parse_list(text, "fleet.txt").expect("parses");
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b.db"]);
    }

    #[test]
    fn a_bad_line_is_named_without_its_password() {
        let e = parse_list("postgres://u@db/a\noracle://u:s3cret@h/x\n", "fleet.txt")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("fleet.txt, line 2:"), "{e}");
        assert!(e.contains("oracle"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn an_empty_list_is_refused() {
        let e = parse_list("# nothing\n\n", "fleet.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("the fleet is empty"), "{e}");
    }

    #[test]
    fn the_same_url_twice_is_one_target_and_equal_names_are_told_apart() {
        let t = parse_list(
            "postgres://u@db1/app\npostgres://u@db1/app\npostgres://u:pw@db2/app\n",
            "f",
        )
        .expect("parses");
        assert_eq!(t.len(), 2);
        assert_ne!(t[0].name, t[1].name);
        assert!(t.iter().all(|t| !t.name.contains("pw")), "{:?}", t[1].name);
    }

    #[test]
    fn a_schema_target_sets_the_search_path() {
        let base = DatabaseUrl::parse("postgres://u@127.0.0.1/app", "t").expect("url");
        let t = Target::schema(&base, "tenant 1").expect("schema");
        assert_eq!(t.name, "tenant 1");
        assert!(
            t.url.expose().contains("options%5Bsearch_path%5D=tenant+1"),
            "{}",
            t.url.expose()
        );
        assert!(t.url.expose().contains("sslmode=disable"));
    }

    #[test]
    fn only_and_skip_are_globs_over_names() {
        let t =
            parse_list("sqlite://a1.db\nsqlite://a2.db\nsqlite://b1.db\n", "f").expect("parses");
        let names = |t: Vec<Target>| t.into_iter().map(|t| t.name).collect::<Vec<_>>();
        assert_eq!(
            names(filter(t.clone(), &["a*".into()], &[]).expect("some")),
            ["a1.db", "a2.db"]
        );
        assert_eq!(
            names(filter(t.clone(), &[], &["*1.db".into()]).expect("some")),
            ["a2.db"]
        );
        let e = filter(t, &["z*".into()], &[]).unwrap_err().to_string();
        assert!(e.contains("leave no target of the 3"), "{e}");
    }
}
