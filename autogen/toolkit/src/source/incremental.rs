//! Per-table reuse of materialized entity tables on PostgreSQL and MySQL.
//!
//! Materializing costs the server ~5 ms per table, so a 1 000-table project
//! would wait seconds after every entity edit if only whole schemas were
//! cached. A table as introspected depends only on the statements that
//! create it (its `CREATE TABLE` with inline foreign keys, its `CREATE
//! INDEX`es) and the enum types they name, so each table is also cached
//! under a key of exactly those statements. After an edit only the tables
//! whose statements changed are run again, in the same scratch schema as a
//! full materialization. The tables their foreign keys reference must exist
//! for the `REFERENCES` to be accepted: they are created first as
//! stand-ins, without foreign keys of their own (so that a chain of
//! references stops there), and their introspection is discarded.
//!
//! On MySQL/MariaDB (identifiers in backticks) the scratch session runs
//! with `foreign_key_checks = 0`, so a table's `REFERENCES` need no
//! stand-ins there: the edited tables' own statements are all that runs.
//!
//! The DDL is read only as far as SeaORM writes it for PostgreSQL and MySQL;
//! any statement this module does not recognize makes it step aside
//! (`None`), and the whole schema is materialized as before.

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
    /// Its `CREATE TABLE` without foreign keys, to stand in for it as a
    /// referenced table; `None` when the statement could not be taken apart.
    pub stand_in: Option<String>,
}

/// The identifier quoted by `q` at the start of `s` and the rest, refusing
/// qualified names and embedded quotes.
fn ident_quoted(s: &str, q: char) -> Option<(&str, &str)> {
    let rest = s.strip_prefix(q)?;
    let end = rest.find(q)?;
    let (name, after) = (&rest[..end], &rest[end + 1..]);
    if after.starts_with(q) || after.starts_with('.') || name.is_empty() {
        return None;
    }
    Some((name, after))
}

/// A `"quoted"` identifier (PostgreSQL), as [`ident_quoted`].
fn ident(s: &str) -> Option<(&str, &str)> {
    ident_quoted(s, '"')
}

/// Split PostgreSQL `ddl` by table; `None` when a statement is not one SeaORM writes.
pub fn split(ddl: &[String]) -> Option<Units<'_>> {
    split_quoted(ddl, '"')
}

/// Split MySQL/MariaDB `ddl` (identifiers in backticks) by table.
pub fn split_mysql(ddl: &[String]) -> Option<Units<'_>> {
    split_quoted(ddl, '`')
}

/// Split `ddl` whose identifiers are quoted by `q` by table; `None` when a
/// statement is not one SeaORM writes.
fn split_quoted<'a>(ddl: &'a [String], q: char) -> Option<Units<'a>> {
    let ident = |s: &'a str| ident_quoted(s, q);
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
                stand_in: without_foreign_keys(stmt),
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

/// Part of every cache key: a cached table is a serialized [`crate::schema::Table`],
/// so a change of the model's shape (2: MySQL's `ON UPDATE` became
/// `Column::attrs`) must not read tables cached before it.
const MODEL_FORMAT: &str = "model-2";

impl Units<'_> {
    /// The cache key of each table: its statements and the types they name.
    pub fn keys(&self, backend: &str, version: &str) -> Vec<String> {
        self.tables
            .iter()
            .map(|u| {
                let mut parts = vec![backend, version, MODEL_FORMAT, "table"];
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

    /// The DDL creating the tables at `missing` (indexes into `tables`): every
    /// type, then the tables they reference as stand-ins (with their indexes,
    /// as a referenced key may be a unique index), then the tables at
    /// `missing` in DDL order. A referenced table without a stand-in is
    /// created in full, bringing its own references. Returns the DDL and the
    /// stand-ins, whose introspection is not the table's.
    /// `Err(name)` when a referenced table is not in the DDL.
    pub fn subset(&self, missing: &[usize]) -> Result<(Vec<String>, BTreeSet<String>), String> {
        let by_name: BTreeMap<&str, &Unit> =
            self.tables.iter().map(|u| (u.table.as_str(), u)).collect();
        let mut full: BTreeSet<&str> = missing
            .iter()
            .map(|i| self.tables[*i].table.as_str())
            .collect();
        let mut stand_ins: BTreeSet<&str> = BTreeSet::new();
        let mut queue: Vec<&str> = full.iter().copied().collect();
        while let Some(name) = queue.pop() {
            let unit = by_name.get(name).ok_or_else(|| name.to_owned())?;
            for target in &unit.references {
                let target = target.as_str();
                if full.contains(target) || stand_ins.contains(target) {
                    continue;
                }
                let referenced = by_name.get(target).ok_or_else(|| target.to_owned())?;
                if referenced.stand_in.is_some() {
                    stand_ins.insert(target);
                } else {
                    full.insert(target);
                    queue.push(target);
                }
            }
        }
        let mut ddl: Vec<String> = self.types.iter().map(|(_, s)| (*s).to_owned()).collect();
        for unit in &self.tables {
            if let (true, Some(create)) = (stand_ins.contains(unit.table.as_str()), &unit.stand_in)
            {
                ddl.push(create.clone());
                ddl.extend(unit.statements[1..].iter().map(|s| (*s).to_owned()));
            }
        }
        // A foreign key to a table created later (a cycle: store.manager_id
        // -> staff, staff.store_id -> store) cannot be inline: the name would
        // resolve to the live table of the same name behind the scratch
        // schema, or to nothing. Such tables are created without their keys,
        // which are added once every table exists.
        let order: Vec<&Unit> = self
            .tables
            .iter()
            .filter(|u| full.contains(u.table.as_str()))
            .collect();
        let mut later_keys = Vec::new();
        for (at, unit) in order.iter().enumerate() {
            let forward = unit
                .references
                .iter()
                .any(|r| order[at..].iter().any(|u| &u.table == r));
            match (forward, split_foreign_keys(unit.statements[0])) {
                (true, Some((create, keys))) => {
                    ddl.push(create);
                    ddl.extend(unit.statements[1..].iter().map(|s| (*s).to_owned()));
                    later_keys.extend(
                        keys.into_iter()
                            .map(|k| format!("ALTER TABLE \"{}\" ADD {k}", unit.table)),
                    );
                }
                _ => ddl.extend(unit.statements.iter().map(|s| (*s).to_owned())),
            }
        }
        ddl.extend(later_keys);
        Ok((ddl, stand_ins.into_iter().map(str::to_owned).collect()))
    }
}

/// `CREATE TABLE` without its foreign key constraints, or `None` when the
/// statement is not in the shape sea-query writes: the definitions in one
/// pair of parentheses, foreign keys as `CONSTRAINT "name" FOREIGN KEY ...`
/// items of their own.
fn without_foreign_keys(stmt: &str) -> Option<String> {
    split_foreign_keys(stmt).map(|(create, _)| create)
}

/// `CREATE TABLE` without its foreign key constraints, and those constraints
/// (`CONSTRAINT "name" FOREIGN KEY ...`), as [`without_foreign_keys`] reads them.
fn split_foreign_keys(stmt: &str) -> Option<(String, Vec<String>)> {
    let open = stmt.find('(')?;
    let (head, body) = stmt.split_at(open);
    let mut items = Vec::new();
    let (mut depth, mut start, mut quote, mut end) = (0usize, 1, None, None);
    for (i, ch) in body.char_indices().skip(1) {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                items.push(&body[start..i]);
                end = Some(i);
                break;
            }
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let tail = &body[end?..];
    let is_foreign_key = |item: &str| {
        let rest = item
            .strip_prefix("CONSTRAINT ")
            .and_then(|r| ident(r).map(|(_, after)| after.trim_start()))
            .unwrap_or(item);
        rest.starts_with("FOREIGN KEY")
    };
    let (keys, kept): (Vec<&str>, Vec<&str>) = items
        .iter()
        .map(|item| item.trim())
        .partition(|item| is_foreign_key(item));
    if kept.is_empty() || kept.iter().any(|item| item.contains("REFERENCES")) {
        return None;
    }
    Some((
        format!("{head}( {} {tail}", kept.join(", ")),
        keys.into_iter().map(str::to_owned).collect(),
    ))
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
    fn a_subset_brings_the_tables_it_references_as_stand_ins_first() {
        let ddl = ddl();
        let units = split(&ddl).expect("split");
        let (subset, stand_ins) = units.subset(&[2]).expect("closed");
        assert_eq!(stand_ins, BTreeSet::from(["children".to_owned()]));
        assert_eq!(
            subset,
            [
                ddl[0].clone(),
                r#"CREATE TABLE "children" ( "id" integer NOT NULL PRIMARY KEY, "parent_id" integer, "up_id" integer )"#.to_owned(),
                ddl[3].clone(),
                ddl[4].clone(),
            ],
            "the type, children without its foreign keys and with its index, grandchildren"
        );
        let (subset, stand_ins) = units.subset(&[1, 2]).expect("closed");
        assert_eq!(stand_ins, BTreeSet::from(["parents".to_owned()]));
        assert_eq!(
            subset.len(),
            5,
            "type, parents, children + index, grandchildren"
        );
        let (subset, stand_ins) = units.subset(&[3]).expect("closed");
        assert!(stand_ins.is_empty());
        assert_eq!(subset.len(), 2, "the type and the lone table");
    }

    #[test]
    fn a_table_that_cannot_be_taken_apart_comes_in_full_with_its_references() {
        let mut ddl = ddl();
        // An inline column reference is not sea-query's shape: no stand-in.
        ddl[2] = r#"CREATE TABLE "children" ( "id" integer NOT NULL PRIMARY KEY, "parent_id" integer REFERENCES "parents" ("id") )"#.into();
        let units = split(&ddl).expect("split");
        assert!(units.tables[1].stand_in.is_none());
        let (subset, stand_ins) = units.subset(&[2]).expect("closed");
        assert_eq!(stand_ins, BTreeSet::from(["parents".to_owned()]));
        assert!(subset.iter().any(|s| s == &ddl[2]), "children in full");
    }

    #[test]
    fn a_foreign_key_cycle_is_created_without_keys_then_keyed() {
        let ddl: Vec<String> = [
            r#"CREATE TABLE "staff" ( "id" integer NOT NULL PRIMARY KEY, "store_id" integer, CONSTRAINT "fk-staff" FOREIGN KEY ("store_id") REFERENCES "store" ("id") )"#,
            r#"CREATE TABLE "store" ( "id" integer NOT NULL PRIMARY KEY, "manager_id" integer, CONSTRAINT "fk-store" FOREIGN KEY ("manager_id") REFERENCES "staff" ("id") )"#,
        ]
        .map(String::from)
        .to_vec();
        let units = split(&ddl).expect("SeaORM's shape");
        let (subset, stand_ins) = units.subset(&[0, 1]).expect("closed");
        assert!(stand_ins.is_empty());
        assert_eq!(
            subset,
            [
                r#"CREATE TABLE "staff" ( "id" integer NOT NULL PRIMARY KEY, "store_id" integer )"#,
                ddl[1].as_str(),
                r#"ALTER TABLE "staff" ADD CONSTRAINT "fk-staff" FOREIGN KEY ("store_id") REFERENCES "store" ("id")"#,
            ]
        );
    }

    #[test]
    fn stand_ins_keep_everything_but_foreign_keys() {
        let create = r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY, "note" varchar(10) DEFAULT 'a, (b)', "p" integer, CONSTRAINT "fk-t-p" FOREIGN KEY ("p") REFERENCES "parents" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, "q" numeric(10, 2) )"#;
        assert_eq!(
            without_foreign_keys(create).as_deref(),
            Some(
                r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY, "note" varchar(10) DEFAULT 'a, (b)', "p" integer, "q" numeric(10, 2) )"#
            )
        );
        assert_eq!(without_foreign_keys(r#"CREATE TABLE "t" "#), None);
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
