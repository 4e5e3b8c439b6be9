//! The rows of PostgreSQL's bulk catalog queries into the model: columns,
//! constraints and indexes of the tables read, keyed as [`Names`] says.

use sea_orm_migration::sea_orm::QueryResult;

use super::{canonical_default, fk_action, json_list, parse_type};
use crate::schema::{Column, ColumnType, ForeignKey, Index, Schema, Sequence};
use crate::schema::{Unmanaged, UnmanagedKind};
use crate::source::SourceError;
use crate::source::database::get;

/// How the namespaces read are named in the model: `own`'s tables by their
/// own names, those of `others` (namespace, schema it stands for) as
/// `schema.table`.
pub(super) struct Names<'a> {
    pub(super) own: &'a str,
    pub(super) others: &'a [(String, String)],
}

impl Names<'_> {
    /// The schema namespace `nsp` stands for (`None`: it is `own`).
    pub(super) fn logical(&self, nsp: &str) -> Option<String> {
        self.others
            .iter()
            .find(|(n, _)| n == nsp)
            .map(|(_, schema)| schema.clone())
    }

    /// The key of table `name` of namespace `nsp` in [`Schema::tables`].
    pub(super) fn key(&self, nsp: &str, name: &str) -> String {
        match self.logical(nsp) {
            Some(schema) => format!("{schema}.{name}"),
            None => name.to_owned(),
        }
    }

    /// The key of the table a catalog row (`nsp`, `table_name`) is about.
    fn table_of(&self, row: &QueryResult) -> Result<String, SourceError> {
        Ok(self.key(
            &get::<String>(row, "nsp")?,
            &get::<String>(row, "table_name")?,
        ))
    }
}

/// The columns of the tables read, with their types, defaults and sequences.
pub(super) fn read_columns(
    out: &mut Schema,
    columns: Vec<QueryResult>,
    names: &Names<'_>,
) -> Result<(), SourceError> {
    for row in columns {
        let table = names.table_of(&row)?;
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        let formatted: String = get(&row, "formatted")?;
        let typtype: String = get(&row, "typtype")?;
        let typname: String = get(&row, "typname")?;
        let ty = if typtype == "e" {
            ColumnType::Enum(typname)
        } else {
            parse_type(&formatted)
        };
        let base_type = get::<Option<String>>(&row, "base_type")?.map(|b| parse_type(&b));
        let identity: String = get(&row, "identity")?;
        let mut default: Option<String> = get(&row, "default_expr")?;
        let serial = default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        if serial {
            default = None;
        }
        let default = default.map(|d| canonical_default(&d));
        t.columns.push(Column {
            name: get(&row, "name")?,
            ty,
            nullable: !get::<bool>(&row, "not_null")?,
            default,
            auto_increment: serial || identity == "a" || identity == "d",
            sequence: match identity.as_str() {
                "a" => Sequence::IdentityAlways,
                "d" => Sequence::Identity,
                _ if serial => Sequence::Serial,
                _ => Sequence::Identity,
            },
            comment: get(&row, "comment")?,
            renamed_from: None,
            base_type,
            attrs: Default::default(),
        });
    }
    Ok(())
}

/// Primary keys, unique constraints and foreign keys; other constraints
/// (CHECK, EXCLUDE) are listed as unmanaged.
pub(super) fn read_constraints(
    out: &mut Schema,
    constraints: Vec<QueryResult>,
    names: &Names<'_>,
) -> Result<(), SourceError> {
    for row in constraints {
        let table = names.table_of(&row)?;
        let name: String = get(&row, "name")?;
        let kind: String = get(&row, "kind")?;
        let columns = json_list(&get::<String>(&row, "columns")?)?;
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        match kind.as_str() {
            "p" => {
                t.primary_key = columns;
                t.primary_key_name = name;
            }
            "u" => {
                // NULLS NOT DISTINCT and INCLUDE are not in the model: the
                // constraint is compared by its columns and never dropped.
                if let Some(def) = get::<Option<String>>(&row, "attrs")? {
                    out.unmanaged.push(
                        Unmanaged::new(UnmanagedKind::Constraint, &name, Some(&table))
                            .defined_as(def)
                            .kept(),
                    );
                    out.kept_indexes
                        .entry(table.clone())
                        .or_default()
                        .push(name.clone());
                }
                t.indexes.push(Index {
                    name,
                    columns,
                    unique: true,
                    constraint: true,
                })
            }
            "f" => t.foreign_keys.push({
                let ref_nsp: String = get::<Option<String>>(&row, "ref_nsp")?.unwrap_or_default();
                let ref_table: String =
                    get::<Option<String>>(&row, "ref_table")?.unwrap_or_default();
                // A table outside the schemas read is named as it is in the database.
                let (ref_table, ref_schema) = if ref_nsp == names.own {
                    (ref_table, None)
                } else if let Some(schema) = names.logical(&ref_nsp) {
                    (format!("{schema}.{ref_table}"), Some(schema))
                } else {
                    (format!("{ref_nsp}.{ref_table}"), Some(ref_nsp))
                };
                ForeignKey {
                    name,
                    columns,
                    ref_table,
                    ref_schema,
                    ref_columns: json_list(&get::<String>(&row, "ref_columns")?)?,
                    on_delete: fk_action(&get::<String>(&row, "on_delete")?),
                    on_update: fk_action(&get::<String>(&row, "on_update")?),
                }
            }),
            _ => {
                let def: Option<String> = get(&row, "definition")?;
                out.unmanaged.push(
                    Unmanaged::new(UnmanagedKind::Constraint, &name, Some(&table))
                        .defined_as(def.unwrap_or_default()),
                );
            }
        }
    }
    Ok(())
}

/// The indexes that are not constraints; those with what the model cannot
/// say are listed as unmanaged (and kept, where compared by their columns).
pub(super) fn read_indexes(
    out: &mut Schema,
    indexes: Vec<QueryResult>,
    names: &Names<'_>,
) -> Result<(), SourceError> {
    for row in indexes {
        let table = names.table_of(&row)?;
        let name: String = get(&row, "name")?;
        let Some(t) = out.tables.get_mut(&table) else {
            continue;
        };
        if get::<bool>(&row, "unmanaged")? {
            let def: Option<String> = get(&row, "definition")?;
            out.unmanaged.push(
                Unmanaged::new(UnmanagedKind::Index, &name, Some(&table))
                    .defined_as(def.unwrap_or_default()),
            );
            continue;
        }
        if get::<bool>(&row, "attrs")? {
            // DESC, NULLS NOT DISTINCT, INCLUDE: not in the model, so the
            // index is compared by its columns and never dropped or made again.
            let def: Option<String> = get(&row, "definition")?;
            out.unmanaged.push(
                Unmanaged::new(UnmanagedKind::Index, &name, Some(&table))
                    .defined_as(def.unwrap_or_default())
                    .kept(),
            );
            out.kept_indexes
                .entry(table.clone())
                .or_default()
                .push(name.clone());
        }
        t.indexes.push(Index {
            name,
            columns: json_list(&get::<String>(&row, "columns")?)?,
            unique: get(&row, "is_unique")?,
            constraint: false,
        });
    }
    Ok(())
}
