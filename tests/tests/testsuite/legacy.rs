//! A legacy database adopted with the entities sea-orm-cli wrote for it
//! (`tests::legacy`): nothing the entities mark `ignore` or cannot say is
//! dropped, the foreign-key cycle compares clean, the risk labels tell the
//! truth, and the data-loss gate names what the first migration would
//! break. Then the migration is applied anyway (what `--accept-data-loss`
//! does): rows, columns, triggers and views survive, the fixpoint holds,
//! and its down() restores the serial columns without orphan sequences.

use autogen_runtime::Direction;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use seaorm_autogen::change::{Change, Risk};
use seaorm_autogen::config::Backend;
use seaorm_autogen::diff::DiffOptions;
use seaorm_autogen::source::database::introspect;
use seaorm_autogen::source::entities::materialize;
use seaorm_autogen::source::ignored;
use seaorm_autogen::{Comparison, NoRenames, compare_schemas};
use tests::changes::connect_case;
use tests::legacy;
use tests::support::{PgDatabase, SqliteFile, block_on};
use tests::zoo::source;

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            r.try_get_by_index::<String>(0)
                .or_else(|_| r.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .expect("text or number")
        })
        .collect()
}

fn options(sources: &[&str]) -> DiffOptions {
    DiffOptions {
        unmanaged_columns: sources.iter().flat_map(|s| ignored::in_source(s)).collect(),
        ..DiffOptions::default()
    }
}

async fn compared(db: &DatabaseConnection, prefix: &str, sources: &[&str]) -> Comparison {
    let target = materialize(db, &source(prefix)).await.expect("entities");
    let live = introspect(db).await.expect("introspect");
    let backend = Backend::from(db.get_database_backend());
    compare_schemas(backend, live, target, options(sources), &mut NoRenames).expect("compare")
}

/// Nothing dropped that holds data or that autogen does not manage.
fn assert_destroys_nothing(cmp: &Comparison) {
    for change in &cmp.diff.changes {
        assert!(
            !matches!(
                change,
                Change::DropTable { .. }
                    | Change::DropColumn { .. }
                    | Change::DropForeignKey { .. }
            ),
            "{}",
            change.describe()
        );
    }
}

const PG_KEPT: &str = "SELECT 'column ' || table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('store', 'staff', 'product', 'inventory', 'payment') \
    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal \
    UNION ALL SELECT 'view ' || viewname FROM pg_views WHERE schemaname = 'public' \
    UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE indexname = 'idx_product_search' \
    UNION ALL SELECT 'rows ' || (SELECT count(*) FROM store) || ' ' || (SELECT count(*) FROM product) || ' ' || (SELECT count(*) FROM inventory) \
    ORDER BY 1";
const PG_SEQUENCES: &str = "SELECT relname::text FROM pg_class WHERE relkind = 'S' ORDER BY 1";

#[test]
fn postgres_legacy_shop_with_sea_orm_cli_entities_loses_nothing() {
    let live = PgDatabase::create();
    block_on(async {
        let db = connect_case(live.url()).await;
        db.execute_unprepared(legacy::POSTGRES_SQL)
            .await
            .expect("load the legacy shop");
        let kept = strings(&db, PG_KEPT).await;
        let sequences = strings(&db, PG_SEQUENCES).await;

        let cmp = compared(&db, legacy::POSTGRES, legacy::POSTGRES_SOURCES).await;
        assert_destroys_nothing(&cmp);
        // The store <-> staff cycle compares clean (the scratch schema saw only itself).
        assert!(
            !cmp.diff
                .changes
                .iter()
                .any(|c| matches!(c, Change::AddForeignKey { .. })),
            "{:?}",
            cmp.diff.changes
        );
        // What the entities cannot say is listed, by name.
        for object in [
            "trigger product_search_update on product",
            "view product_stock",
            "domain release_year",
            "index idx_product_search on product",
        ] {
            assert!(
                cmp.live
                    .unmanaged
                    .iter()
                    .any(|u| u.to_string().starts_with(object)),
                "{object} not in {:?}",
                cmp.live.unmanaged
            );
        }
        assert!(
            cmp.diff
                .unmanaged
                .iter()
                .any(|u| u.contains("product.search")),
            "{:?}",
            cmp.diff.unmanaged
        );
        // Widenings (char(4) -> varchar, the domain to integer) are not "may fail".
        for change in &cmp.diff.changes {
            assert!(change.risk() < Risk::MayFail, "{}", change.describe());
        }
        // The gate: the defaults sea-orm-cli did not write would go.
        let loss = cmp.data_loss(&db).await.expect("rows");
        assert!(
            loss.iter().any(|l| l
                .what
                .contains("default of NOT NULL column store.created_at")),
            "{loss:?}"
        );

        // --accept-data-loss: apply; every row and unmanaged object stays.
        let plan = cmp.plan();
        plan.apply(&db, "first", Direction::Up).await.expect("up");
        assert_eq!(strings(&db, PG_KEPT).await, kept);
        assert_eq!(
            strings(&db, PG_SEQUENCES).await,
            sequences,
            "serial -> identity leaves no orphan sequence"
        );
        let again = compared(&db, legacy::POSTGRES, legacy::POSTGRES_SOURCES).await;
        assert!(again.in_sync(), "fixpoint: {:?}", again.diff.changes);
        plan.apply(&db, "first", Direction::Down)
            .await
            .expect("down");
        assert_eq!(strings(&db, PG_SEQUENCES).await, sequences);
        db.execute_unprepared("INSERT INTO store (name, code) VALUES ('Quay', 'QY03')")
            .await
            .expect("the legacy defaults are back after down()");
        let back = compared(&db, legacy::POSTGRES, legacy::POSTGRES_SOURCES).await;
        assert_eq!(
            back.diff.changes, cmp.diff.changes,
            "down() restores the legacy schema"
        );
    });
}

const SQLITE_KEPT: &str = "SELECT 'column store.' || name FROM pragma_table_info('store') \
    UNION ALL SELECT 'column product.' || name FROM pragma_table_info('product') \
    UNION ALL SELECT 'column payment.' || name FROM pragma_table_info('payment') \
    UNION ALL SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('trigger', 'view') \
    UNION ALL SELECT 'rows ' || (SELECT count(*) FROM store) || ' ' || (SELECT count(*) FROM product) || ' ' || (SELECT count(*) FROM payment) \
    ORDER BY 1";

#[test]
fn sqlite_legacy_shop_keeps_its_ignored_date_and_price_columns() {
    let file = SqliteFile::create();
    block_on(async {
        let db = connect_case(&file.url()).await;
        db.execute_unprepared(legacy::SQLITE_SQL)
            .await
            .expect("load the legacy shop");
        let kept = strings(&db, SQLITE_KEPT).await;
        let cmp = compared(&db, legacy::SQLITE, legacy::SQLITE_SOURCES).await;
        assert_destroys_nothing(&cmp);
        assert!(
            cmp.diff
                .unmanaged
                .iter()
                .any(|u| u.contains("product.price")),
            "sea-orm-cli marks NUMERIC(8,2) ignore: {:?}",
            cmp.diff.unmanaged
        );
        // nvarchar(n) -> text and the like cannot fail.
        for change in &cmp.diff.changes {
            if let Change::AlterColumn { changed, .. } = change
                && changed.ty
            {
                assert!(change.risk() < Risk::MayFail, "{}", change.describe());
            }
        }
        // Rebuilding populated tables is what the gate stops at.
        let loss = cmp.data_loss(&db).await.expect("rows");
        if !cmp.diff.changes.is_empty() {
            assert!(!loss.is_empty(), "{:?}", cmp.diff.changes);
        }
        cmp.plan()
            .apply(&db, "first", Direction::Up)
            .await
            .expect("up");
        assert_eq!(
            strings(&db, SQLITE_KEPT).await,
            kept,
            "nothing lost by the rebuilds"
        );
        let again = compared(&db, legacy::SQLITE, legacy::SQLITE_SOURCES).await;
        assert!(again.in_sync(), "fixpoint: {:?}", again.diff.changes);
    });
}

/// sea-orm-cli's MariaDB entities do not compile, but what they mark
/// `ignore` (across its multi-line attributes) is still read as unmanaged:
/// the MEDIUMINT UNSIGNED keys and the SET column.
#[test]
fn mariadb_sea_orm_cli_entities_name_their_ignored_columns() {
    let mut ignored: Vec<String> = legacy::MYSQL_SOURCES
        .iter()
        .flat_map(|s| ignored::in_source(s))
        .collect();
    ignored.sort();
    assert_eq!(
        ignored,
        [
            "inventory.product_id",
            "payment.product_id",
            "product.product_id",
            "product.tags"
        ]
    );
    assert!(legacy::MYSQL_SQL.contains("MEDIUMINT UNSIGNED"));
}
