//! Foreign keys of one table, matched by what they say (columns, the
//! table and columns they reference, the actions), never by name.

use super::{Paired, unmatched};
use crate::change::Change;
use crate::schema::ForeignKey;

/// The foreign keys of `from` (live) with no equal in `to` are dropped,
/// those of `to` with no equal in `from` added.
pub(super) fn compare(table: &str, from: &[ForeignKey], to: &[ForeignKey]) -> Paired {
    Paired {
        dropped: unmatched(from, to, ForeignKey::same_as)
            .map(|fk| Change::DropForeignKey {
                table: table.to_owned(),
                foreign_key: fk.clone(),
            })
            .collect(),
        added: unmatched(to, from, ForeignKey::same_as)
            .map(|fk| Change::AddForeignKey {
                table: table.to_owned(),
                foreign_key: fk.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (case, live, target, names dropped, names added)
    type Case<'a> = (
        &'a str,
        Vec<ForeignKey>,
        Vec<ForeignKey>,
        Vec<&'a str>,
        Vec<&'a str>,
    );
    use crate::schema::FkAction;

    fn fk(name: &str, column: &str, ref_table: &str, on_delete: FkAction) -> ForeignKey {
        ForeignKey {
            name: name.into(),
            columns: vec![column.into()],
            ref_table: ref_table.into(),
            ref_schema: None,
            ref_columns: vec!["id".into()],
            on_delete,
            on_update: FkAction::default(),
        }
    }

    fn named(changes: &[Change]) -> Vec<&str> {
        changes
            .iter()
            .map(|c| match c {
                Change::DropForeignKey { foreign_key, .. }
                | Change::AddForeignKey { foreign_key, .. } => foreign_key.name.as_str(),
                _ => "?",
            })
            .collect()
    }

    #[test]
    fn foreign_keys_are_matched_by_what_they_say() {
        use FkAction::{Cascade, NoAction};
        // (case, live, target, dropped, added)
        let cases: Vec<Case> = vec![
            (
                "same",
                vec![fk("f", "a_id", "a", NoAction)],
                vec![fk("f", "a_id", "a", NoAction)],
                vec![],
                vec![],
            ),
            (
                "renamed only: no change",
                vec![fk("old", "a_id", "a", NoAction)],
                vec![fk("new", "a_id", "a", NoAction)],
                vec![],
                vec![],
            ),
            (
                "added",
                vec![],
                vec![fk("f", "a_id", "a", NoAction)],
                vec![],
                vec!["f"],
            ),
            (
                "dropped",
                vec![fk("f", "a_id", "a", NoAction)],
                vec![],
                vec!["f"],
                vec![],
            ),
            (
                "action changed",
                vec![fk("f", "a_id", "a", NoAction)],
                vec![fk("f", "a_id", "a", Cascade)],
                vec!["f"],
                vec!["f"],
            ),
            (
                "references another table",
                vec![fk("f", "a_id", "a", NoAction)],
                vec![fk("f", "a_id", "b", NoAction)],
                vec!["f"],
                vec!["f"],
            ),
        ];
        for (case, live, target, dropped, added) in cases {
            let got = compare("t", &live, &target);
            assert_eq!(named(&got.dropped), dropped, "{case}");
            assert_eq!(named(&got.added), added, "{case}");
        }
    }
}
