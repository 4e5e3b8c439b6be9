//! SQLite: only the tables missing from the per-table cache run, in an
//! in-memory database, and the cached ones complete the schema.
//!
//! A SQLite table as introspected depends on its own statements only: its
//! columns, indexes and foreign keys are read from its own `CREATE` text,
//! and a `REFERENCES` needs no table behind it. The one exception, a
//! `REFERENCES "p"` without a column list (read as `p`'s primary key),
//! and anything `source::incremental` does not recognize (views, triggers)
//! make the whole schema run, as before.

use super::*;

/// Materialize the tables of `ddl` missing from the per-table cache.
pub(super) async fn materialize_sqlite_by_table(
    ddl: &[String],
    backend: &str,
    version: &str,
) -> Result<Materialized, SourceError> {
    let Some(units) = incremental::split(ddl).filter(self_contained) else {
        return whole(ddl).await;
    };
    let keys = units.keys(backend, version);
    let cached = incremental::load(&keys);
    let missing: Vec<&str> = units
        .tables
        .iter()
        .zip(&cached)
        .filter(|(_, c)| c.is_none())
        .flat_map(|(u, _)| u.statements.iter().copied())
        .collect();
    if missing.len() == ddl.len() {
        // Nothing cached: the whole schema (its tables then cached).
        let mut materialized = whole(ddl).await?;
        let none = vec![None; units.tables.len()];
        merge_cached(&units, &keys, none, &mut materialized.schema, PLACE)?;
        return Ok(materialized);
    }
    let subset: Vec<String> = missing.iter().map(|s| (*s).to_owned()).collect();
    let mut schema = materialize_sqlite(&subset).await?;
    if !schema.unmanaged.is_empty() {
        // Unmanaged objects are not attributed to tables: read every table.
        return whole(ddl).await;
    }
    let tables_run = schema.tables.len();
    merge_cached(&units, &keys, cached, &mut schema, PLACE)?;
    Ok(Materialized { schema, tables_run })
}

const PLACE: &str = "in-memory SQLite database";

async fn whole(ddl: &[String]) -> Result<Materialized, SourceError> {
    let schema = materialize_sqlite(ddl).await?;
    Ok(Materialized {
        tables_run: schema.tables.len(),
        schema,
    })
}

/// No enum types (SQLite has none) and every `REFERENCES` with its columns.
fn self_contained(units: &incremental::Units<'_>) -> bool {
    units.types.is_empty()
        && units.tables.iter().all(|u| {
            u.statements.iter().all(|s| {
                s.match_indices("REFERENCES \"").all(|(at, _)| {
                    let rest = &s[at + "REFERENCES \"".len()..];
                    rest.find('"')
                        .is_some_and(|end| rest[end + 1..].trim_start().starts_with('('))
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_without_columns_is_not_self_contained() {
        let with = |fk: &str| {
            vec![format!(
                r#"CREATE TABLE "c" ( "id" integer NOT NULL PRIMARY KEY, "p" integer, FOREIGN KEY ("p") REFERENCES "p"{fk} )"#
            )]
        };
        let ddl = with(r#" ("id")"#);
        assert!(self_contained(&incremental::split(&ddl).expect("split")));
        let ddl = with("");
        assert!(!self_contained(&incremental::split(&ddl).expect("split")));
    }
}
