//! The revision graph: each migration's parents, the heads, and the tips of
//! a subset (the revisions a database is at). `workspace` builds it from the
//! files' headers, the CLI from the revisions compiled into its build; both
//! with one rule for a revision without a header: its parent is the
//! previous revision in the list.

use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Default)]
pub struct RevisionGraph {
    order: Vec<String>,
    parents: HashMap<String, Vec<String>>,
}

impl RevisionGraph {
    /// `revisions` in apply order, each with the parents its header names;
    /// `None` (no header) means the previous revision in the order.
    pub fn new(revisions: impl IntoIterator<Item = (String, Option<Vec<String>>)>) -> Self {
        let mut graph = Self::default();
        for (name, parents) in revisions {
            let parents =
                parents.unwrap_or_else(|| graph.order.last().cloned().into_iter().collect());
            graph.parents.insert(name.clone(), parents);
            graph.order.push(name);
        }
        graph
    }

    /// The parents of `name` (none for a base revision or an unknown name).
    pub fn parents(&self, name: &str) -> &[String] {
        self.parents
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Revisions among `subset` that no other revision of `subset` names as parent.
    pub fn tips<'a>(&self, subset: &[&'a str]) -> Vec<&'a str> {
        let named: BTreeSet<&str> = subset
            .iter()
            .flat_map(|r| self.parents(r))
            .map(String::as_str)
            .collect();
        subset
            .iter()
            .copied()
            .filter(|r| !named.contains(r))
            .collect()
    }

    /// Revisions nobody names as a parent, in apply order.
    pub fn heads(&self) -> Vec<&str> {
        let all: Vec<&str> = self.order.iter().map(String::as_str).collect();
        self.tips(&all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(revisions: &[(&str, Option<&[&str]>)]) -> RevisionGraph {
        RevisionGraph::new(revisions.iter().map(|(name, parents)| {
            (
                (*name).to_owned(),
                parents.map(|p| p.iter().map(|s| (*s).to_owned()).collect()),
            )
        }))
    }

    #[test]
    fn a_revision_without_header_hangs_off_the_previous_one() {
        let g = graph(&[("m1", None), ("m2", None), ("m3", Some(&["m2"]))]);
        assert!(g.parents("m1").is_empty());
        assert_eq!(g.parents("m2"), ["m1"]);
        assert_eq!(g.heads(), ["m3"]);
    }

    #[test]
    fn branches_have_several_heads_until_merged() {
        let branched = [
            ("m1", Some(&[][..])),
            ("a", Some(&["m1"][..])),
            ("b", Some(&["m1"][..])),
        ];
        assert_eq!(graph(&branched).heads(), ["a", "b"]);
        let mut merged = branched.to_vec();
        merged.push(("merge", Some(&["a", "b"][..])));
        assert_eq!(graph(&merged).heads(), ["merge"]);
    }

    #[test]
    fn tips_of_a_subset_are_where_a_database_is() {
        let g = graph(&[
            ("m1", Some(&[][..])),
            ("a", Some(&["m1"][..])),
            ("b", Some(&["m1"][..])),
            ("merge", Some(&["a", "b"][..])),
        ]);
        assert_eq!(g.tips(&["m1", "a", "b"]), ["a", "b"]);
        assert_eq!(g.tips(&["m1"]), ["m1"]);
        assert!(g.tips(&[]).is_empty());
        assert!(g.parents("unknown").is_empty());
    }
}
