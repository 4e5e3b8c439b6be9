//! Entities that declare `schema_name` live in that schema: the comparison
//! covers it beside the connection's schema, a missing schema is created by
//! the migration (and dropped by its down), every statement is qualified,
//! and schemas the entities never mention are never read nor touched.

use autogen_runtime::{Direction, run_migration};
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::{DiffOptions, diff};
use seaorm_autogen::plan::up_and_down;
use seaorm_autogen::render::{MigrationSource, render_migration};
use seaorm_autogen::source::database::introspect_with;
use seaorm_autogen::step::StepsMigration;
use tests::changes::connect_case;
use tests::support::{PgDatabase, block_on};
use tests::zoo::{pg_schemas, target};

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("text"))
        .collect()
}

const OPS_TABLES: &str = "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('ops', 'archive') ORDER BY 1";

#[test]
fn entities_in_their_own_schema_are_created_compared_and_rolled_back() {
    let live = PgDatabase::create();
    block_on(async {
        let db = connect_case(live.url()).await;
        // A schema the entities never mention, holding a table named like theirs.
        db.execute_unprepared(
            "CREATE SCHEMA archive; CREATE TABLE archive.jobs (id integer PRIMARY KEY, note text); INSERT INTO archive.jobs VALUES (1, 'kept');",
        )
        .await
        .expect("setup");

        let want = target(&db, pg_schemas::PREFIX).await;
        assert_eq!(
            want.tables.keys().collect::<Vec<_>>(),
            ["ops.jobs", "owners"],
            "the ops table is keyed by its schema"
        );
        assert!(want.schemas.contains("ops"));
        let jobs = &want.tables["ops.jobs"];
        assert_eq!(jobs.comment.as_deref(), Some("Jobs the scheduler runs"));
        assert_eq!(
            jobs.column("schedule").and_then(|c| c.comment.as_deref()),
            Some("cron expression")
        );
        assert_eq!(jobs.foreign_keys[0].ref_table, "owners");

        let before = introspect_with(&db, &want.schemas)
            .await
            .expect("introspect");
        assert!(
            before.tables.is_empty() && before.schemas.is_empty(),
            "archive is never read, ops does not exist yet: {:?}",
            before.tables.keys().collect::<Vec<_>>()
        );
        let changes = diff(&before, &want, &DiffOptions::default()).changes;
        let described: Vec<String> = changes.iter().map(|c| c.describe()).collect();
        assert_eq!(
            described,
            [
                "added schema 'ops'",
                "added table 'ops.jobs'",
                "added table 'owners'"
            ],
        );
        let (ordered, up, down) = up_and_down(&changes, &before, &want, Backend::Postgres);
        let rendered = render_migration(&MigrationSource {
            revision: "m20990101_000000_schemas",
            parents: &[],
            message: "schemas",
            created: "2099-01-01 00:00:00 UTC",
            changes: &ordered,
            backend: Backend::Postgres,
            up: &up,
            down: &down,
            origin: "test",
            note: None,
            transactional: true,
        })
        .expect("render the migration");
        assert!(
            rendered.contains(r#".table(("ops", "jobs"))"#),
            "statements name the schema:\n{rendered}"
        );
        let migration = StepsMigration {
            name: "schemas".into(),
            transactional: true,
            up,
            down,
        };

        run_migration(&db, &migration, Direction::Up)
            .await
            .unwrap_or_else(|e| panic!("up: {e}\n{rendered}"));
        assert_eq!(strings(&db, OPS_TABLES).await, ["archive.jobs", "ops.jobs"]);
        let after = introspect_with(&db, &want.schemas)
            .await
            .expect("introspect");
        let left: Vec<String> = diff(&after, &want, &DiffOptions::default())
            .changes
            .iter()
            .map(|c| c.describe())
            .collect();
        assert!(left.is_empty(), "no fixpoint: {left:?}\n{rendered}");
        assert_eq!(
            strings(
                &db,
                "SELECT obj_description('ops.jobs'::regclass, 'pg_class')"
            )
            .await,
            ["Jobs the scheduler runs"]
        );

        run_migration(&db, &migration, Direction::Down)
            .await
            .unwrap_or_else(|e| panic!("down: {e}\n{rendered}"));
        assert_eq!(strings(&db, OPS_TABLES).await, ["archive.jobs"]);
        assert!(
            strings(
                &db,
                "SELECT nspname::text FROM pg_namespace WHERE nspname = 'ops'"
            )
            .await
            .is_empty(),
            "down drops the schema it created"
        );
        assert_eq!(
            strings(&db, "SELECT note FROM archive.jobs").await,
            ["kept"],
            "the archive schema is untouched"
        );

        run_migration(&db, &migration, Direction::Up)
            .await
            .unwrap_or_else(|e| panic!("second up: {e}\n{rendered}"));
        let again = introspect_with(&db, &want.schemas)
            .await
            .expect("introspect");
        assert!(
            diff(&again, &want, &DiffOptions::default())
                .changes
                .is_empty()
        );
        let _ = db.close().await;
    });
}
