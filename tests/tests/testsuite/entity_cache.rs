//! The entity side's per-table cache on a real PostgreSQL server: after an
//! edit only the changed tables (and the tables they reference) are created
//! in the scratch schema, and the schema assembled from the cache is exactly
//! the one a full materialization with an empty cache gives.
//!
//! It points the cache at directories of its own (`set_cache_dir`, no
//! change to the process environment); entries of other tests that land
//! there meanwhile have other keys and change nothing it measures.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection};
use seaorm_autogen::source::entities::{Materialized, materialize_ddl_counted};
use seaorm_autogen::synthetic::synthetic_ddl;
use tests::support::{PgDatabase, connect};

const TABLES: usize = 30;

/// The cache directory is the process's: the tests of this file that move
/// it take turns (each test has a runtime and a thread of its own: one waits
/// on its thread while the other runs).
static CACHE_DIR: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    CACHE_DIR.lock().unwrap_or_else(|p| p.into_inner())
}

fn use_cache(dir: &std::path::Path) {
    // The process-wide test cache is set first, so that it cannot replace
    // this test's directory halfway.
    tests::support::use_test_cache();
    seaorm_autogen::source::set_cache_dir(Some(dir.to_owned()));
}

async fn materialize(db: &DatabaseConnection, ddl: &[String]) -> Materialized {
    materialize_ddl_counted(db, ddl)
        .await
        .expect("the synthetic DDL materializes")
}

/// `ddl` run for real on PostgreSQL (200 statements at a time) and read
/// back: the same tables and enum types as `schema`.
async fn assert_as_created(
    db: &DatabaseConnection,
    ddl: &[String],
    schema: &seaorm_autogen::schema::Schema,
) {
    for chunk in ddl.chunks(200) {
        db.execute_unprepared(&chunk.join(";\n"))
            .await
            .expect("create the schema for real");
    }
    let live = seaorm_autogen::source::database::postgres::introspect(db, None)
        .await
        .expect("introspect");
    assert_eq!(live.tables, schema.tables);
    assert_eq!(live.enums, schema.enums);
}

/// What an empty cache gives for `ddl`: the reference.
async fn from_scratch(
    db: &DatabaseConnection,
    ddl: &[String],
    dir: &std::path::Path,
) -> Materialized {
    use_cache(dir);
    let full = materialize(db, ddl).await;
    assert_eq!(full.tables_run, TABLES, "an empty cache runs every table");
    full
}

#[tokio::test]
#[allow(clippy::await_holding_lock)]
async fn after_an_edit_only_the_changed_tables_run_and_the_schema_is_the_same() {
    let _turn = take_turn();
    let pg = PgDatabase::create();
    let db = connect(pg.url()).await.expect("connect");
    let cache = tests::support::temp_dir();
    let (shared, fresh) = (cache.path().join("shared"), cache.path().join("fresh"));
    let base = synthetic_ddl(TABLES, false);

    use_cache(&shared);
    let first = materialize(&db, &base).await;
    assert_eq!(first.tables_run, TABLES);
    assert_eq!(first.schema.tables.len(), TABLES);
    let again = materialize(&db, &base).await;
    assert_eq!(again.tables_run, 0, "the same DDL is a whole-schema hit");
    assert_eq!(again.schema, first.schema);

    // A column added to t00005, which references t00000.
    let mut edited = base.clone();
    let at = edited
        .iter()
        .position(|s| s.starts_with("CREATE TABLE \"t00005\""))
        .expect("t00005");
    edited[at] = edited[at].replacen(
        "\"description\" text",
        "\"description\" text, \"new_field\" varchar(100) NOT NULL DEFAULT 'x'",
        1,
    );
    let incremental = materialize(&db, &edited).await;
    assert_eq!(
        incremental.tables_run, 1,
        "the edited table (t00000 only stands in for the foreign key)"
    );
    let reference = from_scratch(&db, &edited, &fresh.join("1")).await;
    assert_eq!(incremental.schema, reference.schema);
    assert!(
        incremental.schema.tables["t00005"]
            .columns
            .iter()
            .any(|c| c.name == "new_field"),
        "the edit is in the assembled schema"
    );

    // A value added to the enum: every table naming the type runs again.
    use_cache(&shared);
    let mut retyped = edited.clone();
    retyped[0] = retyped[0].replacen("'failed')", "'failed', 'cancelled')", 1);
    let incremental = materialize(&db, &retyped).await;
    let naming_the_type = TABLES.div_ceil(3);
    assert_eq!(incremental.tables_run, naming_the_type);
    let reference = from_scratch(&db, &retyped, &fresh.join("2")).await;
    assert_eq!(incremental.schema, reference.schema);
    assert_eq!(
        incremental.schema.enums["run_status"]
            .last()
            .map(String::as_str),
        Some("cancelled")
    );

    // A dropped table: nothing runs, the rest comes from the cache.
    use_cache(&shared);
    let last = format!("t{:05}", TABLES - 1);
    let dropped: Vec<String> = retyped
        .iter()
        .filter(|s| !s.contains(&format!("\"{last}\"")))
        .cloned()
        .collect();
    let incremental = materialize(&db, &dropped).await;
    assert_eq!(incremental.tables_run, 0);
    assert_eq!(incremental.schema.tables.len(), TABLES - 1);
    assert!(!incremental.schema.tables.contains_key(&last));

    // More tables than one scratch transaction may lock, in a chain of
    // references: materialized in batches (with stand-ins for the tables
    // referenced across batches), and equal to the same schema created for real.
    // Each table references the one before it, so that taking every
    // referenced table transitively would put all of them in every batch.
    use_cache(&fresh.join("3"));
    let big: Vec<String> = synthetic_ddl(BIG, false)
        .into_iter()
        .map(|stmt| match stmt.strip_prefix("CREATE TABLE \"t") {
            Some(rest) if rest.contains("REFERENCES") => {
                let i: usize = rest[..5].parse().expect("table number");
                stmt.replace(
                    "REFERENCES \"t00000\"",
                    &format!("REFERENCES \"t{:05}\"", i - 1),
                )
            }
            _ => stmt,
        })
        .collect();
    assert!(big.iter().any(|s| s.contains("REFERENCES \"t00598\"")));
    let batched = materialize(&db, &big).await;
    assert_eq!(batched.schema.tables.len(), BIG);
    assert_eq!(
        batched.tables_run, BIG,
        "every table once; stand-ins are not counted"
    );
    assert_as_created(&db, &big, &batched.schema).await;
    seaorm_autogen::source::set_cache_dir(Some(tests::support::test_cache_dir()));
}

/// More tables than `TABLES_PER_BATCH` (250) twice over.
const BIG: usize = 600;

/// MySQL/MariaDB: the same per-table cache. The scratch session does not
/// check foreign keys, so an edited table runs alone (no stand-ins), and the
/// assembled schema is exactly what an empty cache gives and what the same
/// DDL creates for real.
#[tokio::test]
#[allow(clippy::await_holding_lock)]
async fn mysql_after_an_edit_only_the_changed_table_runs_and_the_schema_is_the_same() {
    let _turn = take_turn();
    use seaorm_autogen::synthetic::synthetic_ddl_mysql;
    let my = tests::support::MyDatabase::create();
    let db = connect(my.url()).await.expect("connect");
    let cache = tests::support::temp_dir();
    let (shared, fresh) = (cache.path().join("shared"), cache.path().join("fresh"));
    let base = synthetic_ddl_mysql(TABLES, 0);

    use_cache(&shared);
    let first = materialize(&db, &base).await;
    assert_eq!(first.tables_run, TABLES, "an empty cache runs every table");
    assert_eq!(first.schema.tables.len(), TABLES);
    let again = materialize(&db, &base).await;
    assert_eq!(again.tables_run, 0, "the same DDL is a whole-schema hit");
    assert_eq!(again.schema, first.schema);

    // A column added to t00005, which references t00000.
    let mut edited = base.clone();
    let at = edited
        .iter()
        .position(|s| s.starts_with("CREATE TABLE `t00005`"))
        .expect("t00005");
    edited[at] = edited[at].replacen(
        "`description` text",
        "`description` text, `new_field` varchar(100) NOT NULL DEFAULT 'x'",
        1,
    );
    let incremental = materialize(&db, &edited).await;
    assert_eq!(incremental.tables_run, 1, "the edited table alone");
    use_cache(&fresh);
    let reference = materialize(&db, &edited).await;
    assert_eq!(reference.tables_run, TABLES);
    assert_eq!(incremental.schema, reference.schema);
    assert!(
        incremental.schema.tables["t00005"]
            .columns
            .iter()
            .any(|c| c.name == "new_field"),
        "the edit is in the assembled schema"
    );

    // The same DDL created for real reads back the same, foreign keys included.
    for stmt in &edited {
        db.execute_unprepared(stmt).await.expect("create for real");
    }
    let live = seaorm_autogen::source::database::mysql::introspect(&db)
        .await
        .expect("introspect");
    assert_eq!(live.tables, incremental.schema.tables);
    assert!(
        !live.tables["t00005"].foreign_keys.is_empty(),
        "the foreign key is compared"
    );
    seaorm_autogen::source::set_cache_dir(Some(tests::support::test_cache_dir()));
}

/// SQLite's live schema is cached under its `sqlite_master` rows: reading it
/// again after DDL (a column added, an index dropped, a view made) gives the
/// new schema at once, equal to a read of the catalog without the cache, and
/// reading an unchanged database gives the cached one.
#[tokio::test]
#[allow(clippy::await_holding_lock)]
async fn sqlite_live_schema_cache_follows_every_ddl_and_equals_a_catalog_read() {
    use seaorm_autogen::source::database::sqlite::{introspect, read_catalog};
    let _turn = take_turn();
    let dir = tests::support::temp_dir();
    use_cache(&dir.path().join("cache"));
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("live.db").display());
    let db = connect(&url).await.expect("connect");
    let ddl = [
        "CREATE TABLE a (id integer NOT NULL PRIMARY KEY, name varchar(20) NOT NULL)",
        "CREATE INDEX a_name ON a (name)",
        "ALTER TABLE a ADD COLUMN note text DEFAULT 'x'",
        "CREATE VIEW v AS SELECT id FROM a",
        "DROP INDEX a_name",
        "CREATE TABLE b (id integer NOT NULL PRIMARY KEY, a_id integer REFERENCES a (id) ON DELETE CASCADE)",
    ];
    let mut seen = Vec::new();
    for stmt in ddl {
        db.execute_unprepared(stmt).await.expect(stmt);
        let cached_first = introspect(&db).await.expect("introspect");
        let cached_again = introspect(&db).await.expect("introspect from the cache");
        let catalog = read_catalog(&db).await.expect("read the catalog");
        assert_eq!(cached_first, catalog, "after {stmt}");
        assert_eq!(cached_again, catalog, "after {stmt}, from the cache");
        assert!(!seen.contains(&catalog), "{stmt} changed the schema read");
        seen.push(catalog);
    }
    let last = seen.last().expect("schemas");
    assert!(last.tables["a"].columns.iter().any(|c| c.name == "note"));
    assert!(
        last.tables["a"].indexes.is_empty(),
        "the dropped index is gone"
    );
    assert_eq!(last.tables["b"].foreign_keys.len(), 1);
    seaorm_autogen::source::set_cache_dir(None);
}

/// SQLite DDL of `n` tables as sea-query writes it: AUTOINCREMENT keys,
/// defaults, a unique column, an index, and a foreign key to the first.
fn sqlite_ddl(n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let t = format!("t{i:05}");
        let fk = if i > 0 {
            format!(
                r#", "parent_id" integer, CONSTRAINT "fk-{t}" FOREIGN KEY ("parent_id") REFERENCES "t00000" ("id") ON DELETE CASCADE"#
            )
        } else {
            String::new()
        };
        out.push(format!(
            r#"CREATE TABLE "{t}" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(255) NOT NULL UNIQUE, "description" text, "counter" integer NOT NULL DEFAULT 0{fk} )"#
        ));
        out.push(format!(
            r#"CREATE INDEX "idx-{t}-counter" ON "{t}" ("counter")"#
        ));
    }
    out
}

/// SQLite: the same per-table cache in an in-memory database. A table's
/// foreign keys need no table behind them there, so an edited table runs
/// alone, and the assembled schema is exactly what an empty cache gives.
#[tokio::test]
#[allow(clippy::await_holding_lock)]
async fn sqlite_after_an_edit_only_the_changed_table_runs_and_the_schema_is_the_same() {
    let _turn = take_turn();
    let file = tests::support::SqliteFile::create();
    let db = connect(&file.url()).await.expect("connect");
    let cache = tests::support::temp_dir();
    let (shared, fresh) = (cache.path().join("shared"), cache.path().join("fresh"));
    let base = sqlite_ddl(TABLES);

    use_cache(&shared);
    let first = materialize(&db, &base).await;
    assert_eq!(first.tables_run, TABLES, "an empty cache runs every table");
    let again = materialize(&db, &base).await;
    assert_eq!(again.tables_run, 0, "the same DDL is a whole-schema hit");
    assert_eq!(again.schema, first.schema);

    let mut edited = base.clone();
    edited[10] = edited[10].replacen(
        r#""description" text"#,
        r#""description" text, "new_field" varchar(100) NOT NULL DEFAULT 'x'"#,
        1,
    );
    let incremental = materialize(&db, &edited).await;
    assert_eq!(incremental.tables_run, 1, "the edited table alone");
    let reference = from_scratch(&db, &edited, &fresh.join("1")).await;
    assert_eq!(incremental.schema, reference.schema);
    assert!(
        incremental.schema.tables["t00005"]
            .columns
            .iter()
            .any(|c| c.name == "new_field")
    );

    // A CHECK (unmanaged, not attributed to tables): the whole schema runs.
    use_cache(&shared);
    let mut checked = edited.clone();
    checked[20] = checked[20].replacen(" )", r#", CHECK ("counter" >= 0) )"#, 1);
    let whole = materialize(&db, &checked).await;
    assert_eq!(whole.tables_run, TABLES);
    assert_eq!(whole.schema.unmanaged.len(), 1);
    seaorm_autogen::source::set_cache_dir(Some(tests::support::test_cache_dir()));
}

/// The entity side runs a schema's tables as temporary tables (no file of
/// theirs is synced) where the user may make them; a user without the
/// database's TEMPORARY privilege gets the scratch schema instead. Both
/// give the schema the same DDL creates for real.
#[tokio::test]
#[allow(clippy::await_holding_lock)]
async fn temporary_tables_and_the_scratch_schema_give_the_same_schema() {
    let _turn = take_turn();
    let pg = PgDatabase::create();
    let db = connect(pg.url()).await.expect("connect");
    let role = format!("autogen_notemp_{}", pg.name());
    let admin = tests::support::pg_admin_url();
    tests::support::execute(&admin, &format!("CREATE ROLE \"{role}\" LOGIN"));
    let dbname = pg.name();
    tests::support::execute(
        pg.url(),
        &format!(
            "REVOKE TEMPORARY ON DATABASE \"{dbname}\" FROM PUBLIC; \
             GRANT CREATE ON DATABASE \"{dbname}\" TO \"{role}\"; \
             GRANT CREATE, USAGE ON SCHEMA public TO \"{role}\""
        ),
    );
    let mut restricted_url = url::Url::parse(pg.url()).expect("a URL");
    restricted_url.set_username(&role).expect("a user");
    let restricted = connect(restricted_url.as_str())
        .await
        .expect("connect as the role");
    let may_temp = |db: &DatabaseConnection| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT has_database_privilege(current_database(), 'TEMPORARY') AS ok",
                ))
                .await
                .expect("ask")
                .expect("a row");
            row.try_get::<bool>("", "ok").expect("bool")
        }
    };
    assert!(may_temp(&db).await);
    assert!(
        !may_temp(&restricted).await,
        "the role may not make temporary tables"
    );

    let cache = tests::support::temp_dir();
    let ddl = synthetic_ddl(TABLES, true);
    use_cache(&cache.path().join("temporary"));
    let temporary = materialize(&db, &ddl).await;
    use_cache(&cache.path().join("schema"));
    let scratch = materialize(&restricted, &ddl).await;
    assert_eq!(temporary.tables_run, TABLES);
    assert_eq!(scratch.tables_run, TABLES);
    assert_eq!(temporary.schema, scratch.schema);

    assert_as_created(&db, &ddl, &temporary.schema).await;
    // Nothing of either run is left: no scratch schema, no temporary schema.
    let left = tests::support::query_strings(
        pg.url(),
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'autogen_scratch%' OR nspname LIKE 'pg_temp%'",
    );
    assert!(left.is_empty(), "left behind: {left:?}");
    drop(restricted);
    seaorm_autogen::source::set_cache_dir(Some(tests::support::test_cache_dir()));
    drop(db);
    drop(pg);
    tests::support::execute(&admin, &format!("DROP ROLE IF EXISTS \"{role}\""));
}
