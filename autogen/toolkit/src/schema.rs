//! The neutral schema model: what a database holds, whichever backend it is.
//!
//! Both sides of a comparison end up here: the live database through the
//! introspectors of `source::database`, the entities by materializing them
//! in a throw-away place on the same server and introspecting that with the
//! same code (see `source::entities`). Equality of two values means "the
//! same object in the database"; names of indexes and constraints are kept
//! (a drop needs them) but do not take part in equality.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

mod types;
pub(crate) use types::character_spelling;
pub use types::{ColumnType, enum_values};

/// A whole schema: tables and native enum types, keyed by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// Native enum types (PostgreSQL) with their values in order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// Objects present in the database that the model does not manage
    /// (CHECK constraints, expression or partial indexes, ...): reported, never dropped.
    pub unmanaged: Vec<Unmanaged>,
    /// PostgreSQL schemas other than the connection's that take part: those
    /// the entities name (`#[sea_orm(schema_name = "...")]`), and on the live
    /// side those of them that exist. Tables in them are keyed `schema.table`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub schemas: BTreeSet<String>,
    /// Indexes (and unique constraints) per table key that have attributes
    /// the model does not hold (PostgreSQL: DESC, NULLS NOT DISTINCT,
    /// INCLUDE): compared by their columns, never dropped nor made again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kept_indexes: BTreeMap<String, Vec<String>>,
}

/// An object the model does not manage, as typed data: what the neutral
/// layer needs (its kind, name and table) is a field, never parsed back
/// from a description. Reported, never dropped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unmanaged {
    pub kind: UnmanagedKind,
    /// Its name (empty where the catalog gives none: SQLite's CHECKs).
    pub name: String,
    /// The table it belongs to, if any.
    pub table: Option<String>,
    /// Its definition as the database spells it (or what it is, in words).
    pub definition: Option<String>,
    /// Compared by its columns and kept as it is (an index or unique
    /// constraint with attributes beyond the model: see `kept_indexes`).
    pub kept: bool,
}

/// What kind of object an [`Unmanaged`] one is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedKind {
    Index,
    Constraint,
    GeneratedColumn,
    Trigger,
    View,
    MaterializedView,
    /// Any other kind a catalog names.
    Other(String),
}

impl UnmanagedKind {
    /// The kind a catalog query names in words.
    pub fn from_catalog(kind: &str) -> Self {
        match kind {
            "index" => Self::Index,
            "constraint" => Self::Constraint,
            "generated column" => Self::GeneratedColumn,
            "trigger" => Self::Trigger,
            "view" => Self::View,
            "materialized view" => Self::MaterializedView,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Index => "index",
            Self::Constraint => "constraint",
            Self::GeneratedColumn => "generated column",
            Self::Trigger => "trigger",
            Self::View => "view",
            Self::MaterializedView => "materialized view",
            Self::Other(kind) => kind,
        }
    }
}

impl Unmanaged {
    pub fn new(kind: UnmanagedKind, name: &str, table: Option<&str>) -> Self {
        Self {
            kind,
            name: name.to_owned(),
            table: table.map(str::to_owned),
            definition: None,
            kept: false,
        }
    }

    pub fn defined_as(mut self, definition: impl Into<String>) -> Self {
        self.definition = Some(definition.into());
        self
    }

    pub fn kept(mut self) -> Self {
        self.kept = true;
        self
    }

    /// What it is and where: `index idx_a on t`.
    pub fn head(&self) -> String {
        let mut head = self.kind.label().to_owned();
        if !self.name.is_empty() {
            head.push(' ');
            head.push_str(&self.name);
        }
        if let Some(table) = &self.table {
            head.push_str(" on ");
            head.push_str(table);
        }
        head
    }
}

/// `index idx_a on t: CREATE INDEX ... (kept as it is)`, as the notes print it.
impl std::fmt::Display for Unmanaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.head())?;
        if let Some(definition) = &self.definition {
            write!(f, ": {definition}")?;
        }
        if self.kept {
            f.write_str(" (kept as it is)")?;
        }
        Ok(())
    }
}

/// In the order of their descriptions (as the lists are printed).
impl PartialOrd for Unmanaged {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Unmanaged {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_string()
            .cmp(&other.to_string())
            .then_with(|| format!("{self:?}").cmp(&format!("{other:?}")))
    }
}

/// A table as SQL names it: its schema (`None`: the connection's) and its own name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableName {
    pub schema: Option<String>,
    pub name: String,
}

impl TableName {
    pub fn bare(name: &str) -> Self {
        Self {
            schema: None,
            name: name.to_owned(),
        }
    }

    /// The model's key for it: `schema.table`, or the table alone.
    pub fn key(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The name of `key` (a table in `schema`, or in the connection's schema).
    fn from_key(key: &str, schema: Option<&str>) -> Self {
        match schema.and_then(|s| key.strip_prefix(s).and_then(|r| r.strip_prefix('.'))) {
            Some(name) => Self {
                schema: schema.map(str::to_owned),
                name: name.to_owned(),
            },
            None => Self::bare(key),
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

impl Schema {
    /// How SQL names the table keyed `key`, as this schema knows it.
    pub fn table_name(&self, key: &str) -> Option<TableName> {
        self.tables.get(key).map(Table::qualified)
    }
}

/// How SQL names the table keyed `key`, looked up on either side of a change.
pub fn resolve(key: &str, a: &Schema, b: &Schema) -> TableName {
    a.table_name(key)
        .or_else(|| b.table_name(key))
        .unwrap_or_else(|| TableName::bare(key))
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The key of the table in [`Schema::tables`]: `schema.table` outside the
    /// connection's schema, the table's own name otherwise.
    pub name: String,
    /// Its PostgreSQL schema, when not the connection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub columns: Vec<Column>,
    /// Primary key columns, in key order (empty: no primary key).
    pub primary_key: Vec<String>,
    /// Name of the primary key constraint (needed to drop it), not compared.
    pub primary_key_name: String,
    /// Indexes and unique constraints (a unique constraint is a unique index
    /// with `constraint: true`).
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// The default as the database reports it (an SQL expression).
    pub default: Option<String>,
    /// Identity / serial (PostgreSQL), AUTOINCREMENT (SQLite), AUTO_INCREMENT (MySQL).
    pub auto_increment: bool,
    /// How an auto-increment column draws its values (PostgreSQL has three
    /// ways; the others one). Compared only when `auto_increment`.
    #[serde(default, skip_serializing_if = "Sequence::is_identity")]
    pub sequence: Sequence,
    pub comment: Option<String>,
    /// Declared rename (`#[sea_orm(renamed_from = "old")]`), entity side only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The base type of a PostgreSQL domain column (`ty` is the domain):
    /// taking the column to its base type cannot fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_type: Option<ColumnType>,
    /// What only some backends have, as typed data (Atlas's `Attrs`): set by
    /// that backend's introspector, spelled by its step builder, compared as
    /// plain data everywhere else.
    #[serde(default, skip_serializing_if = "ColumnAttrs::is_empty")]
    pub attrs: ColumnAttrs,
}

/// The backend-specific attributes of a column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColumnAttrs {
    /// MySQL's `ON UPDATE <expr>` (the expression, canonical): the value a
    /// row's column takes when another column of the row changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
}

impl ColumnAttrs {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The flavour of a PostgreSQL auto-increment column. SeaORM 2 creates
/// `GENERATED BY DEFAULT AS IDENTITY`; databases made by SeaORM 1.x, Diesel
/// or by hand often have `serial` (a `nextval()` default on an owned sequence).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sequence {
    /// `GENERATED BY DEFAULT AS IDENTITY` (and every other backend's kind).
    #[default]
    Identity,
    /// `GENERATED ALWAYS AS IDENTITY`.
    IdentityAlways,
    /// `serial` / `bigserial` / `smallserial`.
    Serial,
}

impl Sequence {
    pub fn is_identity(&self) -> bool {
        *self == Sequence::Identity
    }

    pub fn label(self) -> &'static str {
        match self {
            Sequence::Identity => "identity",
            Sequence::IdentityAlways => "identity (always)",
            Sequence::Serial => "serial",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// Created as a UNIQUE constraint rather than an index. Not part of
    /// equality: both enforce the same thing.
    pub constraint: bool,
}

impl Index {
    /// Same index in the database, whatever its name or how it was created.
    pub fn same_as(&self, other: &Index) -> bool {
        self.columns == other.columns && self.unique == other.unique
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }

    /// sea-query's `ForeignKeyAction` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            Self::NoAction => "NoAction",
            Self::Restrict => "Restrict",
            Self::Cascade => "Cascade",
            Self::SetNull => "SetNull",
            Self::SetDefault => "SetDefault",
        }
    }

    pub fn from_sql(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "RESTRICT" | "R" => Self::Restrict,
            "CASCADE" | "C" => Self::Cascade,
            "SET NULL" | "N" => Self::SetNull,
            "SET DEFAULT" | "D" => Self::SetDefault,
            _ => Self::NoAction,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's key (see [`Table::name`]).
    pub ref_table: String,
    /// The referenced table's schema, when not the connection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_schema: Option<String>,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

impl ForeignKey {
    /// How SQL names the referenced table.
    pub fn ref_name(&self) -> TableName {
        TableName::from_key(&self.ref_table, self.ref_schema.as_deref())
    }

    /// Same constraint in the database, whatever its name.
    pub fn same_as(&self, other: &ForeignKey) -> bool {
        self.columns == other.columns
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// How SQL names this table.
    pub fn qualified(&self) -> TableName {
        TableName::from_key(&self.name, self.schema.as_deref())
    }
}

/// `renamed_from "old"` travels inside the column comment when SeaORM builds
/// the entity DDL; split it off so it is never compared nor written.
pub fn split_renamed_from(comment: Option<String>) -> (Option<String>, Option<String>) {
    let Some(text) = comment else {
        return (None, None);
    };
    let Some(at) = text.find("renamed_from \"") else {
        return (Some(text), None);
    };
    let rest = &text[at + "renamed_from \"".len()..];
    let old = rest.split('"').next().unwrap_or_default().to_owned();
    let before = text[..at].trim_end().trim_end_matches(';').trim_end();
    let comment = (!before.is_empty()).then(|| before.to_owned());
    (comment, (!old.is_empty()).then_some(old))
}

/// Builders for the unit tests of every stage: a schema in a few lines.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    /// A column of `ty`, no default, no comment.
    pub fn col(name: &str, ty: ColumnType, nullable: bool) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable,
            default: None,
            auto_increment: false,
            sequence: Sequence::default(),
            comment: None,
            renamed_from: None,
            base_type: None,
            attrs: ColumnAttrs::default(),
        }
    }

    /// A table keyed by an auto-increment integer `id`, then `columns`.
    pub fn table(name: &str, columns: Vec<Column>) -> Table {
        Table {
            name: name.into(),
            primary_key: vec!["id".into()],
            columns: std::iter::once(Column {
                auto_increment: true,
                ..col("id", ColumnType::Integer, false)
            })
            .chain(columns)
            .collect(),
            ..Table::default()
        }
    }

    pub fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
            ..Schema::default()
        }
    }
}

#[cfg(test)]
mod tests;
