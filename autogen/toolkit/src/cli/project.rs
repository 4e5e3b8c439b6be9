//! What a workspace wires into the CLI ([`Project`]): its entities, extra
//! indexes and tables, migration directory and defaults.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::IndexCreateStatement;

use crate::source::entities::EntitySource;

/// What a workspace wires into the CLI: where its entities and migrations are.
#[derive(Clone)]
pub struct Project {
    /// Module prefix of the entities in SeaORM's registry, e.g. `"entity::*"`.
    pub registry_prefix: &'static str,
    /// Indexes the entity attributes cannot express.
    pub extra_indexes: fn() -> Vec<IndexCreateStatement>,
    /// Tables of the target schema that are not SeaORM entities, as the DDL
    /// that creates them on the given backend (usually none; the benchmarks
    /// use it for synthetic schemas too large to compile as entities).
    pub extra_ddl: fn(DbBackend) -> Vec<String>,
    /// The migration crate's `src/` directory, relative to the workspace root.
    pub migration_src: &'static str,
    /// What `--version` prints (e.g. with the commit and the sea-orm
    /// version, from the binary's build script); the toolkit's version when unset.
    pub version: Option<&'static str>,
    /// The SQLite file used when no database URL is given (the
    /// application's default); none: a URL is required.
    pub default_sqlite: Option<&'static str>,
}

impl Project {
    /// The entities registered under `registry_prefix` (e.g. `"entity::*"`)
    /// and the migration crate's `src/` at `migration_src` (relative to the
    /// workspace root); no extra indexes or tables.
    pub const fn new(registry_prefix: &'static str, migration_src: &'static str) -> Self {
        Self {
            registry_prefix,
            extra_indexes: Vec::new,
            extra_ddl: no_ddl,
            migration_src,
            version: None,
            default_sqlite: None,
        }
    }

    /// The SQLite file used when no database URL is given (the application's own default).
    pub const fn with_default_sqlite(mut self, file: &'static str) -> Self {
        self.default_sqlite = Some(file);
        self
    }

    /// What `--version` prints instead of the toolkit's version.
    pub const fn with_version(mut self, version: &'static str) -> Self {
        self.version = Some(version);
        self
    }

    /// Indexes the entity attributes cannot express (composite, non-unique).
    pub const fn with_indexes(mut self, indexes: fn() -> Vec<IndexCreateStatement>) -> Self {
        self.extra_indexes = indexes;
        self
    }

    pub fn entity_source(&self) -> EntitySource {
        EntitySource {
            registry_prefix: self.registry_prefix.to_owned(),
            extra_indexes: (self.extra_indexes)(),
            extra_ddl: self.extra_ddl,
        }
    }
}

fn no_ddl(_: DbBackend) -> Vec<String> {
    Vec::new()
}
