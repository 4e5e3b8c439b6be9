//! The primary key of one table: its columns in order, the live ones under
//! their new names where a column was renamed.

use std::collections::BTreeMap;

use super::columns::new_name;
use crate::change::Change;
use crate::schema::Table;

/// `AlterPrimaryKey` when the key of `to` is not the key of `from`
/// (`renamed`: new → old column names).
pub(super) fn primary_key(
    from: &Table,
    to: &Table,
    renamed: &BTreeMap<&str, &str>,
) -> Option<Change> {
    if from.primary_key == to.primary_key {
        return None;
    }
    let renamed_pk: Vec<String> = from
        .primary_key
        .iter()
        .map(|c| new_name(renamed, c))
        .collect();
    (renamed_pk != to.primary_key).then(|| Change::AlterPrimaryKey {
        table: to.name.clone(),
        from: from.primary_key.clone(),
        to: to.primary_key.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (case, live key, target key, renamed new→old, whether it changed)
    type Case<'a> = (
        &'a str,
        Vec<&'a str>,
        Vec<&'a str>,
        Vec<(&'a str, &'a str)>,
        bool,
    );

    fn keyed(columns: &[&str]) -> Table {
        Table {
            name: "t".into(),
            primary_key: columns.iter().map(|c| (*c).to_owned()).collect(),
            ..Table::default()
        }
    }

    #[test]
    fn the_primary_key_changes_only_when_its_columns_do() {
        // (case, live key, target key, renamed new→old, changed)
        let cases: Vec<Case> = vec![
            ("same", vec!["id"], vec!["id"], vec![], false),
            ("another column", vec!["id"], vec!["code"], vec![], true),
            ("a column more", vec!["a"], vec!["a", "b"], vec![], true),
            ("reordered", vec!["a", "b"], vec!["b", "a"], vec![], true),
            (
                "its column renamed",
                vec!["old"],
                vec!["new"],
                vec![("new", "old")],
                false,
            ),
            ("none before", vec![], vec!["id"], vec![], true),
        ];
        for (case, live, target, renamed, changed) in cases {
            let renamed: BTreeMap<&str, &str> = renamed.into_iter().collect();
            let got = primary_key(&keyed(&live), &keyed(&target), &renamed);
            assert_eq!(got.is_some(), changed, "{case}: {got:?}");
            if let Some(Change::AlterPrimaryKey { from, to, .. }) = got {
                assert_eq!(
                    (from, to),
                    (keyed(&live).primary_key, keyed(&target).primary_key),
                    "{case}"
                );
            }
        }
    }
}
