//! The rows of `seaql_migrations`, and the rule for which migrations run in
//! a transaction: one home for both, shared by the live runtime (apply,
//! squash stamping) and the generator's offline SQL script.

use sea_orm_migration::MigrationTrait;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::{DeleteStatement, Expr, ExprTrait, InsertStatement, Query};

/// sea-orm-migration's bookkeeping table.
pub const MIGRATION_TABLE: &str = "seaql_migrations";

/// Whether `migration` runs in a transaction of its own on `backend`:
/// sea-orm-migration's rule, `use_transaction()` when the migration says,
/// else every backend with transactional DDL (all but MySQL).
pub fn transactional(migration: &dyn MigrationTrait, backend: DbBackend) -> bool {
    migration
        .use_transaction()
        .unwrap_or(backend != DbBackend::MySql)
}

/// The current time in seconds since the epoch, as this process sees it.
pub fn now() -> Expr {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Expr::val(secs)
}

/// The current time in seconds since the epoch, as `backend` computes it
/// when a script runs (the time of applying, not of writing the script).
pub fn now_on_server(backend: DbBackend) -> Expr {
    Expr::cust(match backend {
        DbBackend::Postgres => "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) AS BIGINT)",
        DbBackend::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER)",
        _ => "UNIX_TIMESTAMP()",
    })
}

/// The row that records `name` as applied at `applied_at`.
pub fn record(name: &str, applied_at: Expr) -> InsertStatement {
    Query::insert()
        .into_table(MIGRATION_TABLE)
        .columns(["version", "applied_at"])
        // Two columns, two values: sea-query's only error cannot happen.
        .values_panic([Expr::val(name), applied_at])
        .to_owned()
}

/// The statement that forgets the rows of `names`.
pub fn forget<'a>(names: impl IntoIterator<Item = &'a str>) -> DeleteStatement {
    let names: Vec<&str> = names.into_iter().collect();
    let version = Expr::col("version");
    Query::delete()
        .from_table(MIGRATION_TABLE)
        .and_where(match names.as_slice() {
            [one] => version.eq(*one),
            _ => version.is_in(names),
        })
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_and_forgotten_by_version() {
        let insert = DbBackend::Postgres
            .build(&record("m1", Expr::val(7)))
            .to_string();
        assert_eq!(
            insert,
            r#"INSERT INTO "seaql_migrations" ("version", "applied_at") VALUES ('m1', 7)"#
        );
        let delete = DbBackend::Sqlite.build(&forget(["m1", "m2"])).to_string();
        assert_eq!(
            delete,
            r#"DELETE FROM "seaql_migrations" WHERE "version" IN ('m1', 'm2')"#
        );
        let one = DbBackend::Sqlite.build(&forget(["m1"])).to_string();
        assert_eq!(
            one,
            r#"DELETE FROM "seaql_migrations" WHERE "version" = 'm1'"#
        );
    }
}
