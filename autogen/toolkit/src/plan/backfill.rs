//! A NOT NULL column without a default, added to a table that may hold
//! rows: the rule every planner follows and the notes it writes. What a
//! restored row gets is the backend's own literal (each planner's
//! `placeholder`).

use crate::schema::{Column, TableName};
use crate::step::Step;

/// Whether existing rows need a value before `column` can be NOT NULL.
pub(super) fn needed(column: &Column) -> bool {
    !column.nullable && column.default.is_none() && !column.auto_increment
}

/// The note above a column that `down()` restores after `up()` dropped it.
pub(super) fn restore_note(table: &TableName, column: &Column, value: &str) -> Step {
    Step::Comment(format!(
        "Restores {table}.{}, which up() dropped with its values: existing rows get {value}, not what they held.",
        column.name
    ))
}

/// The note between adding the column nullable and enforcing NOT NULL;
/// `table` and `column` as the UPDATE in the note spells them.
pub(super) fn fill_note(table: &str, column: &str) -> Step {
    Step::Comment(format!(
        "Fill existing rows before NOT NULL is enforced, e.g.:\nmanager.get_connection().execute_unprepared(\"UPDATE {table} SET {column} = <value> WHERE {column} IS NULL\").await?;"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;
    use crate::schema::build::col;

    #[test]
    fn only_a_not_null_column_without_default_or_sequence_needs_a_backfill() {
        let with = |nullable, default: Option<&str>, auto_increment| Column {
            default: default.map(str::to_owned),
            auto_increment,
            ..col("c", ColumnType::Integer, nullable)
        };
        // (case, column, needed)
        let cases = [
            ("NOT NULL, no default", with(false, None, false), true),
            ("nullable", with(true, None, false), false),
            ("with a default", with(false, Some("0"), false), false),
            ("auto-increment", with(false, None, true), false),
        ];
        for (case, column, want) in cases {
            assert_eq!(needed(&column), want, "{case}");
        }
    }
}
