//! The cache key of a PostgreSQL live schema, in one query: a digest of the
//! identity and `xmin` of every catalog row the introspection reads.
//!
//! Any DDL writes the catalog rows it changes as new row versions, with the
//! transaction's id as their `xmin`, and removes the rows it drops: the
//! digest of (catalog, row, `xmin`) changes with every committed DDL. What
//! PostgreSQL updates in place, without a new `xmin` (ANALYZE and VACUUM's
//! statistics in `pg_class`, `relhasindex`, the validity flags of
//! `pg_index` that `CREATE INDEX CONCURRENTLY` sets) is either not read by
//! the introspection or digested by value. Rows are those of user objects
//! (oid from 16 384 on, `FirstNormalObjectId`) in every namespace, so a
//! change in a schema that is not read is a miss, never a stale hit; and
//! the settings that change how the server spells names and defaults
//! (search path, date and number output) are part of the key.

use std::collections::BTreeSet;

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::get;
use crate::source::SourceError;

const DIGEST: &str = r#"
SELECT md5(string_agg(r, ';')) AS digest, count(*)::bigint AS n,
       txid_current_if_assigned() IS NOT NULL AS writing,
       current_setting('server_version_num') AS version, current_schema()::text AS own,
       concat_ws('|', current_user, current_database(), current_setting('search_path'),
                 current_setting('DateStyle'), current_setting('IntervalStyle'),
                 current_setting('TimeZone'), current_setting('extra_float_digits'),
                 current_setting('standard_conforming_strings'),
                 current_setting('quote_all_identifiers'), current_setting('bytea_output'),
                 current_setting('lc_collate'), current_setting('server_encoding')) AS settings
FROM (
  SELECT 'n' || oid::text || ':' || xmin::text AS r FROM pg_namespace
  UNION ALL SELECT 'c' || oid::text || ':' || xmin::text FROM pg_class WHERE oid >= 16384
  UNION ALL SELECT 'a' || attrelid::text || ':' || attnum::text || ':' || xmin::text
    FROM pg_attribute WHERE attrelid >= 16384 AND attnum > 0
  UNION ALL SELECT 'd' || oid::text || ':' || xmin::text FROM pg_attrdef WHERE oid >= 16384
  UNION ALL SELECT 'k' || oid::text || ':' || xmin::text FROM pg_constraint WHERE oid >= 16384
  UNION ALL SELECT 'i' || indexrelid::text || ':' || xmin::text || ':' || indisvalid::text
                   || indisready::text || indislive::text
    FROM pg_index WHERE indexrelid >= 16384
  UNION ALL SELECT 't' || oid::text || ':' || xmin::text FROM pg_type WHERE oid >= 16384
  UNION ALL SELECT 'e' || oid::text || ':' || xmin::text FROM pg_enum WHERE oid >= 16384
  UNION ALL SELECT 's' || objoid::text || ':' || classoid::text || ':' || objsubid::text || ':' || xmin::text
    FROM pg_description WHERE objoid >= 16384
  UNION ALL SELECT 'q' || seqrelid::text || ':' || xmin::text FROM pg_sequence WHERE seqrelid >= 16384
  UNION ALL SELECT 'g' || oid::text || ':' || xmin::text FROM pg_trigger WHERE oid >= 16384
  UNION ALL SELECT 'w' || oid::text || ':' || xmin::text FROM pg_rewrite WHERE oid >= 16384
  UNION ALL SELECT 'p' || oid::text || ':' || xmin::text FROM pg_proc WHERE oid >= 16384
  UNION ALL SELECT 'x' || oid::text || ':' || xmin::text FROM pg_extension
  UNION ALL SELECT 'm' || oid::text || ':' || xmin::text FROM pg_am
  UNION ALL SELECT 'o' || oid::text || ':' || xmin::text FROM pg_opclass WHERE oid >= 16384
  UNION ALL SELECT 'l' || oid::text || ':' || xmin::text FROM pg_collation WHERE oid >= 16384
  UNION ALL SELECT 'y' || classid::text || ':' || objid::text || ':' || refobjid::text || ':' || xmin::text
    FROM pg_depend WHERE deptype = 'e' AND objid >= 16384
) rows"#;

/// The cache key of the live schema of the connection's own schema and the
/// other `schemas` the entities name: one query, a few tens of
/// milliseconds at 1 000 tables where the introspection takes ~150.
/// `None` in a transaction that has written: a row it changed twice has
/// its `xmin` both times.
pub async fn live_key<C: ConnectionTrait>(
    db: &C,
    schemas: &BTreeSet<String>,
) -> Result<Option<String>, SourceError> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, DIGEST))
        .await?
        .ok_or_else(|| SourceError::Introspect("the catalog digest returned nothing".into()))?;
    if get::<bool>(&row, "writing")? {
        return Ok(None);
    }
    let mut parts = vec![
        "live-postgres".to_owned(),
        get::<Option<String>>(&row, "digest")?.unwrap_or_default(),
        get::<i64>(&row, "n")?.to_string(),
        get::<String>(&row, "version")?,
        get::<Option<String>>(&row, "own")?.unwrap_or_default(),
        get::<String>(&row, "settings")?,
    ];
    parts.extend(schemas.iter().cloned());
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(Some(format!(
        "live-pg-{}",
        crate::source::cache::key(&refs)
    )))
}
