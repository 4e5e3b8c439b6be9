//! `autogen` for this workspace: the toolkit's CLI wired to the `entity`
//! crate (through SeaORM's entity registry) and the `migration` crate.

use std::process::ExitCode;

use seaorm_autogen::cli::{self, Project};

#[tokio::main]
async fn main() -> ExitCode {
    cli::init_logging();
    // Referencing the crate links its entities into the binary, which is
    // what puts them in SeaORM's registry.
    let project = Project {
        registry_prefix: entity::REGISTRY_PREFIX,
        extra_indexes: entity::indexes::all,
        extra_ddl: |_| Vec::new(),
        migration_src: "migration/src",
    };
    cli::main::<migration::Migrator>(project).await
}
