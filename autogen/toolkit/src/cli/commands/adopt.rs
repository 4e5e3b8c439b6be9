//! `autogen adopt`: what the database has that the entities do not declare
//! (indexes created by hand-written migrations, column defaults), as the
//! declarations to add, so that the first `autogen -m` after adopting
//! autogen does not drop them; and every other change that `-m` would make,
//! named. `--write` writes the extra-index list beside the migration crate's
//! `autogen` binary and gives it to the binary (`.with_indexes(...)`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::cli::compare::compare;
use crate::cli::{Context, GenerateArgs, Outcome};
use crate::runtime::Squashed;
use crate::undeclared::{Missing, append_indexes};

/// The binary `autogen init` writes, relative to the migration crate's `src/`.
const BIN: &str = "bin/autogen.rs";
/// Where `--write` puts the index list by default, relative to `src/`: a
/// module of that binary (`mod indexes;`), not a binary of its own.
const INDEXES: &str = "bin/autogen/indexes.rs";

pub async fn run<M: MigratorTrait + Squashed>(
    ctx: &Context,
    args: &GenerateArgs,
    write: Option<Option<&Path>>,
) -> anyhow::Result<Outcome> {
    // Refuse a bad destination before connecting.
    let target = match write {
        Some(path) => Some(destination(&ctx.migration_dir, path)?),
        None => None,
    };
    let (_db, cmp) = compare::<M>(ctx, args, false).await?;
    let missing = crate::undeclared::missing(&cmp);
    let module = crate::render::rustfmt(&missing.index_module)
        .unwrap_or_else(|| missing.index_module.clone());
    let mut wrote = None;
    if let Some(path) = &target
        && missing.indexes > 0
    {
        wrote = Some(write_indexes(ctx, path, &missing, &module)?);
    }
    if ctx.json {
        let attributes: Vec<_> = missing
            .attributes
            .iter()
            .map(|(t, c, a)| json!({ "table": t, "column": c, "attribute": a }))
            .collect();
        let uncovered: Vec<_> = missing
            .uncovered
            .iter()
            .map(|(kind, change)| json!({ "kind": kind, "change": change }))
            .collect();
        println!(
            "{}",
            json!({
                "indexes": missing.indexes,
                "index_module": module,
                "written": target.as_ref().filter(|_| missing.indexes > 0).map(|p| p.display().to_string()),
                "attributes": attributes,
                "features": missing.features,
                "uncovered": uncovered,
            })
        );
        return Ok(Outcome::Ok);
    }
    if missing.is_empty() {
        println!(
            "The entities declare every index and default the database has, and nothing else differs."
        );
        return Ok(Outcome::Ok);
    }
    if missing.indexes > 0 {
        match (&target, &wrote) {
            (Some(path), Some(wired)) => {
                println!(
                    "Wrote {} index declaration(s) to {}; {wired}",
                    missing.indexes,
                    path.display()
                );
            }
            _ => println!(
                "{} index(es) the database has and the entities do not declare (`autogen adopt --write` writes them to {} and gives them to the autogen binary):\n\n{module}",
                missing.indexes,
                ctx.migration_dir.join(INDEXES).display()
            ),
        }
    }
    if !missing.attributes.is_empty() {
        println!(
            "Defaults and exact types the database has and the entities do not declare; set on the fields (a `column_type` replaces the field's own):"
        );
        for (table, column, attribute) in &missing.attributes {
            println!("  {table}.{column}: {attribute}");
        }
    }
    for feature in &missing.features {
        println!(
            "The database's auto-increment keys are `serial`, which SeaORM 2 creates as identity columns unless sea-orm's `{feature}` cargo feature is on: add it to the entity crate's sea-orm dependency (`sea-orm = {{ version = \"2\", features = [\"{feature}\"] }}`)."
        );
    }
    if !missing.uncovered.is_empty() {
        println!(
            "{} {} not covered by these suggestions (declare them in the entities, or the first `-m` makes them; `autogen check` lists them too):",
            missing.uncovered_summary(),
            if missing.uncovered.len() == 1 {
                "is"
            } else {
                "are"
            }
        );
        for (_, change) in &missing.uncovered {
            println!("  {change}");
        }
    }
    Ok(Outcome::Ok)
}

/// Where `--write [FILE]` writes: FILE, or the default beside the binary.
/// A file directly in `src/bin/` would be built as a binary of its own.
fn destination(migration_src: &Path, given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let Some(path) = given else {
        if !migration_src.join(BIN).is_file() {
            anyhow::bail!(
                "{} does not exist (the binary `autogen init` writes): pass --write FILE and give the module to your autogen binary with `.with_indexes(<module>::all)`; nothing was written",
                migration_src.join(BIN).display()
            );
        }
        return Ok(migration_src.join(INDEXES));
    };
    let in_bin = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "bin")
        && path
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .is_some_and(|d| d == "src");
    if in_bin {
        anyhow::bail!(
            "{} would be built as a binary of its own (cargo builds every src/bin/*.rs): leave out FILE to write {}, a module of the autogen binary; nothing was written",
            path.display(),
            migration_src.join(INDEXES).display()
        );
    }
    if path.extension().is_none_or(|e| e != "rs") {
        anyhow::bail!(
            "{} is not a Rust file (FILE must end in .rs); nothing was written",
            path.display()
        );
    }
    Ok(path.to_owned())
}

/// Write (or extend) the index module at `path` and wire it into the
/// migration crate's autogen binary; what was done, in words.
fn write_indexes(
    ctx: &Context,
    path: &Path,
    missing: &Missing,
    module: &str,
) -> anyhow::Result<String> {
    let text = match std::fs::read_to_string(path) {
        Ok(existing) => {
            let merged = append_indexes(&existing, missing).with_context(|| {
                format!(
                    "{} exists and is not an index list `autogen adopt` wrote: move it away or pass another FILE; nothing was written",
                    path.display()
                )
            })?;
            crate::render::rustfmt(&merged).unwrap_or(merged)
        }
        Err(_) => module.to_owned(),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, text)
        .with_context(|| format!("writing the index list to {}", path.display()))?;
    let bin = ctx.migration_dir.join(BIN);
    let module_name = path
        .file_stem()
        .map(|s| {
            s.to_string_lossy()
                .replace(|c: char| !c.is_alphanumeric(), "_")
        })
        .unwrap_or_else(|| "indexes".to_owned());
    let beside = bin.with_extension("");
    let declaration = if path.parent() == Some(beside.as_path()) {
        // A crate root's `mod x;` is looked up beside it (src/bin/x.rs),
        // not in src/bin/autogen/: the path says where the file is.
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
        let stem = beside.file_name().map(|f| f.to_string_lossy().into_owned());
        match (stem, file) {
            (Some(stem), Some(file)) => {
                format!(
                    "#[path = {:?}]\nmod {module_name};",
                    format!("{stem}/{file}")
                )
            }
            _ => format!("mod {module_name};"),
        }
    } else {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        format!(
            "#[path = {:?}]\nmod {module_name};",
            absolute.to_string_lossy()
        )
    };
    let call = format!(".with_indexes({module_name}::all)");
    let manual = format!(
        "add `{}` and `{call}` (after `Project::new(...)`) to your autogen binary",
        declaration.replace('\n', " ")
    );
    let Ok(source) = std::fs::read_to_string(&bin) else {
        return Ok(format!("no {} here: {manual}", bin.display()));
    };
    match wire(&source, &declaration, &call) {
        Wired::Already => Ok(format!(
            "{} already gives them to the binary ({call})",
            bin.display()
        )),
        Wired::Edited(edited) => {
            std::fs::write(&bin, edited).with_context(|| format!("writing {}", bin.display()))?;
            Ok(format!(
                "{} gives them to the binary ({call}), from its next build on",
                bin.display()
            ))
        }
        Wired::Other => Ok(format!(
            "{} already gives other indexes to the binary: {manual}",
            bin.display()
        )),
        Wired::NoProject => Ok(format!(
            "{} has no `Project::new(...)`: {manual}",
            bin.display()
        )),
    }
}

enum Wired {
    Already,
    Edited(String),
    /// `.with_indexes` of another function.
    Other,
    NoProject,
}

/// `source` (the binary `autogen init` writes) with `declaration` and
/// `.with_indexes(...)` added.
fn wire(source: &str, declaration: &str, call: &str) -> Wired {
    if source.contains(call) {
        return Wired::Already;
    }
    if source.contains(".with_indexes(") {
        return Wired::Other;
    }
    let Some(start) = source.find("Project::new(") else {
        return Wired::NoProject;
    };
    // Just past the closing parenthesis of `Project::new(...)` (strings skipped).
    let args = start + "Project::new(".len();
    let Some(end) = crate::source::ignored::attr_end(&source[args..]).map(|i| args + i + 1) else {
        return Wired::NoProject;
    };
    let mut out = format!("{}{call}{}", &source[..end], &source[end..]);
    if !out.contains(declaration) {
        let at = out.find("#[tokio::main]").unwrap_or(0);
        out.insert_str(at, &format!("{declaration}\n\n"));
    }
    Wired::Edited(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_list_goes_beside_the_binary_never_into_src_bin() {
        let dir = std::env::temp_dir().join(format!("autogen-adopt-{}", std::process::id()));
        let src = dir.join("migration/src");
        let no_binary = destination(&src, None).expect_err("no binary to wire");
        assert!(
            no_binary.to_string().contains("--write FILE"),
            "{no_binary}"
        );
        std::fs::create_dir_all(src.join("bin")).expect("mkdir");
        std::fs::write(src.join(BIN), "fn main() {}\n").expect("write");
        assert_eq!(
            destination(&src, None).expect("default"),
            src.join("bin/autogen/indexes.rs")
        );
        let src = src.as_path();
        let refused = destination(src, Some(Path::new("migration/src/bin/indexes.rs")))
            .expect_err("a binary");
        assert!(
            refused.to_string().contains("binary of its own"),
            "{refused}"
        );
        assert!(destination(src, Some(Path::new("indexes.txt"))).is_err());
        assert!(destination(src, Some(Path::new("migration/indexes.rs"))).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_binary_init_wrote_is_wired_once() {
        let bin = "use seaorm_autogen::cli::{self, Project};\nuse entity as _;\n\n#[tokio::main]\nasync fn main() -> std::process::ExitCode {\n    cli::init_logging();\n    let project = Project::new(\"entity::*\", \"migration/src\");\n    cli::main::<migration::Migrator>(project).await\n}\n";
        let Wired::Edited(once) = wire(bin, "mod indexes;", ".with_indexes(indexes::all)") else {
            panic!("not wired");
        };
        assert!(
            once.contains("mod indexes;\n\n#[tokio::main]")
                && once.contains(
                    "Project::new(\"entity::*\", \"migration/src\").with_indexes(indexes::all);"
                ),
            "{once}"
        );
        assert!(matches!(
            wire(&once, "mod indexes;", ".with_indexes(indexes::all)"),
            Wired::Already
        ));
        assert!(matches!(
            wire(&once, "mod more;", ".with_indexes(more::all)"),
            Wired::Other
        ));
    }
}
