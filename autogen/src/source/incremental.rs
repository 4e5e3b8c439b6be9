//! Per-table reuse of materialized entity tables on PostgreSQL.
//!
//! Materializing costs the server ~5 ms per table, so a 1 000-table project
//! would wait seconds after every entity edit if only whole schemas were
//! cached. A table as introspected depends only on the statements that
//! create it (its `CREATE TABLE` with inline foreign keys, its `CREATE
//! INDEX`es) and the enum types they name, so each table is also cached
//! under a key of exactly those statements. After an edit only the tables
//! whose statements changed are run again, together with the tables their
//! foreign keys reference (which must exist for the `REFERENCES` to be
//! accepted), in the same scratch schema as a full materialization.
//!
//! The DDL is read only as far as SeaORM writes it for PostgreSQL; any
//! statement this module does not recognize makes it step aside (`None`),
//! and the whole schema is materialized as before.

use std::collections::{BTreeMap, BTreeSet};

use crate::schema::Table;

use super::cache;

/// The entity DDL split by table.
#[derive(Debug)]
pub struct Units<'a> {
    /// `CREATE TYPE` statements, in order.
    pub types: Vec<(String, &'a str)>,
    /// Tables in DDL order.
    pub tables: Vec<Unit<'a>>,
}

#[derive(Debug)]
pub struct Unit<'a> {
    pub table: String,
    /// The statements creating the table, in order.
    pub statements: Vec<&'a str>,
    /// Tables its foreign keys reference (itself excluded).
    pub references: BTreeSet<String>,
}

/// The quoted identifier at the start of `s` and the rest, refusing
/// qualified names and embedded quotes.
fn ident(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('"')?;
    let end = rest.find('"')?;
    let (name, after) = (&rest[..end], &rest[end + 1..]);
    if after.starts_with('"') || after.starts_with('.') || name.is_empty() {
        return None;
    }
    Some((name, after))
}

/// Split `ddl` by table; `None` when a statement is not one SeaORM writes.
pub fn split(ddl: &[String]) -> Option<Units<'_>> {
    let mut units = Units {
        types: Vec::new(),
        tables: Vec::new(),
    };
    for stmt in ddl {
        let s = stmt.trim_start();
        if let Some(rest) = s.strip_prefix("CREATE TYPE ") {
            let (name, _) = ident(rest)?;
            units.types.push((name.to_owned(), stmt.as_str()));
        } else if let Some(rest) = s.strip_prefix("CREATE TABLE ") {
            let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
            let (name, body) = ident(rest)?;
            if units.tables.iter().any(|u| u.table == name) {
                return None;
            }
            let mut references = BTreeSet::new();
            for (at, _) in body.match_indices("REFERENCES ") {
                let (target, _) = ident(&body[at + "REFERENCES ".len()..])?;
                if target != name {
                    references.insert(target.to_owned());
                }
            }
            units.tables.push(Unit {
                table: name.to_owned(),
                statements: vec![stmt.as_str()],
                references,
            });
        } else if s.starts_with("CREATE INDEX ") || s.starts_with("CREATE UNIQUE INDEX ") {
            let at = s.find(" ON ")?;
            let (table, _) = ident(&s[at + " ON ".len()..])?;
            units
                .tables
                .iter_mut()
                .find(|u| u.table == table)?
                .statements
                .push(stmt.as_str());
        } else {
            return None;
        }
    }
    Some(units)
}

impl Units<'_> {
    /// The cache key of each table: its statements and the types they name.
    pub fn keys(&self, backend: &str, version: &str) -> Vec<String> {
        self.tables
            .iter()
            .map(|u| {
                let mut parts = vec![backend, version, "table"];
                parts.extend(u.statements.iter().copied());
                for (name, stmt) in &self.types {
                    if u.statements.iter().any(|s| s.contains(name.as_str())) {
                        parts.push(stmt);
                    }
                }
                format!("table-{}", cache::key(&parts))
            })
            .collect()
    }

    /// The DDL creating the tables at `missing` (indexes into `tables`) and,
    /// transitively, the tables their foreign keys reference; every type.
    /// `Err(name)` when a referenced table is not in the DDL.
    pub fn subset(&self, missing: &[usize]) -> Result<(Vec<String>, BTreeSet<String>), String> {
        let by_name: BTreeMap<&str, &Unit> =
            self.tables.iter().map(|u| (u.table.as_str(), u)).collect();
        let mut needed: BTreeSet<String> = BTreeSet::new();
        let mut queue: Vec<&str> = missing
            .iter()
            .map(|i| self.tables[*i].table.as_str())
            .collect();
        while let Some(name) = queue.pop() {
            if needed.insert(name.to_owned()) {
                let unit = by_name.get(name).ok_or_else(|| name.to_owned())?;
                queue.extend(unit.references.iter().map(String::as_str));
            }
        }
        let mut ddl: Vec<String> = self.types.iter().map(|(_, s)| (*s).to_owned()).collect();
        for unit in self.tables.iter().filter(|u| needed.contains(&u.table)) {
            ddl.extend(unit.statements.iter().map(|s| (*s).to_owned()));
        }
        Ok((ddl, needed))
    }
}

/// Cached tables for `keys`: `Some` where present.
pub fn load(keys: &[String]) -> Vec<Option<Table>> {
    keys.iter().map(|k| cache::load(k)).collect()
}

pub fn store(key: &str, table: &Table) {
    cache::store(key, table);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ddl() -> Vec<String> {
        [
            r#"CREATE TYPE "status" AS ENUM ('a', 'b')"#,
            r#"CREATE TABLE "parents" ( "id" integer NOT NULL PRIMARY KEY, "s" "status" )"#,
            r#"CREATE TABLE "children" ( "id" integer NOT NULL PRIMARY KEY, "parent_id" integer, "up_id" integer, CONSTRAINT "fk-1" FOREIGN KEY ("parent_id") REFERENCES "parents" ("id"), CONSTRAINT "fk-2" FOREIGN KEY ("up_id") REFERENCES "children" ("id") )"#,
            r#"CREATE INDEX "idx-children-parent" ON "children" ("parent_id")"#,
            r#"CREATE TABLE "grandchildren" ( "id" integer NOT NULL PRIMARY KEY, "child_id" integer, CONSTRAINT "fk-3" FOREIGN KEY ("child_id") REFERENCES "children" ("id") )"#,
            r#"CREATE TABLE "loners" ( "id" integer NOT NULL PRIMARY KEY )"#,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[test]
    fn splits_by_table_with_indexes_and_references() {
        let ddl = ddl();
        let units = split(&ddl).expect("SeaORM-shaped DDL");
        assert_eq!(units.types.len(), 1);
        let names: Vec<&str> = units.tables.iter().map(|u| u.table.as_str()).collect();
        assert_eq!(names, ["parents", "children", "grandchildren", "loners"]);
        assert_eq!(units.tables[1].statements.len(), 2, "table + its index");
        assert_eq!(
            units.tables[1].references,
            BTreeSet::from(["parents".to_owned()]),
            "self-references are not dependencies"
        );
    }

    #[test]
    fn a_subset_brings_its_referenced_tables_transitively_in_ddl_order() {
        let ddl = ddl();
        let units = split(&ddl).expect("split");
        let (subset, needed) = units.subset(&[2]).expect("closed");
        assert_eq!(
            needed,
            BTreeSet::from(["children", "grandchildren", "parents"].map(str::to_owned))
        );
        assert_eq!(
            subset.len(),
            5,
            "type, parents, children + index, grandchildren"
        );
        assert!(subset[0].starts_with("CREATE TYPE"));
        assert!(subset[1].contains("\"parents\""));
        let (subset, _) = units.subset(&[3]).expect("closed");
        assert_eq!(subset.len(), 2, "the type and the lone table");
    }

    #[test]
    fn keys_change_only_with_a_tables_own_statements_or_types() {
        let ddl = ddl();
        let keys = split(&ddl).expect("split").keys("Postgres", "150020");
        let mut changed = ddl.clone();
        changed[5] = r#"CREATE TABLE "loners" ( "id" bigint NOT NULL PRIMARY KEY )"#.into();
        let keys2 = split(&changed).expect("split").keys("Postgres", "150020");
        assert_eq!(keys[..3], keys2[..3]);
        assert_ne!(keys[3], keys2[3]);
        changed[0] = r#"CREATE TYPE "status" AS ENUM ('a', 'b', 'c')"#.into();
        let keys3 = split(&changed).expect("split").keys("Postgres", "150020");
        assert_ne!(keys2[0], keys3[0], "parents names the type");
        assert_eq!(keys2[1], keys3[1], "children does not");
        assert_ne!(keys, split(&ddl).expect("split").keys("Postgres", "160000"));
    }

    #[test]
    fn unknown_statements_and_qualified_names_step_aside() {
        for odd in [
            r#"ALTER TABLE "parents" ADD COLUMN "x" integer"#,
            r#"CREATE TABLE "public"."parents" ( "id" integer )"#,
            r#"CREATE INDEX "i" ON "nowhere" ("id")"#,
        ] {
            let mut ddl = ddl();
            ddl.push(odd.to_owned());
            assert!(split(&ddl).is_none(), "{odd}");
        }
    }
}
