//! Which way a migration runs: shared by apply, the recorders and MySQL's
//! progress tracking.

use sea_orm_migration::{DbErr, MigrationTrait, SchemaManager};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    /// Run `migration`'s `up()` or `down()` on `manager`.
    pub async fn run(
        self,
        migration: &dyn MigrationTrait,
        manager: &SchemaManager<'_>,
    ) -> Result<(), DbErr> {
        match self {
            Direction::Up => migration.up(manager).await,
            Direction::Down => migration.down(manager).await,
        }
    }
}
