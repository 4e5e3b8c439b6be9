//! Table comments. (A column's comment is one of its attributes: see
//! [`crate::change::ColumnChanges`].)

use crate::change::Change;
use crate::schema::Table;

/// `AlterTableComment` when the comment of `to` is not that of `from`.
pub(super) fn table_comment(from: &Table, to: &Table) -> Option<Change> {
    (from.comment != to.comment).then(|| Change::AlterTableComment {
        table: to.name.clone(),
        from: from.comment.clone(),
        to: to.comment.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_comment_set_changed_or_removed_is_a_change() {
        let commented = |c: Option<&str>| Table {
            name: "t".into(),
            comment: c.map(str::to_owned),
            ..Table::default()
        };
        // (case, live, target, changed)
        let cases = [
            ("none either side", None, None, false),
            ("same", Some("x"), Some("x"), false),
            ("set", None, Some("x"), true),
            ("changed", Some("x"), Some("y"), true),
            ("removed", Some("x"), None, true),
        ];
        for (case, live, target, changed) in cases {
            let got = table_comment(&commented(live), &commented(target));
            assert_eq!(got.is_some(), changed, "{case}");
            if let Some(Change::AlterTableComment { from, to, .. }) = got {
                assert_eq!((from.as_deref(), to.as_deref()), (live, target), "{case}");
            }
        }
    }
}
