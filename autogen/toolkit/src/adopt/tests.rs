//! Unit tests of the adoption: manifest edits, crate discovery, paths.

use toml_edit::DocumentMut;

use super::paths::relative;
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
