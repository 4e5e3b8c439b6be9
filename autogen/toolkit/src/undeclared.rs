//! Adopting an existing database: what it has that the entities do not
//! declare, as the declarations to add, so that the first migration after
//! adoption is about the user's own edit, not a drop of every index and
//! default that hand-written migrations created.
//!
//! Indexes the entity attributes cannot express go into an extra-index list
//! (`Project::with_indexes`); a default the entity lacks is an attribute on
//! its column. Pure: it reads a [`Comparison`], it writes nothing.

use crate::Comparison;
use crate::change::Change;
use crate::step::{DefaultValue, lit};

/// What the entities lack, as code to add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Missing {
    /// A Rust module declaring the indexes the database has and the
    /// entities do not (empty when there are none).
    pub index_module: String,
    /// How many indexes it declares.
    pub indexes: usize,
    /// `(table, column, attribute)`: the `#[sea_orm(...)]` attribute that
    /// declares a default the database has.
    pub attributes: Vec<(String, String, String)>,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        self.indexes == 0 && self.attributes.is_empty()
    }
}

/// What `comparison` would take away from the database that the entities
/// could declare instead.
pub fn missing(comparison: &Comparison) -> Missing {
    let mut indexes = Vec::new();
    let mut attributes = Vec::new();
    for change in &comparison.diff.changes {
        match change {
            Change::DropIndex { table, index } => {
                let mut code = format!(
                    "Index::create()\n.name({})\n.table({})",
                    lit(&index.name),
                    lit(table)
                );
                for c in &index.columns {
                    code.push_str(&format!("\n.col({})", lit(c)));
                }
                if index.unique {
                    code.push_str("\n.unique()");
                }
                code.push_str("\n.to_owned()");
                indexes.push(code);
            }
            Change::AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.default && to.default.is_none() => {
                if let Some(default) = &from.default {
                    attributes.push((table.clone(), to.name.clone(), attribute(default)));
                }
            }
            _ => {}
        }
    }
    let index_module = if indexes.is_empty() {
        String::new()
    } else {
        format!(
            "//! Indexes the database has that the entity attributes cannot express\n\
             //! (written by `autogen adopt`): given to the autogen binary with\n\
             //! `Project::with_indexes(<this module>::all)`.\n\n\
             use sea_orm::sea_query::{{Index, IndexCreateStatement}};\n\n\
             pub fn all() -> Vec<IndexCreateStatement> {{\nvec![\n{},\n]\n}}\n",
            indexes.join(",\n")
        )
    };
    Missing {
        indexes: indexes.len(),
        index_module,
        attributes,
    }
}

/// The `#[sea_orm(...)]` attribute declaring `default` (as introspected).
fn attribute(default: &str) -> String {
    match DefaultValue::parse(default) {
        DefaultValue::Bool(b) => format!("#[sea_orm(default_value = {b})]"),
        DefaultValue::Int(n) => format!("#[sea_orm(default_value = {n})]"),
        DefaultValue::Str(s) => format!("#[sea_orm(default_value = {})]", lit(&s)),
        DefaultValue::CurrentTimestamp => {
            "#[sea_orm(default_expr = \"Expr::current_timestamp()\")]".to_owned()
        }
        DefaultValue::Raw(sql) => format!(
            "#[sea_orm(default_expr = {})]",
            lit(&format!("Expr::cust({})", lit(&sql)))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Backend;
    use crate::schema::build::{col, schema, table};
    use crate::schema::{Column, ColumnType, Index};
    use crate::{DiffOptions, NoRenames, compare_schemas};

    #[test]
    fn undeclared_indexes_and_defaults_become_declarations() {
        let mut live = table(
            "cake",
            vec![
                Column {
                    default: Some("'plain'::text".into()),
                    ..col("name", ColumnType::Text, false)
                },
                Column {
                    default: Some("CURRENT_TIMESTAMP".into()),
                    ..col("baked_at", ColumnType::TimestampTz, false)
                },
                col("bakery_id", ColumnType::Integer, true),
            ],
        );
        live.indexes.push(Index {
            name: "uq_cake_name_bakery".into(),
            columns: vec!["name".into(), "bakery_id".into()],
            unique: true,
            constraint: true,
        });
        let entities = table(
            "cake",
            vec![
                col("name", ColumnType::Text, false),
                col("baked_at", ColumnType::TimestampTz, false),
                col("bakery_id", ColumnType::Integer, true),
            ],
        );
        let comparison = compare_schemas(
            Backend::Postgres,
            schema(vec![live]),
            schema(vec![entities]),
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare");
        let missing = missing(&comparison);
        assert_eq!(missing.indexes, 1);
        assert!(
            missing
                .index_module
                .contains(".name(\"uq_cake_name_bakery\")")
                && missing.index_module.contains(".unique()"),
            "{}",
            missing.index_module
        );
        assert_eq!(
            missing.attributes,
            vec![
                (
                    "cake".to_owned(),
                    "name".to_owned(),
                    "#[sea_orm(default_value = \"plain\")]".to_owned()
                ),
                (
                    "cake".to_owned(),
                    "baked_at".to_owned(),
                    "#[sea_orm(default_expr = \"Expr::current_timestamp()\")]".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn nothing_missing_when_the_entities_declare_everything() {
        let t = table("cake", vec![col("name", ColumnType::Text, false)]);
        let comparison = compare_schemas(
            Backend::Sqlite,
            schema(vec![t.clone()]),
            schema(vec![t]),
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare");
        assert!(missing(&comparison).is_empty());
    }
}
