//! Test-only migrators.

use sea_orm_migration::prelude::*;

/// The revision that succeeds.
pub const CREATE_A: &str = "m20990101_000001_create_a";
/// The revision that creates table `b`, then fails.
pub const CREATE_B_THEN_FAIL: &str = "m20990101_000002_create_b_then_fail";

/// Two migrations: the first creates table `a`; the second creates table
/// `b` and then runs a statement the database rejects, so it fails halfway.
pub struct BrokenMigrator;

#[async_trait::async_trait]
impl MigratorTrait for BrokenMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateA), Box::new(CreateBThenFail)]
    }
}

/// Nothing squashed: the runtime's boot path asks every migrator.
impl autogen_runtime::Squashed for BrokenMigrator {}

struct CreateA;

impl MigrationName for CreateA {
    fn name(&self) -> &str {
        CREATE_A
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateA {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("a")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("a").to_owned())
            .await
    }
}

struct CreateBThenFail;

impl MigrationName for CreateBThenFail {
    fn name(&self) -> &str {
        CREATE_B_THEN_FAIL
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateBThenFail {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("b")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO no_such_table VALUES (1)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("b").to_owned())
            .await
    }
}

/// The revision of [`SlowMigrator`].
pub const SLOW: &str = "m20990101_000003_slow";

/// One migration that takes three seconds (PostgreSQL: `pg_sleep`), then
/// creates table `slow`: longer than a deliberately short idle timeout.
pub struct SlowMigrator;

#[async_trait::async_trait]
impl MigratorTrait for SlowMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Slow)]
    }
}

impl autogen_runtime::Squashed for SlowMigrator {}

struct Slow;

impl MigrationName for Slow {
    fn name(&self) -> &str {
        SLOW
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Slow {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::sea_orm::ConnectionTrait;
        manager
            .get_connection()
            .execute_unprepared("SELECT pg_sleep(3)")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("slow")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("slow").to_owned())
            .await
    }
}

/// The revision of [`ShortLockMigrator`].
pub const SHORT_LOCK: &str = "m20990101_000004_short_lock";

/// One migration with a `lock_timeout` of its own (200 ms, as online mode
/// writes one) that adds a column to the existing table `held`.
pub struct ShortLockMigrator;

#[async_trait::async_trait]
impl MigratorTrait for ShortLockMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(ShortLock)]
    }
}

impl autogen_runtime::Squashed for ShortLockMigrator {}

struct ShortLock;

impl MigrationName for ShortLock {
    fn name(&self) -> &str {
        SHORT_LOCK
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ShortLock {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::sea_orm::ConnectionTrait;
        manager
            .get_connection()
            .execute_unprepared("SET LOCAL lock_timeout = '200ms'")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("held")
                    .add_column(ColumnDef::new("x").integer())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("held").drop_column("x").to_owned())
            .await
    }
}
