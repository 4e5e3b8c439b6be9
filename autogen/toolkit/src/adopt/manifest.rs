//! The `Cargo.toml` edits: a feature on a dependency (any of its spellings),
//! and the migration crate's dependencies and `autogen` binary.

use std::fs;
use std::path::Path;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Value};

use super::members::{Member, read};
use super::paths::{relative, slash};
use super::{AdoptError, TOOLKIT_VERSION};

/// Add `feature` to the `dep` dependency (any of its spellings), keeping the others.
pub(super) fn enable_feature(doc: &mut DocumentMut, dep: &str, feature: &str) {
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
pub(super) fn wire_migration(
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
