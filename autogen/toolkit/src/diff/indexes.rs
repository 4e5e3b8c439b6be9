//! Indexes and unique constraints of one table, matched by what they
//! enforce (columns, in order, and uniqueness), never by name.

use super::{Paired, unmatched};
use crate::change::Change;
use crate::schema::Index;

/// The indexes of `from` (live) with no equal in `to` are dropped, those of
/// `to` with no equal in `from` added.
pub(super) fn compare(table: &str, from: &[Index], to: &[Index]) -> Paired {
    Paired {
        dropped: unmatched(from, to, Index::same_as)
            .map(|index| Change::DropIndex {
                table: table.to_owned(),
                index: index.clone(),
            })
            .collect(),
        added: unmatched(to, from, Index::same_as)
            .map(|index| Change::AddIndex {
                table: table.to_owned(),
                index: index.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (case, live, target, names dropped, names added)
    type Case<'a> = (&'a str, Vec<Index>, Vec<Index>, Vec<&'a str>, Vec<&'a str>);

    fn index(name: &str, columns: &[&str], unique: bool) -> Index {
        Index {
            name: name.into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            unique,
            constraint: false,
        }
    }

    fn named(changes: &[Change]) -> Vec<&str> {
        changes
            .iter()
            .map(|c| match c {
                Change::DropIndex { index, .. } | Change::AddIndex { index, .. } => {
                    index.name.as_str()
                }
                _ => "?",
            })
            .collect()
    }

    #[test]
    fn indexes_are_matched_by_columns_and_uniqueness() {
        // (case, live, target, dropped, added)
        let cases: Vec<Case> = vec![
            (
                "same",
                vec![index("i", &["a"], false)],
                vec![index("i", &["a"], false)],
                vec![],
                vec![],
            ),
            (
                "renamed only: no change",
                vec![index("old", &["a"], false)],
                vec![index("new", &["a"], false)],
                vec![],
                vec![],
            ),
            (
                "added",
                vec![],
                vec![index("i", &["a"], false)],
                vec![],
                vec!["i"],
            ),
            (
                "dropped",
                vec![index("i", &["a"], false)],
                vec![],
                vec!["i"],
                vec![],
            ),
            (
                "made unique",
                vec![index("i", &["a"], false)],
                vec![index("i", &["a"], true)],
                vec!["i"],
                vec!["i"],
            ),
            (
                "columns reordered",
                vec![index("i", &["a", "b"], false)],
                vec![index("i", &["b", "a"], false)],
                vec!["i"],
                vec!["i"],
            ),
            (
                "in the order of each side",
                vec![index("x", &["x"], false), index("w", &["w"], false)],
                vec![index("b", &["b"], false), index("a", &["a"], false)],
                vec!["x", "w"],
                vec!["b", "a"],
            ),
        ];
        for (case, live, target, dropped, added) in cases {
            let got = compare("t", &live, &target);
            assert_eq!(named(&got.dropped), dropped, "{case}");
            assert_eq!(named(&got.added), added, "{case}");
        }
    }
}
