//! The type zoo: SeaORM 2 entities of every column type the backends can
//! hold, in two versions each (v2 moves every column to a neighbouring
//! type), plus entities in the classic `sea-orm-cli generate entity` format.
//! They live here, not in the product's `entity` crate, and register through
//! SeaORM's entity registry under their module prefix.
//!
//! [`prove_evolution`] is the whole round: generate from scratch, apply,
//! fixpoint; insert rows; move to v2, apply, fixpoint, rows kept; down
//! restores v1 exactly, rows kept; up again, fixpoint.

pub mod classic_pg;
pub mod classic_sqlite;
pub mod pg_ltree;
pub mod pg_schemas;
pub mod pg_v1;
pub mod pg_v2;
pub mod pg_vector;
pub mod sqlite_v1;
pub mod sqlite_v2;

use autogen_runtime::Direction;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use seaorm_autogen::change::Change;
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::{DiffOptions, diff};
use seaorm_autogen::schema::Schema;
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::source::entities::{EntitySource, materialize};
use seaorm_autogen::{Header, NoRenames, Plan, compare_schemas};

use crate::changes::connect_case;

/// The entities registered under `prefix`, nothing else.
pub fn source(prefix: &str) -> EntitySource {
    EntitySource {
        registry_prefix: prefix.to_owned(),
        extra_indexes: vec![],
        extra_ddl: |_| vec![],
    }
}

fn options() -> DiffOptions {
    DiffOptions {
        drop_unknown: true,
        ..DiffOptions::default()
    }
}

/// The schema the entities under `prefix` describe, as `db`'s server spells it.
pub async fn target(db: &DatabaseConnection, prefix: &str) -> Schema {
    materialize(db, &source(prefix))
        .await
        .unwrap_or_else(|e| panic!("materialize {prefix}: {e}"))
}

/// Number of columns over all tables.
pub fn column_count(schema: &Schema) -> usize {
    schema.tables.values().map(|t| t.columns.len()).sum()
}

/// A generated migration, applied up.
pub struct Applied {
    pub changes: Vec<Change>,
    pub rendered: String,
    pub plan: Plan,
}

impl Applied {
    /// The detected changes in words, one a line.
    pub fn described(&self) -> Vec<String> {
        self.changes.iter().map(Change::describe).collect()
    }
}

fn backend_of(db: &DatabaseConnection) -> Backend {
    Backend::from(db.get_database_backend())
}

/// Generate the migration from the live schema to `target`, render it and
/// apply it up. Panics, showing the file, if it finds nothing or fails.
pub async fn generate_and_apply(db: &DatabaseConnection, target: &Schema, name: &str) -> Applied {
    let live = introspect(db).await.expect("introspect live");
    let comparison = compare_schemas(
        backend_of(db),
        live,
        target.clone(),
        options(),
        &mut NoRenames,
    )
    .expect("compare");
    assert!(
        !comparison.in_sync(),
        "[{name}] no change detected: the test would prove nothing"
    );
    let plan = comparison.plan();
    let rendered: String = plan
        .parts
        .iter()
        .map(|part| {
            part.render(&Header {
                revision: "m20990101_000000_zoo",
                parents: &[],
                message: name,
                created: "2099-01-01 00:00:00 UTC",
                origin: "test",
            })
            .expect("render the migration")
        })
        .collect();
    assert!(
        rendered.contains("async fn up") && rendered.contains("async fn down"),
        "[{name}] rendered file lacks up/down:\n{rendered}"
    );
    plan.apply(db, &format!("zoo {name}"), Direction::Up)
        .await
        .unwrap_or_else(|e| panic!("[{name}] up failed: {e}\n{rendered}"));
    Applied {
        changes: plan.changes.clone(),
        rendered,
        plan,
    }
}

/// The live schema equals `target`: comparing again finds nothing.
pub async fn assert_fixpoint(db: &DatabaseConnection, target: &Schema, when: &str, file: &str) {
    let live = introspect(db).await.expect("introspect live");
    let left: Vec<String> = diff(&live, target, &options())
        .changes
        .iter()
        .map(Change::describe)
        .collect();
    assert!(
        left.is_empty(),
        "{when}: no fixpoint, still detected:\n  {}\nmigration:\n{file}",
        left.join("\n  ")
    );
    assert_eq!(
        live.tables.keys().collect::<Vec<_>>(),
        target.tables.keys().collect::<Vec<_>>(),
        "{when}: tables"
    );
    assert_eq!(column_count(&live), column_count(target), "{when}: columns");
}

/// One text value made of a query's single row, for "the rows survived".
pub async fn snapshot(db: &DatabaseConnection, sql: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("snapshot query failed: {e}\n{sql}"))
        .expect("snapshot query returned no row");
    row.try_get_by_index::<String>(0)
        .unwrap_or_else(|e| panic!("snapshot must be one text value: {e}\n{sql}"))
}

/// A zoo to evolve from v1 to v2 on one backend.
pub struct Evolution<'a> {
    pub v1: &'a str,
    pub v2: &'a str,
    /// Run on the database before v1 is generated (extensions).
    pub setup: &'a str,
    /// Inserts one row per table once v1 is applied.
    pub rows: &'a str,
    /// One text value of the inserted rows that must survive v1 → v2 → v1 → v2.
    pub snapshot: &'a str,
}

/// What [`prove_evolution`] saw, for the test to assert on.
pub struct Evolved {
    pub v1: Schema,
    pub v2: Schema,
    /// The changes of the v1 migration (from the empty database).
    pub created: Vec<Change>,
    /// The changes of the v1 → v2 migration.
    pub changed: Vec<Change>,
    pub snapshot: String,
}

impl Evolved {
    /// The v1 → v2 changes that alter a column.
    pub fn altered_columns(&self) -> Vec<String> {
        self.changed
            .iter()
            .filter_map(|c| match c {
                Change::AlterColumn { table, to, .. } => Some(format!("{table}.{}", to.name)),
                _ => None,
            })
            .collect()
    }

    /// The risk of the v1 → v2 change of `table.column`, if it changed.
    pub fn risk_of(&self, column: &str) -> Option<seaorm_autogen::change::Risk> {
        self.changed
            .iter()
            .find(|c| match c {
                Change::AlterColumn { table, to, .. } => format!("{table}.{}", to.name) == column,
                _ => false,
            })
            .map(Change::risk)
    }

    /// Every v1 → v2 change in words.
    pub fn described(&self) -> Vec<String> {
        self.changed.iter().map(Change::describe).collect()
    }
}

/// The whole round on a fresh database at `url` (see the module doc).
pub fn prove_evolution(url: &str, zoo: &Evolution<'_>) -> Evolved {
    crate::support::block_on(async {
        let db = connect_case(url).await;
        if !zoo.setup.is_empty() {
            db.execute_unprepared(zoo.setup)
                .await
                .unwrap_or_else(|e| panic!("setup failed: {e}"));
        }
        let empty = introspect(&db)
            .await
            .expect("introspect the fresh database");
        assert!(empty.tables.is_empty(), "the database is not fresh");

        // v1 from scratch.
        let v1 = target(&db, zoo.v1).await;
        let first = generate_and_apply(&db, &v1, "v1").await;
        assert_fixpoint(
            &db,
            &target(&db, zoo.v1).await,
            "v1 applied",
            &first.rendered,
        )
        .await;

        db.execute_unprepared(zoo.rows)
            .await
            .unwrap_or_else(|e| panic!("inserting the v1 rows failed: {e}"));
        let before = snapshot(&db, zoo.snapshot).await;

        // v1 → v2 with the rows in place.
        let v2 = target(&db, zoo.v2).await;
        let second = generate_and_apply(&db, &v2, "v1 to v2").await;
        assert_fixpoint(
            &db,
            &target(&db, zoo.v2).await,
            "v2 applied",
            &second.rendered,
        )
        .await;
        assert_eq!(
            snapshot(&db, zoo.snapshot).await,
            before,
            "rows after v1 → v2"
        );

        // Down restores v1 exactly, rows kept.
        second
            .plan
            .apply(&db, "zoo", Direction::Down)
            .await
            .unwrap_or_else(|e| panic!("down failed: {e}\n{}", second.rendered));
        assert_fixpoint(&db, &v1, "v2 rolled back to v1", &second.rendered).await;
        assert_eq!(snapshot(&db, zoo.snapshot).await, before, "rows after down");

        // And up again.
        second
            .plan
            .apply(&db, "zoo", Direction::Up)
            .await
            .unwrap_or_else(|e| panic!("second up failed: {e}\n{}", second.rendered));
        assert_fixpoint(&db, &v2, "v2 applied again", &second.rendered).await;
        assert_eq!(
            snapshot(&db, zoo.snapshot).await,
            before,
            "rows after up again"
        );

        let _ = db.close().await;
        Evolved {
            v1,
            v2,
            created: first.changes,
            changed: second.changes,
            snapshot: before,
        }
    })
}

/// Generate from scratch, apply, fixpoint: the round for a set with no v2.
pub fn prove_from_scratch(url: &str, prefix: &str, setup: &str) -> (Schema, Vec<String>) {
    crate::support::block_on(async {
        let db = connect_case(url).await;
        if !setup.is_empty() {
            db.execute_unprepared(setup)
                .await
                .unwrap_or_else(|e| panic!("setup failed: {e}"));
        }
        let schema = target(&db, prefix).await;
        let applied = generate_and_apply(&db, &schema, prefix).await;
        assert_fixpoint(
            &db,
            &target(&db, prefix).await,
            "applied",
            &applied.rendered,
        )
        .await;
        applied
            .plan
            .apply(&db, "zoo", Direction::Down)
            .await
            .unwrap_or_else(|e| panic!("down failed: {e}\n{}", applied.rendered));
        let after_down = introspect(&db).await.expect("introspect after down");
        assert!(
            after_down.tables.is_empty() && after_down.enums.is_empty(),
            "down leaves {:?} {:?}",
            after_down.tables.keys().collect::<Vec<_>>(),
            after_down.enums
        );
        let _ = db.close().await;
        (schema, applied.described())
    })
}
