//! `autogen entities`: write SeaORM entities for every table of the live
//! database (see `crate::entities`), replacing the generated files in the
//! entity directory, regenerating its root module and prelude, enabling the
//! sea-orm features the entities need and wiring the extra-index module
//! into the autogen binary. What no entity can say is listed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::cli::{Context, Outcome};
use crate::entities::{self, INDEX_MODULE, Options};

pub async fn run(
    ctx: &Context,
    dir: &Path,
    force: bool,
    schemas: &[String],
) -> anyhow::Result<Outcome> {
    if !dir.is_dir() {
        bail!(
            "{} is not a directory: pass the entity crate's source directory with --dir (e.g. --dir entity/src); nothing was written",
            dir.display()
        );
    }
    let manifest = dir.parent().map(|p| p.join("Cargo.toml"));
    let manifest = manifest.filter(|m| m.is_file());
    let serial_feature = manifest
        .as_deref()
        .and_then(|m| fs::read_to_string(m).ok())
        .is_some_and(|t| t.contains("postgres-use-serial-pk"))
        .then_some(true);

    let (_url, db) = ctx.connect().await?;
    let backend = db.get_database_backend();
    if !schemas.is_empty() && backend != DbBackend::Postgres {
        bail!(
            "--schema names PostgreSQL schemas: on this database the entities are those of the database in the URL; nothing was written"
        );
    }
    let wanted: BTreeSet<String> = schemas.iter().cloned().collect();
    let schema = crate::source::database::introspect_with(&db, &wanted).await?;
    if !wanted.is_empty() {
        let own = crate::source::database::postgres::current_schema(&db).await?;
        if let Some(missing) = wanted
            .iter()
            .find(|s| **s != own && !schema.schemas.contains(*s))
        {
            bail!(
                "schema {missing} does not exist in this database (--schema); nothing was written"
            );
        }
    }
    let mut written = entities::write(&schema, backend, &Options { serial_feature });
    let listed = std::mem::take(&mut written.undeclared);
    written.undeclared = entities::merge_listed(listed, catalog_objects(&db).await?);

    // The root module: lib.rs when the directory is a crate's src (or holds
    // one), mod.rs when it holds only that.
    let root = if !dir.join("lib.rs").exists() && dir.join("mod.rs").exists() {
        "mod.rs"
    } else {
        "lib.rs"
    };
    let mut files = written.files.clone();
    files.push((root.to_owned(), written.root.clone()));
    let ours: BTreeSet<&str> = files.iter().map(|(f, _)| f.as_str()).collect();

    refuse_hand_written(dir, &files, force)?;
    let (removed, left) = remove_gone(dir, &ours)?;
    for (name, content) in &files {
        let content = crate::render::rustfmt(content).unwrap_or_else(|| content.clone());
        let path = dir.join(name);
        fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    let features: Vec<&str> = written.features.iter().copied().collect();
    let mut notes = feature_notes(manifest.as_deref(), &features)?;
    notes.push(wire_indexes(ctx, manifest.as_deref(), root)?);

    if ctx.json {
        println!(
            "{}",
            json!({
                "entities": written.entities.iter().map(|(t, m)| json!({"table": t, "module": m})).collect::<Vec<_>>(),
                "extra_indexes": written.extra_indexes,
                "features": features,
                "undeclared": written.undeclared,
                "removed": removed,
                "notes": notes,
            })
        );
        return Ok(Outcome::Ok);
    }
    println!(
        "Wrote {} entit{} to {} ({} extra index(es) in {INDEX_MODULE}.rs)",
        written.entities.len(),
        if written.entities.len() == 1 {
            "y"
        } else {
            "ies"
        },
        dir.display(),
        written.extra_indexes
    );
    for r in &removed {
        println!("Removed {r} (generated, its table is gone)");
    }
    for l in &left {
        println!("Left {l} as it is (not generated); it is no longer in {root}");
    }
    for n in &notes {
        println!("{n}");
    }
    if !written.undeclared.is_empty() {
        println!(
            "Not declared (no entity can say it; the comparison reports it and leaves it alone):"
        );
        for u in &written.undeclared {
            println!("  {u}");
        }
    }
    Ok(Outcome::Ok)
}

/// Refuse to overwrite hand-written files unless --force.
fn refuse_hand_written(dir: &Path, files: &[(String, String)], force: bool) -> anyhow::Result<()> {
    let mut hand_written = Vec::new();
    for (name, _) in files {
        let path = dir.join(name);
        if path.exists() && !generated(&path) {
            hand_written.push(name.clone());
        }
    }
    if !hand_written.is_empty() && !force {
        bail!(
            "{} in {} {} not generated (no @generated marker): pass --force to overwrite, or move {}; nothing was written",
            hand_written.join(", "),
            dir.display(),
            if hand_written.len() == 1 { "is" } else { "are" },
            if hand_written.len() == 1 {
                "it"
            } else {
                "them"
            }
        );
    }
    Ok(())
}

/// Generated files of tables that are gone: removed, so that nothing refers
/// to a type that no longer exists. Returns (removed, left as hand-written).
fn remove_gone(dir: &Path, ours: &BTreeSet<&str>) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut removed = Vec::new();
    let mut left = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !name.ends_with(".rs")
            || ours.contains(name.as_str())
            || name == "lib.rs"
            || name == "mod.rs"
        {
            continue;
        }
        if generated(&path) {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            removed.push(name);
        } else {
            left.push(name);
        }
    }
    Ok((removed, left))
}

/// The features the entities need, enabled in the entity crate's `manifest`
/// (or, without one, named for the user to enable).
fn feature_notes(manifest: Option<&Path>, features: &[&str]) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    match manifest {
        Some(m)
            if !features.is_empty()
                && crate::adopt::enable_features_in(m, "sea-orm", features)? =>
        {
            notes.push(format!(
                "Enabled sea-orm feature(s) {} in {}",
                features.join(", "),
                m.display()
            ));
        }
        Some(_) => {}
        None if !features.is_empty() => notes.push(format!(
            "Enable sea-orm feature(s) {} in the entity crate's Cargo.toml",
            features.join(", ")
        )),
        _ => {}
    }
    Ok(notes)
}

/// Whether `path` says it was generated (ours, sea-orm-cli's).
fn generated(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| t.lines().take(3).any(|l| l.contains("@generated")))
}

/// Triggers and views (and, on PostgreSQL, functions' triggers): listed,
/// since no entity declares them. SQLite's are in the schema already.
async fn catalog_objects<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT 'trigger ' || t.tgname || ' on ' || c.relname AS o FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT t.tgisinternal AND n.nspname = current_schema() \
             UNION ALL SELECT 'view ' || viewname FROM pg_views WHERE schemaname = current_schema()"
        }
        DbBackend::MySql => {
            "SELECT CONCAT('trigger ', TRIGGER_NAME, ' on ', EVENT_OBJECT_TABLE) AS o \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
        }
        _ => return Ok(Vec::new()),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String>("", "o").ok())
        .collect())
}

/// Give the extra-index module to the autogen binary (`Project::with_indexes`),
/// when the entities are a crate root and the binary is where `init` puts it.
fn wire_indexes(ctx: &Context, manifest: Option<&Path>, root: &str) -> anyhow::Result<String> {
    let lib = manifest.and_then(crate::adopt::lib_name);
    let bin: PathBuf = ctx.migration_dir.join("bin/autogen.rs");
    let (Some(lib), "lib.rs") = (lib, root) else {
        return Ok(format!(
            "Give the extra indexes to the autogen binary: `Project::new(..).with_indexes(<entity module>::{INDEX_MODULE}::all)`"
        ));
    };
    let call = format!(".with_indexes({lib}::{INDEX_MODULE}::all)");
    let Ok(text) = fs::read_to_string(&bin) else {
        return Ok(format!(
            "Give the extra indexes to the autogen binary: `Project::new(..){call}`"
        ));
    };
    if text.contains(&call) {
        return Ok(format!("{} already uses {call}", bin.display()));
    }
    if text.contains(".with_indexes(") {
        return Ok(format!(
            "{} gives its own index list: add the entries of {lib}::{INDEX_MODULE}::all() to it, or use `{call}`",
            bin.display()
        ));
    }
    let Some(wired) = insert_after_call(&text, "Project::new(", &call) else {
        return Ok(format!(
            "Give the extra indexes to the autogen binary ({}): `Project::new(..){call}`",
            bin.display()
        ));
    };
    let wired = crate::render::rustfmt(&wired).unwrap_or(wired);
    fs::write(&bin, wired).with_context(|| format!("writing {}", bin.display()))?;
    Ok(format!("Wired {call} into {}", bin.display()))
}

/// `text` with `insert` after the call that starts at `head` (its closing
/// parenthesis found by nesting; string literals in it skipped).
pub fn insert_after_call(text: &str, head: &str, insert: &str) -> Option<String> {
    let start = text.find(head)? + head.len();
    let mut depth = 1usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in text[start..].char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let at = start + i + 1;
                    return Some(format!("{}{insert}{}", &text[..at], &text[at..]));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_list_is_wired_after_project_new() {
        let bin = "let project = Project::new(\"entity::*\", \"migration/src\");\n";
        assert_eq!(
            insert_after_call(
                bin,
                "Project::new(",
                ".with_indexes(entity::autogen_indexes::all)"
            )
            .as_deref(),
            Some(
                "let project = Project::new(\"entity::*\", \"migration/src\").with_indexes(entity::autogen_indexes::all);\n"
            )
        );
        assert_eq!(
            insert_after_call("Project::new(\"a)\", f(x))", "Project::new(", "!").as_deref(),
            Some("Project::new(\"a)\", f(x))!")
        );
        assert_eq!(insert_after_call("nothing", "Project::new(", "!"), None);
    }
}
