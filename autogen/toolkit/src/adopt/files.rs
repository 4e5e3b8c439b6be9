//! The files `autogen init` creates: the migration crate's `autogen` binary
//! and `autogen.toml`.

use super::Crate;
use super::members::Member;

pub(super) fn prefixes(entities: &[&Member]) -> Vec<String> {
    entities
        .iter()
        .map(|e| format!("{}::*", e.krate.lib))
        .collect()
}

/// The migration crate's `src/bin/autogen.rs`.
pub(super) fn binary(entities: &[&Member], migration: &Crate, migration_src: &str) -> String {
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
pub(super) fn settings_file(entities: &[&Member], migration_src: &str) -> String {
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
