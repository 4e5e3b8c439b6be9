//! What a change says to the people reviewing it: the one-line description
//! (Alembic's "Detected ..." lines) and the warning written above risky steps.

use super::{Change, Risk};
use crate::schema::Column;

impl Change {
    /// The warning to print and to write above the statement, if any.
    pub fn warning(&self) -> Option<String> {
        use Change::*;
        let text = match self {
            DropTable { table } => format!("drops table {} and all its rows", table.name),
            DropColumn { table, column } => {
                format!("drops column {table}.{} and its data", column.name)
            }
            DropEnum { name, .. } => format!("drops enum type {name}"),
            DropSchema { name } => {
                format!("drops schema {name}: fails if objects autogen does not manage live in it")
            }
            AlterEnum {
                name,
                from,
                to,
                usages,
            } => {
                let removed: Vec<&str> = from
                    .iter()
                    .filter(|v| !to.contains(v))
                    .map(String::as_str)
                    .collect();
                if removed.is_empty() {
                    if self.risk() != Risk::Heavy {
                        return None;
                    }
                    return Some(format!(
                        "reorders the values of enum {name}: the type is swapped and every column using it is rewritten under an exclusive lock ({})",
                        usage_list(usages)
                    ));
                }
                format!(
                    "removes value(s) {} from enum {name}: rows holding them make this migration fail; map them first (UPDATE ... SET col = '<other>')",
                    removed.join(", ")
                )
            }
            AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.ty && inline_enums(&from.ty, &to.ty).is_some() => {
                let (old, new) = inline_enums(&from.ty, &to.ty).unwrap_or_default();
                let removed: Vec<&str> = old
                    .iter()
                    .filter(|v| !new.contains(v))
                    .map(String::as_str)
                    .collect();
                if removed.is_empty() {
                    format!(
                        "changes the values of the enum column {table}.{} to {}: rows keep their values; MySQL rewrites the table unless values are only appended",
                        to.name,
                        new.join(", ")
                    )
                } else {
                    format!(
                        "removes value(s) {} from the enum column {table}.{}: rows holding them make this migration fail; map them first (UPDATE ... SET {} = '<other>')",
                        removed.join(", "),
                        to.name,
                        to.name
                    )
                }
            }
            AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.ty && self.risk() == Risk::DataLoss => {
                format!(
                    "narrows {table}.{} from {} to {}: longer values make this fail or are cut",
                    to.name,
                    from.ty.sql(),
                    to.ty.sql()
                )
            }
            AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.ty && self.risk() == Risk::MayFail => {
                format!(
                    "changes the type of {table}.{} from {} to {}: values that do not convert make this fail",
                    to.name,
                    from.ty.sql(),
                    to.ty.sql()
                )
            }
            // A domain to its base type: no rewrite, nothing can fail.
            AlterColumn { changed, .. } if changed.ty && self.risk() == Risk::Safe => return None,
            AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.ty => format!(
                "changes the type of {table}.{} from {} to {}: rewrites the table under an exclusive lock",
                to.name,
                from.ty.sql(),
                to.ty.sql()
            ),
            AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.nullable && from.nullable => {
                format!(
                    "makes {table}.{} NOT NULL: fails if any row holds NULL",
                    to.name
                )
            }
            AddColumn { table, column } if self.risk() == Risk::MayFail => format!(
                "adds NOT NULL column {table}.{} without a default: fill existing rows (see the UPDATE below) or the migration fails on a populated table",
                column.name
            ),
            DropIndex { table, index } if index.unique => format!(
                "drops the unique {} {} on {table}({}): the database stops enforcing uniqueness",
                if index.constraint {
                    "constraint"
                } else {
                    "index"
                },
                index.name,
                index.columns.join(", ")
            ),
            AddIndex { table, index } if index.unique => format!(
                "adds a unique index on {table}({}): fails if duplicates exist",
                index.columns.join(", ")
            ),
            AddForeignKey { table, foreign_key } => format!(
                "adds a foreign key {table}({}) -> {}: fails if rows reference missing keys",
                foreign_key.columns.join(", "),
                foreign_key.ref_table
            ),
            AlterPrimaryKey { table, .. } => {
                format!("changes the primary key of {table}: fails on duplicates or NULLs")
            }
            _ => return None,
        };
        Some(text)
    }

    /// Alembic-style one-line description: "added column 'runbooks.new_field'".
    pub fn describe(&self) -> String {
        use Change::*;
        match self {
            CreateSchema { name } => format!("added schema '{name}'"),
            DropSchema { name } => format!("removed schema '{name}'"),
            CreateEnum { name, values } => format!("added enum '{name}' ({})", values.join(", ")),
            DropEnum { name, .. } => format!("removed enum '{name}'"),
            AlterEnum { name, from, to, .. } => {
                let added: Vec<&str> = to
                    .iter()
                    .filter(|v| !from.contains(v))
                    .map(String::as_str)
                    .collect();
                let removed: Vec<&str> = from
                    .iter()
                    .filter(|v| !to.contains(v))
                    .map(String::as_str)
                    .collect();
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("added value(s) {}", added.join(", ")));
                }
                if !removed.is_empty() {
                    parts.push(format!("removed value(s) {}", removed.join(", ")));
                }
                if parts.is_empty() {
                    parts.push("reordered values".into());
                }
                format!("changed enum '{name}': {}", parts.join("; "))
            }
            CreateTable { table } => format!("added table '{}'", table.name),
            DropTable { table } => format!("removed table '{}'", table.name),
            RenameTable { from, to } => format!("renamed table '{from}' to '{to}'"),
            AddColumn { table, column } => format!("added column '{table}.{}'", column.name),
            DropColumn { table, column } => format!("removed column '{table}.{}'", column.name),
            RenameColumn { table, from, to } => {
                format!("renamed column '{table}.{from}' to '{to}'")
            }
            AlterColumn {
                table,
                from,
                to,
                changed,
            } => {
                let mut what = Vec::new();
                if changed.ty {
                    what.push(format!("type {} -> {}", from.ty.sql(), to.ty.sql()));
                }
                if changed.nullable {
                    what.push(if to.nullable {
                        "now nullable".into()
                    } else {
                        "now NOT NULL".to_string()
                    });
                }
                if changed.default {
                    what.push(format!(
                        "default {} -> {}",
                        default_text(from),
                        default_text(to)
                    ));
                }
                if changed.auto_increment {
                    what.push(match (from.auto_increment, to.auto_increment) {
                        (false, _) => "now auto-increment".to_owned(),
                        (_, false) => "no longer auto-increment".to_owned(),
                        _ => format!(
                            "auto-increment {} -> {}",
                            from.sequence.label(),
                            to.sequence.label()
                        ),
                    });
                }
                if changed.comment {
                    what.push(format!(
                        "comment {} -> {}",
                        quoted_or_none(from.comment.as_deref()),
                        quoted_or_none(to.comment.as_deref())
                    ));
                }
                format!("changed column '{table}.{}': {}", to.name, what.join(", "))
            }
            AlterPrimaryKey { table, from, to } => {
                format!(
                    "changed primary key of '{table}': ({}) -> ({})",
                    from.join(", "),
                    to.join(", ")
                )
            }
            AlterTableComment { table, from, to } => format!(
                "changed comment of table '{table}': {} -> {}",
                quoted_or_none(from.as_deref()),
                quoted_or_none(to.as_deref())
            ),
            AddIndex { table, index } => format!(
                "added {}index '{}' on '{table}' ({})",
                if index.unique { "unique " } else { "" },
                index.name,
                index.columns.join(", ")
            ),
            DropIndex { table, index } => format!(
                "removed {}index '{}' on '{table}' ({})",
                if index.unique { "unique " } else { "" },
                index.name,
                index.columns.join(", ")
            ),
            AddForeignKey {
                table,
                foreign_key: fk,
            } => format!(
                "added foreign key on '{table}' ({}) -> '{}' ({})",
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", ")
            ),
            DropForeignKey {
                table,
                foreign_key: fk,
            } => format!(
                "removed foreign key on '{table}' ({}) -> '{}' ({})",
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", ")
            ),
        }
    }
}

fn usage_list(usages: &[(String, String)]) -> String {
    if usages.is_empty() {
        return "no column uses it yet".into();
    }
    usages
        .iter()
        .map(|(t, c)| format!("{t}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted_or_none(text: Option<&str>) -> String {
    text.map_or_else(|| "none".to_owned(), |t| format!("{t:?}"))
}

/// The values of both sides when a column moves between MySQL inline enums.
fn inline_enums(
    from: &crate::schema::ColumnType,
    to: &crate::schema::ColumnType,
) -> Option<(Vec<String>, Vec<String>)> {
    use crate::schema::{ColumnType, enum_values};
    match (from, to) {
        (ColumnType::Custom(a), ColumnType::Custom(b)) => Some((enum_values(a)?, enum_values(b)?)),
        _ => None,
    }
}

/// A column's default as a message names it, MySQL's `ON UPDATE` included.
fn default_text(column: &Column) -> String {
    match (&column.default, &column.attrs.on_update) {
        (d, Some(on_update)) => format!("{} ON UPDATE {on_update}", d.as_deref().unwrap_or("NULL")),
        (Some(d), None) => d.clone(),
        (None, None) => "none".to_owned(),
    }
}
