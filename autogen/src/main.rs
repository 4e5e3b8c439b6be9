//! `autogen` for this workspace: the toolkit's CLI given this workspace's
//! entities (`entity`, linked so that they are in SeaORM's registry, with
//! the composite indexes the attributes cannot express) and `Migrator`.

use seaorm_autogen::cli::{self, Project};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cli::init_logging();
    let project = Project::new(entity::REGISTRY_PREFIX, "migration/src")
        .with_indexes(entity::indexes::all)
        // The app's own default (app/src/boot.rs), so that both find one database.
        .with_default_sqlite("data/remediation.db")
        .with_version(env!("AUTOGEN_LONG_VERSION"));
    cli::main_squashed::<migration::Migrator>(project).await
}
