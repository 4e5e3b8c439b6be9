//! Which way a migration runs: shared by apply and MySQL's progress tracking.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}
