//! Which crates the workspace has: its members with their manifests, the
//! migration crate among them, the default members, which have entities.

use std::fs;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Value};

use super::{AdoptError, Crate};

/// The migration crate: the one named, else the one crate that implements
/// `MigratorTrait` next to its migration files (an app's crate that only
/// runs `Migrator::up` is not one), else `migration` among several.
pub(super) fn pick_migration<'a>(
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
pub(super) fn default_members(root: &Path, members: &[Member]) -> Result<Vec<String>, AdoptError> {
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
pub(super) struct Member {
    pub(super) krate: Crate,
    pub(super) text: String,
    pub(super) doc: DocumentMut,
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

    pub(super) fn depends_on(&self, name: &str) -> bool {
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

    pub(super) fn has_entities(&self, root: &Path) -> bool {
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

pub(super) fn read(path: &Path) -> Result<(String, DocumentMut), AdoptError> {
    let text = fs::read_to_string(path).map_err(|e| AdoptError::Read(path.into(), e))?;
    let doc = text
        .parse::<DocumentMut>()
        .map_err(|e| AdoptError::Parse(path.into(), e.message().to_owned()))?;
    Ok((text, doc))
}

/// The workspace's packages: `[workspace] members` (a trailing `/*` lists
/// the directories under it) and the root package, if any.
pub(super) fn members(root: &Path) -> Result<Vec<Member>, AdoptError> {
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

/// The packages of `members`, for a message.
pub(super) fn names(members: &[&Member]) -> String {
    members
        .iter()
        .map(|m| m.krate.package.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
