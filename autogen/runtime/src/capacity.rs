//! Will a PostgreSQL migration fit in the server's lock table? One
//! transaction holds, until it commits, a lock on every table it creates
//! or drops and on each of their indexes, sequences and TOAST tables; the
//! lock table holds `max_locks_per_transaction` × (`max_connections` +
//! `max_prepared_transactions`) of them for the whole server (6 400 by
//! default). A base migration of 5 000 tables needs several times that and
//! used to fail, after minutes, with "out of shared memory". This checks
//! before anything runs: the migration's statements are recorded on a
//! connection that runs none of them (reads go to the real database), the
//! locks they take are estimated, and a migration that cannot fit is
//! refused with one line naming the setting to raise and by how much.

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement,
};
use sea_orm_migration::{MigrationTrait, SchemaManager};

use crate::direction::Direction;
pub use crate::error::CapacityError;
use crate::recording::{self, ReadThrough, Recording};

/// What the lock table holds on this server, and what is in use by others.
#[derive(Clone, Copy, Debug)]
pub struct LockTable {
    pub per_transaction: u64,
    /// `max_connections + max_prepared_transactions`.
    pub slots: u64,
    /// Locks held now by other sessions.
    pub in_use: u64,
}

impl LockTable {
    pub async fn read(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_setting('max_locks_per_transaction')::bigint AS per, \
                 current_setting('max_connections')::bigint + current_setting('max_prepared_transactions')::bigint AS slots, \
                 (SELECT count(*) FROM pg_locks WHERE pid <> pg_backend_pid())::bigint AS in_use",
            ))
            .await?
            .ok_or_else(|| DbErr::Custom("no answer about the lock table".into()))?;
        let get = |c: &str| row.try_get::<i64>("", c).map(|v| v.max(0) as u64);
        Ok(Self {
            per_transaction: get("per")?,
            slots: get("slots")?,
            in_use: get("in_use")?,
        })
    }

    pub fn capacity(&self) -> u64 {
        self.per_transaction * self.slots
    }
}

/// Locks a list of statements takes in one transaction (an estimate from
/// the SQL: each table created or dropped, its primary key, unique
/// constraints, sequences and TOAST table and index; each index), and the
/// number of tables created or dropped.
pub fn estimate(statements: &[String]) -> (u64, usize) {
    let mut locks = 0u64;
    let mut tables = 0usize;
    for s in statements {
        let upper = s.to_ascii_uppercase();
        let head = upper.trim_start();
        let count = |needle: &str| upper.matches(needle).count() as u64;
        if head.starts_with("CREATE TABLE") {
            tables += 1;
            let varlena = [
                "TEXT",
                "VARCHAR",
                "CHARACTER VARYING",
                "JSON",
                "BYTEA",
                "NUMERIC",
                "[]",
            ]
            .iter()
            .any(|t| upper.contains(t));
            locks += 1
                + count("PRIMARY KEY")
                + count("UNIQUE")
                + count("SERIAL")
                + count("IDENTITY")
                + if varlena { 2 } else { 0 };
        } else if head.starts_with("DROP TABLE") {
            tables += 1;
            // The table and what goes with it (keys, indexes, sequences,
            // TOAST table and index, row type), unknown from the SQL: 7
            // fits what was measured (dropping 1 000 generated tables
            // overflows the default 6 400, creating them does not).
            locks += 7;
        } else if head.starts_with("CREATE") && upper.contains(" INDEX ")
            || head.starts_with("CREATE INDEX")
            || head.starts_with("CREATE UNIQUE INDEX")
        {
            locks += 2;
        } else if head.starts_with("ALTER TABLE") || head.starts_with("DROP INDEX") {
            locks += 1 + count("PRIMARY KEY") + count("UNIQUE");
        }
    }
    (locks, tables)
}

/// Refuse, before anything runs, a transactional PostgreSQL migration
/// whose locks cannot fit in the server's lock table. Anything that keeps
/// the check from answering (a migration that cannot be recorded, a
/// current-thread runtime) lets the migration run as before.
pub async fn check(
    db: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), CapacityError> {
    if db.get_database_backend() != DbBackend::Postgres
        || !crate::bookkeeping::transactional(migration, DbBackend::Postgres)
        || !crate::recording::can_block()
    {
        return Ok(());
    }
    let Ok(table) = LockTable::read(db).await else {
        return Ok(());
    };
    let Some(statements) = record(db, migration, direction).await else {
        return Ok(());
    };
    let (need, tables) = estimate(&statements);
    refuse_above(migration.name(), need, tables, table)
}

/// The locks `migration` would take in one transaction (estimated as
/// [`check`] does) and the tables it creates or drops; `None` where that
/// cannot be told (not PostgreSQL, not transactional, not recordable).
pub async fn need(
    db: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Option<(u64, usize)> {
    if db.get_database_backend() != DbBackend::Postgres
        || !crate::bookkeeping::transactional(migration, DbBackend::Postgres)
        || !crate::progress::can_track()
    {
        return None;
    }
    record(db, migration, direction).await.map(|s| estimate(&s))
}

/// The refusal when `need` locks do not fit in `table`.
pub fn refuse_above(
    name: &str,
    need: u64,
    tables: usize,
    table: LockTable,
) -> Result<(), CapacityError> {
    let free = table.capacity().saturating_sub(table.in_use);
    if need <= free {
        return Ok(());
    }
    // Room for the migration and what others hold, with a quarter to spare.
    let wanted = (need + table.in_use) * 5 / 4;
    let suggest = wanted.div_ceil(table.slots.max(1)).next_multiple_of(64);
    Err(CapacityError {
        name: name.to_owned(),
        tables,
        need,
        capacity: table.capacity(),
        per_transaction: table.per_transaction,
        slots: table.slots,
        suggest,
    })
}

/// The statements `migration` would execute, recorded without running
/// them (its reads are answered by `db`); `None` when it fails that way.
async fn record(
    db: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Option<Vec<String>> {
    let recording = Recording::new(DbBackend::Postgres).reading_through(ReadThrough::new(db)?);
    let executed = recording.executed();
    let conn = recording::connection(recording);
    direction
        .run(migration, &SchemaManager::new(&conn))
        .await
        .ok()?;
    Some(
        recording::take(&executed)
            .into_iter()
            .map(|s| s.sql)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: LockTable = LockTable {
        per_transaction: 64,
        slots: 100,
        in_use: 0,
    };

    #[test]
    fn tables_with_keys_and_text_count_their_indexes_and_toast() {
        let (locks, tables) = estimate(&[
            r#"CREATE TABLE "a" ("id" serial PRIMARY KEY, "name" varchar(100) NOT NULL UNIQUE)"#
                .into(),
            r#"CREATE TABLE "b" ("id" integer PRIMARY KEY)"#.into(),
            r#"CREATE INDEX "i" ON "a" ("name")"#.into(),
            r#"DROP TABLE "c""#.into(),
        ]);
        assert_eq!(tables, 3);
        assert_eq!(locks, (1 + 1 + 1 + 1 + 2) + (1 + 1) + 2 + 7);
    }

    #[test]
    fn five_thousand_tables_do_not_fit_the_default_and_the_message_says_what_to_raise() {
        let statements: Vec<String> = (0..5000)
            .map(|i| format!(r#"CREATE TABLE "t{i}" ("id" serial PRIMARY KEY, "v" text)"#))
            .collect();
        let (need, tables) = estimate(&statements);
        let e = refuse_above("m_base", need, tables, DEFAULTS).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("migration m_base was not run: it creates or drops 5000 tables"),
            "{text}"
        );
        assert!(
            text.contains("raise max_locks_per_transaction to at least"),
            "{text}"
        );
        // The suggestion is enough for the estimate.
        assert!(e.suggest * DEFAULTS.slots >= need, "{e:?}");
        assert!(
            refuse_above(
                "m",
                need,
                tables,
                LockTable {
                    per_transaction: e.suggest,
                    ..DEFAULTS
                }
            )
            .is_ok()
        );
        // 1 000 such tables fit (as measured), dropping them does not.
        let (need, tables) = estimate(&statements[..1000]);
        assert!(refuse_above("m", need, tables, DEFAULTS).is_ok());
        let drops: Vec<String> = (0..1000).map(|i| format!(r#"DROP TABLE "t{i}""#)).collect();
        let (need, tables) = estimate(&drops);
        assert!(refuse_above("m", need, tables, DEFAULTS).is_err());
    }
}
