//! PostgreSQL enum types: values added in place (`ALTER TYPE .. ADD
//! VALUE`), removals and reorders as a swap to a new type, every column
//! converted through text.

use super::*;

pub(super) fn alter_enum(name: &str, from: &[String], to: &[String], target: &Schema) -> Vec<Step> {
    if additions_only(from, to) {
        let mut out = Vec::new();
        for (i, value) in to.iter().enumerate() {
            if from.contains(value) {
                continue;
            }
            let before = to[i + 1..].iter().find(|v| from.contains(v)).cloned();
            let after = if before.is_none() {
                to[..i].last().cloned()
            } else {
                None
            };
            out.push(Step::AddEnumValue {
                name: name.to_owned(),
                value: value.clone(),
                before,
                after,
            });
        }
        return out;
    }
    // Values removed or reordered: swap the type, converting every column through text.
    let sql = |s: String| Step::Sql {
        backend: Backend::Postgres,
        sql: s,
    };
    let old = format!("{name}__autogen_old");
    let mut out = vec![
        sql(format!("ALTER TYPE {} RENAME TO {}", q(name), q(&old))),
        sql(format!(
            "CREATE TYPE {} AS ENUM ({})",
            q(name),
            to.iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ];
    for t in target.tables.values() {
        for c in t
            .columns
            .iter()
            .filter(|c| c.ty == ColumnType::Enum(name.to_owned()))
        {
            let (tbl, col) = (qt(&t.qualified()), q(&c.name));
            if c.default.is_some() {
                out.push(sql(format!(
                    "ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"
                )));
            }
            out.push(sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {col} TYPE {} USING {col}::text::{}",
                q(name),
                q(name)
            )));
            if let Some(d) = &c.default {
                out.push(sql(format!(
                    "ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {d}"
                )));
            }
        }
    }
    out.push(sql(format!("DROP TYPE {}", q(&old))));
    out
}
