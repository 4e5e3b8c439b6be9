//! The modules around the entities: the extra-index module (with its
//! sea-query statements), the native enums, the prelude and the root module.

use std::collections::BTreeMap;

use super::names::{Scope, camel, escape};
use super::{ActiveEnum, ENUM_MODULE, INDEX_MODULE, MARKER, lit};
use crate::schema::{Index, Table};

/// One extra index as a sea-query statement (Rust source).
pub(super) fn index_statement(table: &Table, index: &Index) -> String {
    let mut s = format!(
        "        Index::create()\n            .name({})\n            .table({})\n",
        lit(&index.name),
        match &table.schema {
            Some(schema) => format!("({}, {})", lit(schema), lit(&table.qualified().name)),
            None => lit(&table.name),
        }
    );
    for c in &index.columns {
        s.push_str(&format!("            .col({})\n", lit(c)));
    }
    if index.unique {
        s.push_str("            .unique()\n");
    }
    s.push_str("            .to_owned(),\n");
    s
}

pub(super) fn index_module(extra: &[String]) -> String {
    // `Index` only when used: an unused import is a warning in the user's crate.
    let import = if extra.is_empty() {
        "IndexCreateStatement"
    } else {
        "{Index, IndexCreateStatement}"
    };
    format!(
        "{MARKER}\n//! Indexes the database has that no entity attribute can express (composite\n//! ones, and a second index on a column): given to the autogen binary with\n//! `Project::with_indexes({INDEX_MODULE}::all)`.\n\nuse sea_orm::sea_query::{import};\n\n/// Every extra index, in the database's order.\npub fn all() -> Vec<IndexCreateStatement> {{\n    vec![\n{}    ]\n}}\n",
        extra.concat()
    )
}

pub(super) fn enum_module(enums: &BTreeMap<String, ActiveEnum>) -> String {
    let mut s =
        format!("{MARKER}\n//! The database's enum types.\n\nuse sea_orm::entity::prelude::*;\n");
    for (name, e) in enums {
        s.push_str(&format!(
            "\n#[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]\n#[sea_orm(rs_type = \"String\", db_type = \"Enum\", enum_name = {})]\npub enum {} {{\n",
            lit(name),
            e.rust
        ));
        for (ident, value) in &e.variants {
            s.push_str(&format!(
                "    #[sea_orm(string_value = {})]\n    {ident},\n",
                lit(value)
            ));
        }
        s.push_str("}\n");
    }
    s
}

pub(super) fn prelude(entities: &[(String, String)]) -> String {
    let mut s = format!("{MARKER}\n\n");
    let mut names = Scope::default();
    for (_, module) in entities {
        let name = names.claim_camel(&camel(module));
        s.push_str(&format!(
            "pub use super::{}::Entity as {name};\n",
            escape(module)
        ));
    }
    s
}

pub(super) fn root_module(entities: &[(String, String)], enums: bool) -> String {
    let mut s = format!("{MARKER}\n\npub mod prelude;\n\npub mod {INDEX_MODULE};\n");
    if enums {
        s.push_str(&format!("pub mod {ENUM_MODULE};\n"));
    }
    s.push('\n');
    for (_, module) in entities {
        s.push_str(&format!("pub mod {};\n", escape(module)));
    }
    s
}
