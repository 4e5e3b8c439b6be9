//! `autogen init`: adopt a SeaORM workspace as it is (laid out by
//! `sea-orm-cli` or by hand). Finds the entity crate(s) and the migration
//! crate from their manifests, then computes the edits that wire autogen in:
//! the `entity-registry` feature, the `autogen` binary of the migration
//! crate and its dependencies, and `autogen.toml`. Nothing is written here
//! until [`Adoption::write`]; what is already in place is left as it is, so
//! a second run changes nothing.

use std::fs;
use std::path::{Component, Path, PathBuf};

use thiserror::Error;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

use crate::settings;
use crate::workspace::Written;

/// Version of the toolkit a project depends on when not given a checkout.
const TOOLKIT_VERSION: &str = "0.1";
/// The binary `autogen init` writes in the migration crate.
const BIN: &str = "src/bin/autogen.rs";

#[derive(Debug, Error)]
pub enum AdoptError {
    #[error(
        "no Cargo.toml in {0}: run `autogen init` from the root of a SeaORM workspace, nothing was changed"
    )]
    NoManifest(PathBuf),
    #[error(
        "no migration crate found (a member depending on sea-orm-migration with a `Migrator` in src/lib.rs): create one with `sea-orm-cli migrate init`, nothing was changed"
    )]
    NoMigrationCrate,
    #[error(
        "several crates hold a `Migrator` with migration files ({0}): name the one autogen writes to with `autogen init --migration-crate NAME`, nothing was changed"
    )]
    SeveralMigrationCrates(String),
    #[error(
        "--migration-crate {0}: no member of this workspace by that name depends on sea-orm-migration (members that do: {1}), nothing was changed"
    )]
    UnknownMigrationCrate(String, String),
    #[error(
        "the only entities found ({0}) are in crates that depend on the migration crate {1}, which cannot depend on them in turn: move the entities to a crate of their own, nothing was changed"
    )]
    EntitiesDependOnMigration(String, String),
    #[error(
        "no entity crate found (a library depending on sea-orm whose sources derive DeriveEntityModel or use #[sea_orm::model]): generate one with `sea-orm-cli generate entity`, nothing was changed"
    )]
    NoEntityCrate,
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("cannot parse {0}: {1}")]
    Parse(PathBuf, String),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

/// One member crate as its manifest says.
#[derive(Debug, Clone)]
pub struct Crate {
    /// Directory, relative to the workspace root (`""` for the root package).
    pub dir: PathBuf,
    pub package: String,
    /// The name Rust code uses (`[lib] name`, else the package name with `_`).
    pub lib: String,
}

/// What `autogen init` found and would change.
#[derive(Debug)]
pub struct Adoption {
    pub entities: Vec<Crate>,
    pub migration: Crate,
    /// The command that runs the workspace's `autogen` binary from its root
    /// (`cargo run --bin autogen --`, or with `-p <migration crate>` where
    /// that crate is not a default member).
    pub command: String,
    /// Files to write (new or changed), with their previous content.
    pub edits: Vec<Written>,
}

impl Adoption {
    /// Find the crates of the workspace at `root` and compute the edits.
    /// `toolkit` is a checkout of this toolkit to depend on by path.
    pub fn plan(root: &Path, toolkit: Option<&Path>) -> Result<Self, AdoptError> {
        Self::plan_with(root, toolkit, None)
    }

    /// [`Adoption::plan`], with the migration crate named (`--migration-crate`)
    /// instead of found.
    pub fn plan_with(
        root: &Path,
        toolkit: Option<&Path>,
        migration_crate: Option<&str>,
    ) -> Result<Self, AdoptError> {
        let manifest = root.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(AdoptError::NoManifest(root.to_owned()));
        }
        let members = members(root)?;
        let migration = pick_migration(&members, root, migration_crate)?;
        // Every other crate with entities, except those that depend on the
        // migration crate (an app's database crate running `Migrator::up`):
        // the migration crate cannot depend on them in turn.
        let with_entities: Vec<&Member> = members
            .iter()
            .filter(|m| m.krate.package != migration.krate.package && m.has_entities(root))
            .collect();
        let entities: Vec<&Member> = with_entities
            .iter()
            .copied()
            .filter(|m| !m.depends_on(&migration.krate.package))
            .collect();
        if entities.is_empty() {
            if with_entities.is_empty() {
                return Err(AdoptError::NoEntityCrate);
            }
            return Err(AdoptError::EntitiesDependOnMigration(
                names(&with_entities),
                migration.krate.package.clone(),
            ));
        }
        // The toolkit checkout, relative to the migration crate's manifest
        // (a path dependency that still resolves when the workspace moves).
        let toolkit = match toolkit {
            Some(t) => {
                let t = fs::canonicalize(t).map_err(|e| AdoptError::Read(t.to_owned(), e))?;
                let at = root.join(&migration.krate.dir);
                let at = fs::canonicalize(&at).map_err(|e| AdoptError::Read(at, e))?;
                Some(relative_between(&at, &t))
            }
            None => None,
        };
        let mut edits = Vec::new();
        for e in &entities {
            let path = root.join(&e.krate.dir).join("Cargo.toml");
            let mut doc = e.doc.clone();
            enable_feature(&mut doc, "sea-orm", "entity-registry");
            push_edit(&mut edits, path, &e.text, doc.to_string());
        }
        let mdir = root.join(&migration.krate.dir);
        let mut doc = migration.doc.clone();
        wire_migration(&mut doc, migration, &entities, toolkit.as_deref(), &mdir);
        push_edit(
            &mut edits,
            mdir.join("Cargo.toml"),
            &migration.text,
            doc.to_string(),
        );
        let migration_src = slash(&migration.krate.dir.join("src"));
        let bin = mdir.join(BIN);
        if !bin.exists() {
            push_edit(
                &mut edits,
                bin,
                "",
                binary(&entities, &migration.krate, &migration_src),
            );
        }
        let config = root.join(settings::FILE);
        if !config.exists() {
            push_edit(
                &mut edits,
                config,
                "",
                settings_file(&entities, &migration_src),
            );
        }
        let command = if default_members(root, &members)?.contains(&migration.krate.package) {
            "cargo run --bin autogen --".to_owned()
        } else {
            format!("cargo run -p {} --bin autogen --", migration.krate.package)
        };
        Ok(Self {
            entities: entities.into_iter().map(|m| m.krate.clone()).collect(),
            migration: migration.krate.clone(),
            command,
            edits,
        })
    }

    /// Write the edits (creating directories as needed).
    pub fn write(&self) -> Result<(), AdoptError> {
        for w in &self.edits {
            if let Some(parent) = w.path.parent() {
                fs::create_dir_all(parent).map_err(|e| AdoptError::Write(parent.into(), e))?;
            }
            fs::write(&w.path, &w.after).map_err(|e| AdoptError::Write(w.path.clone(), e))?;
        }
        Ok(())
    }
}

fn push_edit(edits: &mut Vec<Written>, path: PathBuf, before: &str, after: String) {
    if before != after {
        edits.push(Written {
            path,
            before: before.to_owned(),
            after,
        });
    }
}

fn names(members: &[&Member]) -> String {
    members
        .iter()
        .map(|m| m.krate.package.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The migration crate: the one named, else the one crate that implements
/// `MigratorTrait` next to its migration files (an app's crate that only
/// runs `Migrator::up` is not one), else `migration` among several.
fn pick_migration<'a>(
    members: &'a [Member],
    root: &Path,
    named: Option<&str>,
) -> Result<&'a Member, AdoptError> {
    let using: Vec<&Member> = members
        .iter()
        .filter(|m| m.depends_on("sea-orm-migration"))
        .collect();
    if let Some(name) = named {
        return using
            .iter()
            .copied()
            .find(|m| m.krate.package == name || m.krate.lib == name)
            .ok_or_else(|| AdoptError::UnknownMigrationCrate(name.to_owned(), names(&using)));
    }
    let holding: Vec<&Member> = using
        .iter()
        .copied()
        .filter(|m| m.holds_migrations(root))
        .collect();
    match holding.as_slice() {
        [one] => return Ok(one),
        [] => {}
        several => {
            return several
                .iter()
                .copied()
                .find(|m| m.krate.package == "migration")
                .ok_or_else(|| AdoptError::SeveralMigrationCrates(names(several)));
        }
    }
    // No crate with migration files yet (a fresh `sea-orm-cli migrate init`
    // emptied): one naming `Migrator` in its lib.rs.
    let implementing: Vec<&Member> = using
        .iter()
        .copied()
        .filter(|m| m.implements_migrator(root))
        .collect();
    let naming: Vec<&Member> = if implementing.is_empty() {
        using
            .iter()
            .copied()
            .filter(|m| m.is_migration(root))
            .collect()
    } else {
        implementing
    };
    match naming.as_slice() {
        [] => Err(AdoptError::NoMigrationCrate),
        [one] => Ok(one),
        several => several
            .iter()
            .copied()
            .find(|m| m.krate.package == "migration")
            .ok_or_else(|| AdoptError::SeveralMigrationCrates(names(several))),
    }
}

/// The packages `cargo run` picks from at the root: `[workspace]
/// default-members`, else the root package, else every member.
fn default_members(root: &Path, members: &[Member]) -> Result<Vec<String>, AdoptError> {
    let (_, doc) = read(&root.join("Cargo.toml"))?;
    let by_dir = |dir: &Path| {
        members
            .iter()
            .find(|m| m.krate.dir == dir)
            .map(|m| m.krate.package.clone())
    };
    if let Some(defaults) = doc
        .get("workspace")
        .and_then(|w| w.get("default-members"))
        .and_then(Item::as_array)
    {
        return Ok(defaults
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|d| by_dir(Path::new(d.trim_end_matches('/'))))
            .collect());
    }
    if doc.get("package").is_some() {
        return Ok(by_dir(Path::new("")).into_iter().collect());
    }
    Ok(members.iter().map(|m| m.krate.package.clone()).collect())
}

/// A member crate with its parsed manifest.
struct Member {
    krate: Crate,
    text: String,
    doc: DocumentMut,
}

impl Member {
    /// The dependency named `name` (by key, or by `package = "name"`).
    fn dependency(&self, name: &str) -> Option<(String, &Item)> {
        let deps = self.doc.get("dependencies")?.as_table_like()?;
        deps.iter().find_map(|(key, item)| {
            let package = item
                .as_table_like()
                .and_then(|t| t.get("package"))
                .and_then(Item::as_str)
                .unwrap_or(key);
            (package == name).then(|| (key.to_owned(), item))
        })
    }

    fn depends_on(&self, name: &str) -> bool {
        self.dependency(name).is_some()
    }

    fn is_migration(&self, root: &Path) -> bool {
        self.depends_on("sea-orm-migration")
            && fs::read_to_string(root.join(&self.krate.dir).join("src/lib.rs"))
                .is_ok_and(|lib| lib.contains("Migrator"))
    }

    fn implements_migrator(&self, root: &Path) -> bool {
        fs::read_to_string(root.join(&self.krate.dir).join("src/lib.rs"))
            .is_ok_and(|lib| lib.contains("impl MigratorTrait for"))
    }

    /// Implements `MigratorTrait` in its lib.rs and has migration files
    /// (`impl MigrationTrait for`) in its sources.
    fn holds_migrations(&self, root: &Path) -> bool {
        let src = root.join(&self.krate.dir).join("src");
        self.implements_migrator(root)
            && rust_files(&src)
                .iter()
                .any(|f| fs::read_to_string(f).is_ok_and(|t| t.contains("impl MigrationTrait for")))
    }

    fn has_entities(&self, root: &Path) -> bool {
        let src = root.join(&self.krate.dir).join("src");
        self.depends_on("sea-orm")
            && src.join("lib.rs").is_file()
            && rust_files(&src).iter().any(|f| {
                fs::read_to_string(f)
                    .is_ok_and(|t| t.contains("DeriveEntityModel") || t.contains("sea_orm::model"))
            })
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn read(path: &Path) -> Result<(String, DocumentMut), AdoptError> {
    let text = fs::read_to_string(path).map_err(|e| AdoptError::Read(path.into(), e))?;
    let doc = text
        .parse::<DocumentMut>()
        .map_err(|e| AdoptError::Parse(path.into(), e.message().to_owned()))?;
    Ok((text, doc))
}

/// The workspace's packages: `[workspace] members` (a trailing `/*` lists
/// the directories under it) and the root package, if any.
fn members(root: &Path) -> Result<Vec<Member>, AdoptError> {
    let (_, doc) = read(&root.join("Cargo.toml"))?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    if doc.get("package").is_some() {
        dirs.push(PathBuf::new());
    }
    let patterns = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_else(Vec::<String>::new);
    for p in patterns {
        match p.strip_suffix("/*") {
            Some(parent) => {
                let mut found: Vec<PathBuf> = fs::read_dir(root.join(parent))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|e| e.path().join("Cargo.toml").is_file())
                    .map(|e| Path::new(parent).join(e.file_name()))
                    .collect();
                found.sort();
                dirs.extend(found);
            }
            None => dirs.push(PathBuf::from(p)),
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        let path = root.join(&dir).join("Cargo.toml");
        if !path.is_file() {
            continue;
        }
        let (text, doc) = read(&path)?;
        let Some(package) = doc
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(Item::as_str)
            .map(str::to_owned)
        else {
            continue;
        };
        let lib = doc
            .get("lib")
            .and_then(|l| l.get("name"))
            .and_then(Item::as_str)
            .map_or_else(|| package.replace('-', "_"), str::to_owned);
        out.push(Member {
            krate: Crate { dir, package, lib },
            text,
            doc,
        });
    }
    Ok(out)
}

/// Add `feature` to the `dep` dependency (any of its spellings), keeping the others.
fn enable_feature(doc: &mut DocumentMut, dep: &str, feature: &str) {
    let Some(deps) = doc
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
    else {
        return;
    };
    let key = deps.iter().find_map(|(k, item)| {
        let package = item
            .as_table_like()
            .and_then(|t| t.get("package"))
            .and_then(Item::as_str)
            .unwrap_or(k);
        (package == dep).then(|| k.to_owned())
    });
    let Some(item) = key.and_then(|k| deps.get_mut(&k)) else {
        return;
    };
    if let Some(version) = item.as_str().map(str::to_owned) {
        let mut t = InlineTable::new();
        t.insert("version", version.into());
        *item = Item::Value(Value::InlineTable(t));
    }
    if let Some(t) = item.as_table_like_mut() {
        add_features(t, &[feature]);
    }
}

/// Enable `features` of dependency `dep` in the manifest at `path`, keeping
/// its layout (`autogen entities`); whether the file changed.
pub(crate) fn enable_features_in(
    path: &Path,
    dep: &str,
    features: &[&str],
) -> Result<bool, AdoptError> {
    let (text, mut doc) = read(path)?;
    for f in features {
        enable_feature(&mut doc, dep, f);
    }
    let after = doc.to_string();
    if after == text {
        return Ok(false);
    }
    fs::write(path, after).map_err(|e| AdoptError::Write(path.into(), e))?;
    Ok(true)
}

/// The name Rust code uses for the crate of the manifest at `path`.
pub(crate) fn lib_name(path: &Path) -> Option<String> {
    let (_, doc) = read(path).ok()?;
    if let Some(name) = doc
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(Item::as_str)
    {
        return Some(name.to_owned());
    }
    doc.get("package")
        .and_then(|p| p.get("name"))
        .and_then(Item::as_str)
        .map(|n| n.replace('-', "_"))
}

fn add_features(t: &mut dyn toml_edit::TableLike, features: &[&str]) {
    if t.get("features").and_then(Item::as_array).is_none() {
        t.insert("features", Item::Value(Value::Array(Array::new())));
    }
    if let Some(array) = t.get_mut("features").and_then(Item::as_array_mut) {
        for f in features {
            if !array.iter().any(|v| v.as_str() == Some(f)) {
                array.push(*f);
            }
        }
    }
}

/// The migration crate's manifest, wired for its `autogen` binary.
fn wire_migration(
    doc: &mut DocumentMut,
    migration: &Member,
    entities: &[&Member],
    toolkit: Option<&Path>,
    mdir: &Path,
) {
    // Two binaries from now on: `cargo run -p migration` stays sea-orm-migration's.
    if mdir.join("src/main.rs").is_file()
        && let Some(package) = doc.get_mut("package").and_then(Item::as_table_like_mut)
        && package.get("default-run").is_none()
    {
        let main_bin = migration
            .doc
            .get("bin")
            .and_then(Item::as_array_of_tables)
            .and_then(|bins| {
                bins.iter().find_map(|b| {
                    (b.get("path").and_then(Item::as_str) == Some("src/main.rs"))
                        .then(|| b.get("name").and_then(Item::as_str))
                        .flatten()
                })
            })
            .unwrap_or(&migration.krate.package)
            .to_owned();
        package.insert("default-run", toml_edit::value(main_bin));
    }
    if doc.get("dependencies").is_none() {
        doc.insert("dependencies", Item::Table(toml_edit::Table::new()));
    }
    let Some(deps) = doc
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
    else {
        return;
    };
    let dependency = |sub: &str| -> Item {
        match toolkit {
            Some(t) => {
                let mut d = InlineTable::new();
                d.insert("path", slash(&t.join(sub)).into());
                Item::Value(Value::InlineTable(d))
            }
            None => toml_edit::value(TOOLKIT_VERSION),
        }
    };
    // The generator, for the binary; the runtime, for generated migrations
    // (SQLite table rebuilds call `autogen_runtime::sqlite::rebuild_table`).
    if deps.get("seaorm-autogen").is_none() {
        deps.insert("seaorm-autogen", dependency("autogen/toolkit"));
    }
    if deps.get("autogen-runtime").is_none() {
        deps.insert("autogen-runtime", dependency("autogen/runtime"));
    }
    for e in entities {
        if migration.depends_on(&e.krate.package) {
            continue;
        }
        let mut d = InlineTable::new();
        d.insert(
            "path",
            slash(&relative(&migration.krate.dir, &e.krate.dir)).into(),
        );
        deps.insert(&e.krate.package, Item::Value(Value::InlineTable(d)));
    }
    match deps.get_mut("tokio") {
        Some(item) => {
            if let Some(version) = item.as_str().map(str::to_owned) {
                let mut t = InlineTable::new();
                t.insert("version", version.into());
                *item = Item::Value(Value::InlineTable(t));
            }
            if let Some(t) = item.as_table_like_mut() {
                add_features(t, &["macros", "rt-multi-thread"]);
            }
        }
        None => {
            let mut t = InlineTable::new();
            t.insert("version", "1".into());
            let mut features = Array::new();
            features.push("macros");
            features.push("rt-multi-thread");
            t.insert("features", Value::Array(features));
            deps.insert("tokio", Item::Value(Value::InlineTable(t)));
        }
    }
}

/// `to` relative to `from` (both relative to the workspace root).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let depth = from
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let mut out = PathBuf::new();
    for _ in 0..depth {
        out.push("..");
    }
    out.join(to)
}

/// `to` relative to `from` (both absolute, canonical): `../..` up to their
/// common ancestor, then down. Paths with nothing in common (two Windows
/// drives) stay absolute.
fn relative_between(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.iter().collect();
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn prefixes(entities: &[&Member]) -> Vec<String> {
    entities
        .iter()
        .map(|e| format!("{}::*", e.krate.lib))
        .collect()
}

/// The migration crate's `src/bin/autogen.rs`.
fn binary(entities: &[&Member], migration: &Crate, migration_src: &str) -> String {
    let links: String = entities
        .iter()
        .map(|e| format!("use {} as _;\n", e.krate.lib))
        .collect();
    format!(
        r#"//! `autogen` for this workspace (written by `autogen init`): the toolkit's
//! command line given the entities and the `Migrator`. Settings: autogen.toml.

use seaorm_autogen::cli::{{self, Project}};
// Linked, so that the entities are in SeaORM's registry.
{links}
#[tokio::main]
async fn main() -> std::process::ExitCode {{
    cli::init_logging();
    let project = Project::new({prefix:?}, {migration_src:?});
    cli::main::<{lib}::Migrator>(project).await
}}
"#,
        prefix = prefixes(entities).join(", "),
        lib = migration.lib,
    )
}

/// The `autogen.toml` written at the workspace root.
fn settings_file(entities: &[&Member], migration_src: &str) -> String {
    let entities = prefixes(entities)
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"# autogen settings (written by `autogen init`); command-line flags override them.

# The migration crate's source directory.
migration_dir = {migration_src:?}
# Module prefixes of the entities in SeaORM's registry.
entities = [{entities}]
# Tables no entity describes: "keep" (report them) or "drop".
unknown_tables = "keep"

[tables]
# Globs over `table` or `schema.table`; an empty include means every table.
include = []
exclude = []

[schemas]
# PostgreSQL schemas whose tables are compared (the connection's own always is).
include = []
exclude = []
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> DocumentMut {
        text.parse().expect("toml")
    }

    #[test]
    fn the_registry_feature_is_added_to_every_spelling_of_sea_orm() {
        for (before, after) in [
            (
                "[dependencies]\nsea-orm = \"2.0\"\n",
                "[dependencies]\nsea-orm = { version = \"2.0\", features = [\"entity-registry\"] }\n",
            ),
            (
                "[dependencies]\nsea-orm = { version = \"2.0\", features = [\"macros\"] }\n",
                "[dependencies]\nsea-orm = { version = \"2.0\", features = [\"macros\", \"entity-registry\"] }\n",
            ),
            (
                "[dependencies.sea-orm]\nversion = \"2.0\"\nfeatures = [\"macros\"]\n",
                "[dependencies.sea-orm]\nversion = \"2.0\"\nfeatures = [\"macros\", \"entity-registry\"]\n",
            ),
            (
                "[dependencies]\nsea-orm = { workspace = true }\n",
                "[dependencies]\nsea-orm = { workspace = true , features = [\"entity-registry\"] }\n",
            ),
        ] {
            let mut d = doc(before);
            enable_feature(&mut d, "sea-orm", "entity-registry");
            let once = d.to_string();
            assert_eq!(
                once.replace(" ,", ","),
                after.replace(" ,", ","),
                "{before}"
            );
            enable_feature(&mut d, "sea-orm", "entity-registry");
            assert_eq!(d.to_string(), once, "idempotent: {before}");
        }
    }

    #[test]
    fn relative_paths_climb_out_of_the_migration_crate() {
        assert_eq!(
            relative(Path::new("migration"), Path::new("entity")),
            PathBuf::from("../entity")
        );
        assert_eq!(
            relative(Path::new("crates/migration"), Path::new("crates/entity")),
            PathBuf::from("../../crates/entity")
        );
    }

    /// A workspace on disk, file by file, in a directory of its own.
    fn workspace(tag: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("autogen-init-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, text) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, text).expect("write");
        }
        root
    }

    const ENTITY: (&str, &str) = (
        "entity/Cargo.toml",
        "[package]\nname = \"entity\"\n\n[dependencies]\nsea-orm = \"2.0\"\n",
    );
    const ENTITY_LIB: (&str, &str) = ("entity/src/lib.rs", "pub mod cake;\n");
    const CAKE: (&str, &str) = (
        "entity/src/cake.rs",
        "#[derive(DeriveEntityModel)]\npub struct Model {}\n",
    );
    const MIGRATION: (&str, &str) = (
        "migration/Cargo.toml",
        "[package]\nname = \"migration\"\n\n[dependencies]\nsea-orm-migration = \"2.0\"\n",
    );
    const MIGRATOR: &str = "pub struct Migrator;\nimpl MigratorTrait for Migrator {}\n";
    const MIGRATION_FILE: &str = "pub struct Migration;\nimpl MigrationTrait for Migration {}\n";

    #[test]
    fn an_app_crate_that_runs_migrator_up_is_not_taken_for_the_migration_crate() {
        // The root package is the app; its `db` crate depends on
        // sea-orm-migration and the migration crate to run `Migrator::up`.
        let root = workspace(
            "appdb",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"app\"\n\n[workspace]\nmembers = [\"entity\", \"db\", \"tools/*\"]\n",
                ),
                ("src/main.rs", "fn main() {}\n"),
                ENTITY,
                ENTITY_LIB,
                CAKE,
                (
                    "db/Cargo.toml",
                    "[package]\nname = \"db\"\n\n[dependencies]\nsea-orm-migration = \"2.0\"\nstore-migrations = { path = \"../tools/migrations\" }\n",
                ),
                (
                    "db/src/lib.rs",
                    "use migration::Migrator;\npub async fn boot() { Migrator::up(db, None).await }\n",
                ),
                (
                    "tools/migrations/Cargo.toml",
                    "[package]\nname = \"store-migrations\"\n\n[lib]\nname = \"migration\"\n\n[dependencies]\nsea-orm-migration = \"2.0\"\n",
                ),
                ("tools/migrations/src/lib.rs", MIGRATOR),
                (
                    "tools/migrations/src/m20240101_000001_init.rs",
                    MIGRATION_FILE,
                ),
            ],
        );
        let toolkit = root.join("vendor/autogen");
        fs::create_dir_all(&toolkit).expect("mkdir");
        let adoption = Adoption::plan(&root, Some(&toolkit)).expect("adopted");
        assert_eq!(adoption.migration.package, "store-migrations");
        assert_eq!(
            adoption.command, "cargo run -p store-migrations --bin autogen --",
            "the root package is the only default member"
        );
        let manifest = adoption
            .edits
            .iter()
            .find(|w| w.path.ends_with("tools/migrations/Cargo.toml"))
            .expect("the migration manifest is edited");
        assert!(
            manifest
                .after
                .contains(r#"seaorm-autogen = { path = "../../vendor/autogen/autogen/toolkit" }"#),
            "the toolkit path is relative to the manifest:\n{}",
            manifest.after
        );
        assert!(!manifest.after.contains(&*root.to_string_lossy()));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn two_crates_with_migrations_are_refused_naming_the_flag_which_picks_one() {
        let root = workspace(
            "two",
            &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"entity\", \"migration\", \"audit\"]\ndefault-members = [\"migration\"]\n",
                ),
                ENTITY,
                ENTITY_LIB,
                CAKE,
                MIGRATION,
                ("migration/src/lib.rs", MIGRATOR),
                ("migration/src/m20240101_000001_init.rs", MIGRATION_FILE),
                (
                    "audit/Cargo.toml",
                    "[package]\nname = \"audit\"\n\n[dependencies]\nsea-orm-migration = \"2.0\"\n",
                ),
                ("audit/src/lib.rs", MIGRATOR),
                ("audit/src/m20240101_000001_audit.rs", MIGRATION_FILE),
            ],
        );
        // `migration` wins by name among several; a crate named otherwise needs the flag.
        let adoption = Adoption::plan(&root, None).expect("adopted");
        assert_eq!(adoption.migration.package, "migration");
        assert_eq!(adoption.command, "cargo run --bin autogen --");
        fs::rename(root.join("migration"), root.join("store")).expect("rename");
        let text = fs::read_to_string(root.join("Cargo.toml")).expect("read");
        fs::write(
            root.join("Cargo.toml"),
            text.replace("\"migration\"", "\"store\""),
        )
        .expect("write");
        let text = fs::read_to_string(root.join("store/Cargo.toml")).expect("read");
        fs::write(
            root.join("store/Cargo.toml"),
            text.replace("name = \"migration\"", "name = \"store\""),
        )
        .expect("write");
        let refused = Adoption::plan(&root, None).expect_err("ambiguous");
        assert!(
            refused.to_string().contains("(store, audit)")
                && refused.to_string().contains("--migration-crate NAME"),
            "{refused}"
        );
        let adoption = Adoption::plan_with(&root, None, Some("audit")).expect("named");
        assert_eq!(adoption.migration.package, "audit");
        assert_eq!(adoption.command, "cargo run -p audit --bin autogen --");
        let unknown = Adoption::plan_with(&root, None, Some("nope")).expect_err("unknown");
        assert!(unknown.to_string().contains("store, audit"), "{unknown}");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn relative_paths_between_absolute_directories() {
        assert_eq!(
            relative_between(Path::new("/work/app/migration"), Path::new("/work/autogen")),
            PathBuf::from("../../autogen")
        );
        assert_eq!(
            relative_between(Path::new("/work/app"), Path::new("/work/app/vendor/ag")),
            PathBuf::from("vendor/ag")
        );
        assert_eq!(
            relative_between(Path::new("/work/app"), Path::new("/work/app")),
            PathBuf::from(".")
        );
    }
}
