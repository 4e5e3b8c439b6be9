//! The `Relation` enum of an entity: belongs_to from its own foreign keys,
//! has_many / has_one from the tables pointing at it, and the `Related`
//! impls where the target is unambiguous.

use std::collections::BTreeMap;

use super::model::fields_of;
use super::names::{Scope, camel, escape};
use super::{Ctx, EntityFiles, lit};
use crate::schema::{ForeignKey, Table};

pub(super) struct Relations {
    /// `(variant, attribute body)`.
    pub(super) variants: Vec<(String, String)>,
    /// `(target module, variant)` for the `Related` impls.
    pub(super) related: Vec<(String, String)>,
}

/// belongs_to for every foreign key (with its actions), has_many for every
/// table pointing here once, `Related` where the target is unambiguous.
pub(super) fn relations(
    ctx: &Ctx,
    table: &Table,
    variant_of: &BTreeMap<&str, String>,
    out: &mut EntityFiles,
) -> Relations {
    let mut names = Scope::default();
    let mut rels = Relations {
        variants: Vec::new(),
        related: Vec::new(),
    };
    let own = &table.name;
    let mut mine: BTreeMap<String, Vec<&ForeignKey>> = BTreeMap::new();
    for fk in &table.foreign_keys {
        mine.entry(fk.ref_table.clone()).or_default().push(fk);
    }
    belongs_to(ctx, own, &mine, variant_of, &mut names, &mut rels, out);
    // has_many: every other table with exactly one foreign key to this one
    // (it then implements `Related` to this entity, which has_many needs).
    let Some(my_module) = ctx.module_of.get(own) else {
        return rels;
    };
    let _ = my_module;
    has_many(ctx, own, &mine, &mut names, &mut rels);
    rels
}

/// belongs_to for each of the table's (`own`) foreign keys, grouped by the
/// table they reference (`mine`); one to a table without an entity is listed.
fn belongs_to(
    ctx: &Ctx,
    own: &str,
    mine: &BTreeMap<String, Vec<&ForeignKey>>,
    variant_of: &BTreeMap<&str, String>,
    names: &mut Scope,
    rels: &mut Relations,
    out: &mut EntityFiles,
) {
    let Relations { variants, related } = rels;
    for (target, fks) in mine {
        let Some(target_module) = ctx.module_of.get(target) else {
            for fk in fks {
                out.undeclared.push(format!(
                    "foreign key {} on {own}: references {target}, which has no entity",
                    fk.name
                ));
            }
            continue;
        };
        let Some(target_table) = ctx.schema.tables.get(target) else {
            continue;
        };
        let self_ref = target == own;
        for fk in fks {
            let from: Option<Vec<String>> = fk
                .columns
                .iter()
                .map(|c| variant_of.get(c.as_str()).map(|v| format!("Column::{v}")))
                .collect();
            let to_variants = target_variants(target_table);
            let to: Option<Vec<String>> = fk
                .ref_columns
                .iter()
                .map(|c| {
                    to_variants.get(c.as_str()).map(|v| {
                        if self_ref {
                            format!("Column::{v}")
                        } else {
                            format!("super::{}::Column::{v}", escape(target_module))
                        }
                    })
                })
                .collect();
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            let tuple = |v: Vec<String>| {
                if v.len() == 1 {
                    v.into_iter().next().unwrap_or_default()
                } else {
                    format!("({})", v.join(", "))
                }
            };
            let base = if fks.len() == 1 {
                camel(target_module)
            } else {
                format!("{}{}", camel(target_module), camel(&fk.columns.join("_")))
            };
            let base = if self_ref {
                format!("SelfRef{base}")
            } else {
                base
            };
            let variant = names.claim_camel(&base);
            let entity = if self_ref {
                "Entity".to_owned()
            } else {
                format!("super::{}::Entity", escape(target_module))
            };
            variants.push((
                variant.clone(),
                format!(
                    "belongs_to = {}, from = {}, to = {}, on_update = {}, on_delete = {}",
                    lit(&entity),
                    lit(&tuple(from)),
                    lit(&tuple(to)),
                    lit(fk.on_update.variant()),
                    lit(fk.on_delete.variant())
                ),
            ));
            if fks.len() == 1 && !self_ref {
                related.push((target_module.clone(), variant));
            }
        }
    }
}

/// has_many (or has_one) for every other table pointing at `own` once.
fn has_many(
    ctx: &Ctx,
    own: &str,
    mine: &BTreeMap<String, Vec<&ForeignKey>>,
    names: &mut Scope,
    rels: &mut Relations,
) {
    let Relations { variants, related } = rels;
    for (key, other) in &ctx.schema.tables {
        if key == own {
            continue;
        }
        let Some(other_module) = ctx.module_of.get(key) else {
            continue;
        };
        let pointing: Vec<&ForeignKey> = other
            .foreign_keys
            .iter()
            .filter(|fk| fk.ref_table == own)
            .collect();
        let [fk] = pointing.as_slice() else {
            continue;
        };
        // One row there per row here when its key columns are unique there
        // (its primary key, or a unique index on exactly them): has_one.
        let kind = if one_to_one(other, &fk.columns) {
            "has_one"
        } else {
            "has_many"
        };
        let variant = names.claim_camel(&camel(other_module));
        variants.push((
            variant.clone(),
            format!(
                "{kind} = {}",
                lit(&format!("super::{}::Entity", escape(other_module)))
            ),
        ));
        if !mine.contains_key(key) {
            related.push((other_module.clone(), variant));
        }
    }
}

/// Whether `columns` of `table` hold each value at most once: they are its
/// primary key or a unique index's columns (in any order).
fn one_to_one(table: &Table, columns: &[String]) -> bool {
    let same = |other: &[String]| {
        other.len() == columns.len() && columns.iter().all(|c| other.contains(c))
    };
    same(&table.primary_key) || table.indexes.iter().any(|i| i.unique && same(&i.columns))
}

/// The Column variants of another table, as its own entity names them.
fn target_variants(table: &Table) -> BTreeMap<&str, String> {
    fields_of(table)
        .into_iter()
        .map(|(i, ident)| (table.columns[i].name.as_str(), camel(&ident)))
        .collect()
}
