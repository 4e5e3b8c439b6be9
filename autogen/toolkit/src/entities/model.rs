//! One table's entity file: which index becomes which attribute, each
//! column's field with its attributes, and the file's text around them.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm_migration::sea_orm::DbBackend;

use super::modules::index_statement;
use super::names::{Scope, camel, escape, snake};
use super::relations::{Relations, relations};
use super::types::{Declared, custom, declare};
use super::{Ctx, ENUM_MODULE, EntityFiles, MARKER, lit};
use crate::schema::{Column, ColumnType, Index, Sequence, Table};

/// One field of a model, as decided from its column.
struct Field {
    ident: String,
    column: String,
    rust: String,
    attrs: Vec<String>,
    no_eq: bool,
}

/// Where a table's indexes are declared: on a field (`unique`, `indexed`),
/// as a `unique_key` group (column → index name), or else in the
/// extra-index module.
struct IndexAttrs<'a> {
    unique: BTreeSet<&'a str>,
    indexed: BTreeSet<&'a str>,
    groups: BTreeMap<&'a str, String>,
}

pub(super) fn entity_file(
    ctx: &Ctx,
    table: &Table,
    module: &str,
    extra: &mut Vec<String>,
    out: &mut EntityFiles,
) -> String {
    let composite = table.primary_key.len() > 1;
    let named = fields_of(table);
    let order: Vec<usize> = named.iter().map(|(i, _)| *i).collect();
    let indexes = index_attrs(table, &order, extra);

    let mut fields = Vec::new();
    let mut variant_of: BTreeMap<&str, String> = BTreeMap::new();
    for (i, ident) in named {
        let col = &table.columns[i];
        variant_of.insert(&col.name, camel(&ident));
        fields.push(field(ctx, table, col, ident, composite, &indexes, out));
    }

    let relations = relations(ctx, table, &variant_of, out);
    let _ = module;
    render(table, &fields, &relations)
}

/// Indexes: single-column uniques and plain indexes as attributes, composite
/// uniques as `unique_key` groups when their column order is the fields'
/// order (`order`), the rest pushed to `extra` for the extra-index module.
fn index_attrs<'a>(table: &'a Table, order: &[usize], extra: &mut Vec<String>) -> IndexAttrs<'a> {
    let mut unique: BTreeSet<&str> = BTreeSet::new();
    let mut indexed: BTreeSet<&str> = BTreeSet::new();
    let mut groups: BTreeMap<&str, String> = BTreeMap::new();
    let field_pos = |c: &str| order.iter().position(|&i| table.columns[i].name == c);
    let mut extras_here: Vec<&Index> = Vec::new();
    for index in table.indexes.iter().filter(|i| i.unique) {
        match index.columns.as_slice() {
            [one] if !unique.contains(one.as_str()) => {
                unique.insert(one);
            }
            cols if cols.len() > 1
                && cols.iter().all(|c| !groups.contains_key(c.as_str()))
                && cols
                    .iter()
                    .map(|c| field_pos(c))
                    .collect::<Option<Vec<_>>>()
                    .is_some_and(|p| p.windows(2).all(|w| w[0] < w[1])) =>
            {
                for c in cols {
                    groups.insert(c, index.name.clone());
                }
            }
            _ => extras_here.push(index),
        }
    }
    for index in table.indexes.iter().filter(|i| !i.unique) {
        match index.columns.as_slice() {
            [one] if !unique.contains(one.as_str()) && !indexed.contains(one.as_str()) => {
                indexed.insert(one);
            }
            _ => extras_here.push(index),
        }
    }
    // In the database's order.
    extras_here.sort_by_key(|i| table.indexes.iter().position(|j| std::ptr::eq(*i, j)));
    for index in extras_here {
        extra.push(index_statement(table, index));
    }
    IndexAttrs {
        unique,
        indexed,
        groups,
    }
}

/// The field of column `col` (named `ident`), with every attribute that
/// declares the column.
fn field(
    ctx: &Ctx,
    table: &Table,
    col: &Column,
    ident: String,
    composite: bool,
    indexes: &IndexAttrs,
    out: &mut EntityFiles,
) -> Field {
    let IndexAttrs {
        unique,
        indexed,
        groups,
    } = indexes;
    let in_pk = table.primary_key.contains(&col.name);
    let mut attrs = Vec::new();
    if ident != col.name || escape(&ident) != ident {
        attrs.push(format!("column_name = {}", lit(&col.name)));
    }
    if in_pk {
        attrs.push("primary_key".into());
    }
    let (declared, seaorm_auto) = column_declaration(ctx, table, col, out);
    if in_pk && (composite || !seaorm_auto) {
        attrs.push("auto_increment = false".into());
    }
    let enum_rust = match &col.ty {
        ColumnType::Enum(name) => ctx.enums.get(name).map(|e| e.rust.clone()),
        _ => None,
    };
    let rust = match &enum_rust {
        Some(rust) => format!("super::{ENUM_MODULE}::{rust}"),
        None => {
            attrs.push(format!("column_type = {}", lit(&declared.column_type)));
            declared.rust.clone()
        }
    };
    if let Some(s) = &declared.select_as
        && enum_rust.is_none()
    {
        attrs.push(format!("select_as = {}", lit(s)));
    }
    if let Some(s) = &declared.save_as
        && enum_rust.is_none()
    {
        attrs.push(format!("save_as = {}", lit(s)));
    }
    if let Some(f) = declared.feature {
        out.features.insert(f);
    }
    if col.nullable {
        attrs.push("nullable".into());
    }
    if unique.contains(col.name.as_str()) {
        attrs.push("unique".into());
    }
    if indexed.contains(col.name.as_str()) {
        attrs.push("indexed".into());
    }
    if let Some(group) = groups.get(col.name.as_str()) {
        attrs.push(format!("unique_key = {}", lit(group)));
    }
    if let Some(value) = &col.default
        && !value.eq_ignore_ascii_case("null")
    {
        let expr = format!("sea_orm::sea_query::Expr::cust({})", lit(value));
        attrs.push(format!("default_expr = {}", lit(&expr)));
    }
    if let Some(u) = &col.attrs.on_update {
        attrs.push(format!("extra = {}", lit(&format!("ON UPDATE {u}"))));
    }
    if ctx.backend == DbBackend::MySql && col.auto_increment && !seaorm_auto {
        attrs.push(format!("extra = {}", lit("AUTO_INCREMENT")));
    }
    if let Some(comment) = &col.comment {
        attrs.push(format!("comment = {}", lit(comment)));
    }
    Field {
        ident,
        column: col.name.clone(),
        rust: if col.nullable {
            format!("Option<{rust}>")
        } else {
            rust
        },
        attrs,
        no_eq: declared.no_eq,
    }
}

/// The entity file's text: the model, its relations, the `Related` impls.
fn render(table: &Table, fields: &[Field], relations: &Relations) -> String {
    let key = &table.name;
    let eq = if fields.iter().any(|f| f.no_eq) {
        ""
    } else {
        " Eq,"
    };
    let mut s = format!(
        "{MARKER}\n//! Table `{}`.\n\nuse sea_orm::entity::prelude::*;\n\n",
        key.replace('`', "'")
    );
    s.push_str(&format!(
        "#[derive(Clone, Debug, PartialEq,{eq} DeriveEntityModel)]\n"
    ));
    let mut table_attrs = vec![format!("table_name = {}", lit(&table.qualified().name))];
    if let Some(schema) = &table.schema {
        table_attrs.push(format!("schema_name = {}", lit(schema)));
    }
    if let Some(c) = &table.comment {
        table_attrs.push(format!("comment = {}", lit(c)));
    }
    s.push_str(&format!(
        "#[sea_orm({})]\npub struct Model {{\n",
        table_attrs.join(", ")
    ));
    for f in fields {
        let _ = &f.column;
        if !f.attrs.is_empty() {
            s.push_str(&format!("    #[sea_orm({})]\n", f.attrs.join(", ")));
        }
        s.push_str(&format!("    pub {}: {},\n", escape(&f.ident), f.rust));
    }
    s.push_str(
        "}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {\n",
    );
    for r in &relations.variants {
        s.push_str(&format!("    #[sea_orm({})]\n    {},\n", r.1, r.0));
    }
    s.push_str("}\n\n");
    for (target, variant) in &relations.related {
        s.push_str(&format!(
            "impl Related<super::{}::Entity> for Entity {{\n    fn to() -> RelationDef {{\n        Relation::{variant}.def()\n    }}\n}}\n\n",
            escape(target)
        ));
    }
    s.push_str("impl ActiveModelBehavior for ActiveModel {}\n");
    s
}

/// A column's type declaration, and whether SeaORM's own `auto_increment`
/// gives its auto-increment flavour (else the flavour is in the type).
fn column_declaration(
    ctx: &Ctx,
    table: &Table,
    col: &Column,
    out: &mut EntityFiles,
) -> (Declared, bool) {
    let single_pk = table.primary_key.len() == 1 && table.primary_key[0] == col.name;
    let mut declared = declare(&col.ty, ctx.backend);
    if !col.auto_increment {
        return (declared, false);
    }
    match ctx.backend {
        DbBackend::Postgres => {
            let want_serial = ctx.serial;
            let covered = single_pk
                && matches!(
                    (col.sequence, want_serial),
                    (Sequence::Serial, true) | (Sequence::Identity, false)
                )
                && matches!(
                    col.ty,
                    ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
                );
            if covered {
                return (declared, true);
            }
            let spelled = match (col.sequence, &col.ty) {
                (Sequence::Serial, ColumnType::SmallInt) => "smallserial".to_owned(),
                (Sequence::Serial, ColumnType::Integer) => "serial".to_owned(),
                (Sequence::Serial, ColumnType::BigInt) => "bigserial".to_owned(),
                (Sequence::Identity, ty) => {
                    format!("{} GENERATED BY DEFAULT AS IDENTITY", ty.sql())
                }
                (Sequence::IdentityAlways, ty) => {
                    format!("{} GENERATED ALWAYS AS IDENTITY", ty.sql())
                }
                (Sequence::Serial, ty) => {
                    out.undeclared.push(format!(
                        "column {}.{}: a sequence default on type {}",
                        table.name,
                        col.name,
                        ty.sql()
                    ));
                    return (declared, false);
                }
            };
            declared.column_type = custom(&spelled);
            (declared, false)
        }
        // MySQL: AUTO_INCREMENT off a single key goes in `extra`; SQLite has
        // AUTOINCREMENT only on an INTEGER PRIMARY KEY.
        _ => (declared, single_pk),
    }
}

/// The fields of `table`'s model: `(column index, identifier)` in field
/// order, which is the table's unless its key's order differs (then the key
/// columns come first, in key order: SeaORM orders a composite key by its
/// fields). Identifiers are unique, and so are the `Column` variants SeaORM
/// makes of them (CamelCase; never `Self`).
pub(super) fn fields_of(table: &Table) -> Vec<(usize, String)> {
    let pk_positions: Vec<usize> = table
        .primary_key
        .iter()
        .filter_map(|k| table.columns.iter().position(|c| &c.name == k))
        .collect();
    let mut order: Vec<usize> = (0..table.columns.len()).collect();
    if pk_positions.windows(2).any(|w| w[0] > w[1]) {
        order = pk_positions.clone();
        order.extend((0..table.columns.len()).filter(|i| !pk_positions.contains(i)));
    }
    let mut idents = Scope::default();
    let mut variants: BTreeSet<String> = BTreeSet::from(["Self".to_owned()]);
    order
        .into_iter()
        .map(|i| {
            let base = snake(&table.columns[i].name);
            let mut n = 1;
            let ident = loop {
                let candidate = idents.claim(&if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                });
                n += 1;
                if variants.insert(camel(&candidate)) {
                    break candidate;
                }
            };
            (i, ident)
        })
        .collect()
}
