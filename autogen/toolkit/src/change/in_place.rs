//! Type changes an engine makes in its catalog alone: no table rewrite, and
//! no stored value can fail the conversion. The risk a change is labelled
//! with on a backend (`Change::risk_on`) and the online planner's advice
//! (`plan::online::long_lock`) both ask here.

use crate::config::Backend;
use crate::schema::ColumnType;

/// Whether `from` → `to` is one of PostgreSQL's binary-compatible
/// widenings: a longer or unbounded `varchar`, `varchar` to `text`, a
/// `numeric` with more digits and the same scale, or to unconstrained
/// `numeric`. `char(n)` to `text` is not one of them: the cast trims
/// trailing blanks, so every row is rewritten.
pub fn postgres(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    match (from, to) {
        (T::String(a), T::String(b)) => match (a, b) {
            (Some(a), Some(b)) => b >= a,
            (_, None) => true,
            (None, Some(_)) => false,
        },
        (T::String(_), T::Text) => true,
        (T::Decimal(Some((p1, s1))), T::Decimal(Some((p2, s2)))) => s1 == s2 && p2 >= p1,
        (T::Decimal(_), T::Decimal(None)) => true,
        _ => false,
    }
}

/// Whether `backend` changes `from` → `to` in its catalog alone. MySQL's
/// in-place cases depend on the row format and the length byte, SQLite
/// rebuilds the table for any type change: neither is claimed here.
pub fn on(backend: Backend, from: &ColumnType, to: &ColumnType) -> bool {
    match backend {
        Backend::Postgres => postgres(from, to),
        Backend::MySql | Backend::Sqlite => false,
    }
}

/// The engine's name in a sentence.
pub fn engine(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "PostgreSQL",
        Backend::MySql => "MySQL",
        Backend::Sqlite => "SQLite",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType::*;

    #[test]
    fn postgres_keeps_varchar_and_numeric_widenings_in_the_catalog() {
        for (from, to, in_place) in [
            (String(Some(20)), String(Some(40)), true),
            (String(Some(20)), String(None), true),
            (String(Some(20)), Text, true),
            (String(Some(40)), String(Some(20)), false),
            (Decimal(Some((10, 2))), Decimal(Some((12, 2))), true),
            (Decimal(Some((10, 2))), Decimal(Some((12, 3))), false),
            (Decimal(Some((10, 2))), Decimal(None), true),
            (Char(Some(20)), Text, false),
            (Char(Some(20)), String(Some(255)), false),
            (Integer, BigInt, false),
        ] {
            assert_eq!(
                postgres(&from, &to),
                in_place,
                "{} -> {}",
                from.sql(),
                to.sql()
            );
            assert!(!on(Backend::Sqlite, &from, &to) && !on(Backend::MySql, &from, &to));
        }
    }
}
