//! Adopting an existing database: what it has that the entities do not
//! declare, as the declarations to add, so that the first migration after
//! adoption is about the user's own edit, not a drop of every index and
//! default that hand-written migrations created.
//!
//! Indexes the entity attributes cannot express go into an extra-index list
//! (`Project::with_indexes`); a default the entity lacks is an attribute on
//! its column, in the form SeaORM's derive accepts. Every other change the
//! first migration would make is listed as not covered, so that nothing of
//! it comes as a surprise. Pure: it reads a [`Comparison`], it writes nothing.

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
    /// sea-orm cargo features the entity crate needs to declare what the
    /// database has (`postgres-use-serial-pk`: its keys are `serial`, which
    /// SeaORM 2 otherwise creates as identity columns).
    pub features: Vec<&'static str>,
    /// What the first migration would also do that these declarations do
    /// not cover: `(kind, description)`, e.g. `("type change", "changed
    /// column 'film.title': type varchar(255) -> text")`.
    pub uncovered: Vec<(&'static str, String)>,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        self.indexes == 0
            && self.attributes.is_empty()
            && self.features.is_empty()
            && self.uncovered.is_empty()
    }

    /// "2 type changes and 9 foreign-key changes" (kinds in first-seen order).
    pub fn uncovered_summary(&self) -> String {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for (kind, _) in &self.uncovered {
            match counts.iter_mut().find(|(k, _)| k == kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((kind, 1)),
            }
        }
        let parts: Vec<String> = counts
            .iter()
            .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
            .collect();
        match parts.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

/// What `comparison` would take away from the database that the entities
/// could declare instead.
pub fn missing(comparison: &Comparison) -> Missing {
    let mut indexes = Vec::new();
    let mut attributes = Vec::new();
    let mut uncovered = Vec::new();
    let serial = serial_keys(comparison);
    for change in &comparison.diff.changes {
        match change {
            Change::DropIndex { table, index } => indexes.push(index_code(table, index)),
            Change::AlterColumn {
                table,
                from,
                to,
                changed,
            } => {
                let mut left = *changed;
                // A serial key SeaORM would make an identity column: the
                // cargo feature keeps it serial.
                if serial
                    && changed.auto_increment
                    && from.auto_increment
                    && to.auto_increment
                    && from.sequence == crate::schema::Sequence::Serial
                {
                    left.auto_increment = false;
                }
                // The database's default, where the entity has none or
                // another (MySQL's `ON UPDATE` included).
                if changed.default && (from.default.is_some() || from.attrs.on_update.is_some()) {
                    let declared =
                        attribute(from.default.as_deref(), from.attrs.on_update.as_deref());
                    attributes.push((table.clone(), to.name.clone(), declared));
                    left.default = false;
                }
                // A type sea-orm-cli wrote without its length or precision
                // (`String` for varchar(15)): the same Rust type, declared
                // exactly by `column_type`.
                if left.ty
                    && let Some(declared) = column_type(comparison, &from.ty, &to.ty)
                {
                    attributes.push((table.clone(), to.name.clone(), declared));
                    left.ty = false;
                }
                if !left.any() {
                    continue;
                }
                // Described without the part the attribute covers.
                let mut rest_to = to.clone();
                if !left.ty {
                    rest_to.ty = from.ty.clone();
                }
                if !left.default {
                    rest_to.default = from.default.clone();
                    rest_to.attrs.on_update = from.attrs.on_update.clone();
                }
                let rest = Change::AlterColumn {
                    table: table.clone(),
                    from: from.clone(),
                    to: rest_to,
                    changed: left,
                };
                let kind = [
                    (left.ty, "type change"),
                    (left.nullable, "nullability change"),
                    (left.default, "default change"),
                    (left.auto_increment, "auto-increment change"),
                    (left.comment, "comment change"),
                ]
                .into_iter()
                .find_map(|(on, kind)| on.then_some(kind))
                .unwrap_or("column change");
                uncovered.push((kind, rest.describe()));
            }
            other => uncovered.push((kind(other), other.describe())),
        }
    }
    let index_module = if indexes.is_empty() {
        String::new()
    } else {
        format!(
            "//! Indexes the database has that the entity attributes cannot express\n\
             //! (written by `autogen adopt`): given to the autogen binary with\n\
             //! `Project::with_indexes(<this module>::all)`.\n\n\
             use sea_orm_migration::sea_orm::sea_query::{{Index, IndexCreateStatement}};\n\n\
             pub fn all() -> Vec<IndexCreateStatement> {{\nvec![\n{},\n]\n}}\n",
            indexes.join(",\n")
        )
    };
    Missing {
        indexes: indexes.len(),
        index_module,
        attributes,
        features: if serial {
            vec!["postgres-use-serial-pk"]
        } else {
            Vec::new()
        },
        uncovered,
    }
}

/// Whether sea-orm's `postgres-use-serial-pk` feature is what the entities
/// lack: some auto-increment key is `serial` in the database and an
/// identity column on the entity side, and no key of the database is an
/// identity column (the feature makes every key serial).
fn serial_keys(comparison: &Comparison) -> bool {
    use crate::schema::Sequence;
    if comparison.backend != crate::config::Backend::Postgres {
        return false;
    }
    let live_identity = comparison
        .live
        .tables
        .values()
        .flat_map(|t| &t.columns)
        .any(|c| c.auto_increment && c.sequence != Sequence::Serial);
    let converted = comparison.diff.changes.iter().any(|c| {
        matches!(c, Change::AlterColumn { from, to, changed, .. }
            if changed.auto_increment
                && from.auto_increment
                && to.auto_increment
                && from.sequence == Sequence::Serial
                && to.sequence != Sequence::Serial)
    });
    converted && !live_identity
}

/// The entries a module of [`Missing::index_module`] holds, to add to one
/// written earlier: the text of `module` with `entries` appended to its
/// `vec![...]` (None when `module` is not such a module).
pub fn append_indexes(module: &str, entries: &Missing) -> Option<String> {
    let new = entries.index_module.split_once("vec![\n")?.1;
    let new = new.rsplit_once("]")?.0.trim_end().trim_end_matches(',');
    let close = module.rfind(']')?;
    module.find("vec![")?;
    let head = module[..close].trim_end();
    let sep = if head.ends_with('[') || head.ends_with(',') {
        "\n"
    } else {
        ",\n"
    };
    Some(format!("{head}{sep}{new},\n{}", &module[close..]))
}

/// sea-query code creating `index` on `table`.
fn index_code(table: &str, index: &crate::schema::Index) -> String {
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
    code
}

/// The kind of a change the suggestions leave, for the summary line.
fn kind(change: &Change) -> &'static str {
    match change {
        Change::AddForeignKey { .. } | Change::DropForeignKey { .. } => "foreign-key change",
        Change::AddIndex { .. } | Change::DropIndex { .. } => "index change",
        Change::CreateTable { .. } | Change::DropTable { .. } | Change::RenameTable { .. } => {
            "table change"
        }
        Change::AddColumn { .. }
        | Change::DropColumn { .. }
        | Change::RenameColumn { .. }
        | Change::AlterColumn { .. } => "column change",
        Change::AlterPrimaryKey { .. } => "primary-key change",
        Change::AlterTableComment { .. } => "comment change",
        Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AlterEnum { .. } => {
            "enum change"
        }
        Change::CreateSchema { .. } | Change::DropSchema { .. } => "schema change",
    }
}

/// The `#[sea_orm(...)]` attribute declaring `default` and MySQL's
/// `ON UPDATE` (as introspected). SeaORM's derive parses `default_expr` as a
/// Rust expression and sea-query writes any expression but a keyword or
/// value in parentheses, so `ON UPDATE ...` goes to `extra`.
/// `#[sea_orm(column_type = "...")]` declaring the database's type `live`
/// where the entity's `declared` has the same Rust type and needs nothing
/// else (no `select_as`, no cargo feature): replacing the field's
/// `column_type` (or adding one) is then all it takes.
fn column_type(
    comparison: &Comparison,
    live: &crate::schema::ColumnType,
    declared: &crate::schema::ColumnType,
) -> Option<String> {
    use crate::entities::types::declare;
    use crate::schema::ColumnType as T;
    // Only what a generator left unsaid: a declared length or precision is
    // the user's own (an edit for `-m` to make, not one to adopt).
    let unsaid = matches!(
        (live, declared),
        (T::String(Some(_)), T::String(None))
            | (T::Char(Some(_)), T::Char(None))
            | (T::Decimal(Some(_)), T::Decimal(None))
    ) || lengthless_string(live, declared, comparison.backend);
    if !unsaid {
        return None;
    }
    let backend = sea_orm::DbBackend::from(comparison.backend);
    let (from, to) = (declare(live, backend), declare(declared, backend));
    // A custom spelling (SQLite's `nvarchar(160)`) is fine where the Rust
    // type stays and nothing converts on the wire.
    // (A cargo feature the field's type needs, `postgres-array`, is one the
    // entity crate has already.)
    let plain = |d: &crate::entities::types::Declared| d.select_as.is_none() && d.save_as.is_none();
    (from.rust == to.rust && from.feature == to.feature && plain(&from) && plain(&to))
        .then(|| format!("#[sea_orm(column_type = {})]", lit(&from.column_type)))
}

/// Whether `declared` is what a `String` field without `column_type`
/// becomes on `backend` (sea-orm-cli writes every character type so: MySQL
/// makes it `varchar(255)`, SQLite `text`, PostgreSQL `varchar`) while the
/// database has a character type of its own (`varchar(160)`, `char(4)`,
/// SQLite's `nvarchar(160)`); on PostgreSQL also such an array
/// (`varchar[]` for `text[]`).
fn lengthless_string(
    live: &crate::schema::ColumnType,
    declared: &crate::schema::ColumnType,
    backend: crate::config::Backend,
) -> bool {
    use crate::config::Backend as B;
    use crate::schema::ColumnType as T;
    let character = |t: &T| {
        matches!(t, T::String(_) | T::Char(_) | T::Text)
            || matches!(t, T::Custom(c) if crate::schema::character_spelling(c))
    };
    let plain = match backend {
        B::MySql => T::String(Some(255)),
        B::Sqlite => T::Text,
        _ => T::String(None),
    };
    match (live, declared) {
        (T::Array(l), T::Array(d)) if backend == B::Postgres => {
            **d == T::String(None) && character(l)
        }
        // (`String(StringLen::None)` spelled out says no length either:
        // sea-orm-cli's SQLite `char(20)`.)
        _ => {
            (*declared == plain || *declared == T::String(None))
                && character(live)
                && live != declared
        }
    }
}

fn attribute(default: Option<&str>, on_update: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(default) = default
        && !(on_update.is_some() && default.trim().eq_ignore_ascii_case("null"))
    {
        parts.push(match DefaultValue::parse(default) {
            DefaultValue::Bool(b) => format!("default_value = {b}"),
            DefaultValue::Int(n) => format!("default_value = {n}"),
            DefaultValue::Str(s) => format!("default_value = {}", lit(&s)),
            DefaultValue::CurrentTimestamp => {
                "default_expr = \"Expr::current_timestamp()\"".to_owned()
            }
            DefaultValue::Raw(sql) => format!(
                "default_expr = {}",
                lit(&format!("Expr::cust({})", lit(&sql)))
            ),
        });
    }
    if let Some(update) = on_update {
        parts.push(format!("extra = {}", lit(&format!("ON UPDATE {update}"))));
    }
    format!("#[sea_orm({})]", parts.join(", "))
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

    /// sea-orm-cli writes a bare `String` for varchar(15): adopt declares
    /// the length instead of leaving a type change to `-m`; a length the
    /// entity does declare is the user's, left to `-m`.
    #[test]
    fn a_length_the_entity_leaves_out_is_declared_one_it_gives_is_not() {
        let live = table(
            "categories",
            vec![
                col("category_name", ColumnType::String(Some(15)), false),
                col("code", ColumnType::String(Some(20)), false),
            ],
        );
        let entities = table(
            "categories",
            vec![
                col("category_name", ColumnType::String(None), false),
                col("code", ColumnType::String(Some(10)), false),
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
        assert_eq!(
            missing.attributes,
            vec![(
                "categories".to_owned(),
                "category_name".to_owned(),
                "#[sea_orm(column_type = \"String(StringLen::N(15))\")]".to_owned()
            )]
        );
        assert_eq!(missing.uncovered.len(), 1, "{:?}", missing.uncovered);
        assert!(missing.uncovered[0].1.contains("categories.code"));
    }

    /// What sea-orm-cli writes for every character type (`String`, no
    /// `column_type`), as each backend makes it: the database's own type is
    /// suggested (chinook on MySQL and SQLite, employees' `char(4)`,
    /// sakila's `char(20)` and pagila's `text[]` on PostgreSQL).
    #[test]
    fn a_string_field_without_column_type_gets_the_database_character_type() {
        let cases = [
            (
                Backend::MySql,
                ColumnType::String(Some(160)),
                ColumnType::String(Some(255)),
                "String(StringLen::N(160))",
            ),
            (
                Backend::MySql,
                ColumnType::Char(Some(4)),
                ColumnType::String(Some(255)),
                "Char(Some(4))",
            ),
            (
                Backend::Sqlite,
                ColumnType::Custom("nvarchar(160)".into()),
                ColumnType::Text,
                "custom(\\\"nvarchar(160)\\\")",
            ),
            (
                Backend::Postgres,
                ColumnType::Char(Some(20)),
                ColumnType::String(None),
                "Char(Some(20))",
            ),
            (
                Backend::Sqlite,
                ColumnType::Char(Some(1)),
                ColumnType::String(None),
                "Char(Some(1))",
            ),
            (
                Backend::Postgres,
                ColumnType::Array(Box::new(ColumnType::Text)),
                ColumnType::Array(Box::new(ColumnType::String(None))),
                "Array(RcOrArc::new(ColumnType::Text))",
            ),
        ];
        for (backend, live, declared, expected) in cases {
            let comparison = compare_schemas(
                backend,
                schema(vec![table("t", vec![col("c", live.clone(), false)])]),
                schema(vec![table("t", vec![col("c", declared.clone(), false)])]),
                DiffOptions::default(),
                &mut NoRenames,
            )
            .expect("compare");
            let missing = missing(&comparison);
            assert_eq!(
                missing.attributes,
                vec![(
                    "t".to_owned(),
                    "c".to_owned(),
                    format!("#[sea_orm(column_type = \"{expected}\")]")
                )],
                "{backend:?} {live:?}"
            );
            assert!(missing.uncovered.is_empty(), "{:?}", missing.uncovered);
        }
        // A length the user wrote on MySQL other than 255 is theirs.
        let comparison = compare_schemas(
            Backend::MySql,
            schema(vec![table(
                "t",
                vec![col("c", ColumnType::String(Some(160)), false)],
            )]),
            schema(vec![table(
                "t",
                vec![col("c", ColumnType::String(Some(100)), false)],
            )]),
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare");
        assert!(missing(&comparison).attributes.is_empty());
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

    #[test]
    fn mysql_on_update_goes_to_extra_where_the_derive_and_sea_query_accept_it() {
        assert_eq!(
            attribute(Some("CURRENT_TIMESTAMP"), Some("CURRENT_TIMESTAMP")),
            "#[sea_orm(default_expr = \"Expr::current_timestamp()\", extra = \"ON UPDATE CURRENT_TIMESTAMP\")]"
        );
        assert_eq!(
            attribute(None, Some("CURRENT_TIMESTAMP")),
            "#[sea_orm(extra = \"ON UPDATE CURRENT_TIMESTAMP\")]"
        );
        assert_eq!(
            attribute(Some("uuid()"), None),
            "#[sea_orm(default_expr = \"Expr::cust(\\\"uuid()\\\")\")]"
        );
    }

    #[test]
    fn what_the_suggestions_leave_is_named_and_counted() {
        use crate::schema::{FkAction, ForeignKey};
        let mut live = table(
            "film",
            vec![
                Column {
                    default: Some("'untitled'".into()),
                    ..col("title", ColumnType::String(Some(255)), false)
                },
                col("language_id", ColumnType::Integer, false),
            ],
        );
        live.foreign_keys.push(ForeignKey {
            name: "film_language_id_fkey".into(),
            columns: vec!["language_id".into()],
            ref_table: "language".into(),
            ref_schema: None,
            ref_columns: vec!["id".into()],
            on_delete: FkAction::SetNull,
            on_update: FkAction::NoAction,
        });
        let language = table("language", vec![]);
        let entities = table(
            "film",
            vec![
                col("title", ColumnType::Text, false),
                col("language_id", ColumnType::Integer, false),
            ],
        );
        let comparison = compare_schemas(
            Backend::Postgres,
            schema(vec![live, language.clone()]),
            schema(vec![entities, language]),
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare");
        let missing = missing(&comparison);
        assert_eq!(
            missing.attributes,
            vec![(
                "film".to_owned(),
                "title".to_owned(),
                "#[sea_orm(default_value = \"untitled\")]".to_owned()
            )]
        );
        let kinds: Vec<&str> = missing.uncovered.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, ["foreign-key change", "type change"], "{missing:?}");
        assert!(
            missing.uncovered[1].1.contains("type varchar(255) -> text")
                && !missing.uncovered[1].1.contains("default"),
            "the covered default is not repeated: {}",
            missing.uncovered[1].1
        );
        assert_eq!(
            missing.uncovered_summary(),
            "1 foreign-key change and 1 type change"
        );
    }

    #[test]
    fn a_second_write_appends_to_the_index_list() {
        let index = |name: &str| Index {
            name: name.into(),
            columns: vec!["a".into()],
            unique: false,
            constraint: false,
        };
        let with = |names: &[&str]| {
            let mut live = table("t", vec![col("a", ColumnType::Integer, false)]);
            live.indexes = names.iter().map(|n| index(n)).collect();
            let comparison = compare_schemas(
                Backend::Sqlite,
                schema(vec![live]),
                schema(vec![table("t", vec![col("a", ColumnType::Integer, false)])]),
                DiffOptions::default(),
                &mut NoRenames,
            )
            .expect("compare");
            missing(&comparison)
        };
        let first = crate::render::rustfmt(&with(&["ix_one"]).index_module).expect("rustfmt");
        let merged = append_indexes(&first, &with(&["ix_two"])).expect("appended");
        let merged = crate::render::rustfmt(&merged).expect("still Rust");
        assert!(
            merged.contains("\"ix_one\"") && merged.contains("\"ix_two\""),
            "{merged}"
        );
        assert!(append_indexes("fn main() {}", &with(&["ix_two"])).is_none());
    }
}
