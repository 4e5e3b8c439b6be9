//! What the data-loss gate asks the database about: the changes that lose
//! rows, or rewrite a table, only when the table holds rows. Pure: the
//! caller asks the database (one `LIMIT 1` query per entry) and refuses.

use std::collections::BTreeSet;

use super::{Change, Risk};
use crate::schema::{Schema, TableName, resolve};

/// One change that loses data, or rewrites a table, if `table` holds rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtRisk {
    /// "drop column product.search", "rebuild table store" (for the message).
    pub what: String,
    /// The live table to look into.
    pub table: TableName,
    /// Only rows where this column is not NULL count (a dropped or narrowed
    /// column that holds nothing loses nothing); `None`: any row.
    pub column: Option<String>,
}

/// The changes of `changes` (live → target) that need `--accept-data-loss`
/// when their table holds rows: dropped tables and columns, narrowed types,
/// enum values removed, and the tables `rebuilt` (SQLite copies a table to
/// change it: every row is rewritten).
pub fn at_risk(changes: &[Change], live: &Schema, rebuilt: &BTreeSet<String>) -> Vec<AtRisk> {
    let mut out = Vec::new();
    let name = |t: &str| resolve(t, live, live);
    for change in changes {
        match change {
            Change::DropTable { table } => out.push(AtRisk {
                what: format!("drop table {}", table.name),
                table: table.qualified(),
                column: None,
            }),
            Change::DropColumn { table, column } => out.push(AtRisk {
                what: format!("drop column {table}.{}", column.name),
                table: name(table),
                column: Some(column.name.clone()),
            }),
            Change::AlterColumn {
                table,
                from,
                to,
                changed,
            } if changed.ty && change.risk() == Risk::DataLoss => out.push(AtRisk {
                what: format!(
                    "narrow {table}.{} from {} to {}",
                    to.name,
                    from.ty.sql(),
                    to.ty.sql()
                ),
                table: name(table),
                column: Some(from.name.clone()),
            }),
            Change::AlterEnum {
                name: enum_name,
                usages,
                ..
            } if change.risk() == Risk::DataLoss => {
                for (table, column) in usages {
                    out.push(AtRisk {
                        what: format!("remove values of enum {enum_name} used by {table}.{column}"),
                        table: name(table),
                        column: Some(column.clone()),
                    });
                }
            }
            _ => {}
        }
    }
    for table in rebuilt {
        // A renamed table is rebuilt under its new name; its rows are the old one's.
        let live_name = changes
            .iter()
            .find_map(|c| match c {
                Change::RenameTable { from, to } if to == table => Some(from.as_str()),
                _ => None,
            })
            .unwrap_or(table);
        if live.tables.contains_key(live_name) {
            out.push(AtRisk {
                what: format!("rebuild table {table} (every row copied)"),
                table: name(live_name),
                column: None,
            });
        }
    }
    out
}

/// The one line that refuses: what would lose data and how to accept it.
pub fn refusal(found: &[&AtRisk]) -> String {
    let mut names: Vec<&str> = found.iter().map(|a| a.what.as_str()).collect();
    let more = names.len().saturating_sub(3);
    names.truncate(3);
    let mut list = names.join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    format!(
        "refusing to write a migration that would {list} on a table holding rows: review the changes, then pass --accept-data-loss (or set accept_data_loss = true in autogen.toml) to write it; nothing was written"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;
    use crate::schema::build::{col, schema, table};

    #[test]
    fn drops_and_narrowings_are_at_risk_widenings_are_not() {
        let live = schema(vec![table(
            "product",
            vec![
                col("title", ColumnType::String(Some(120)), false),
                col("note", ColumnType::Text, true),
            ],
        )]);
        let changes = vec![
            Change::DropColumn {
                table: "product".into(),
                column: col("note", ColumnType::Text, true),
            },
            Change::alter_column(
                "product",
                col("title", ColumnType::String(Some(120)), false),
                col("title", ColumnType::String(Some(20)), false),
            ),
            Change::alter_column(
                "product",
                col("title", ColumnType::String(Some(120)), false),
                col("title", ColumnType::Text, false),
            ),
        ];
        let found = at_risk(&changes, &live, &BTreeSet::new());
        let what: Vec<&str> = found.iter().map(|a| a.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "drop column product.note",
                "narrow product.title from varchar(120) to varchar(20)"
            ]
        );
        assert_eq!(found[0].column.as_deref(), Some("note"));
        let line = refusal(&found.iter().collect::<Vec<_>>());
        assert!(
            line.contains("--accept-data-loss")
                && line.contains("drop column product.note")
                && !line.contains('\n'),
            "{line}"
        );
    }

    #[test]
    fn a_sqlite_rebuild_of_an_existing_table_is_at_risk() {
        let live = schema(vec![table("store", vec![])]);
        let rebuilt: BTreeSet<String> = ["store".to_owned(), "fresh".to_owned()].into();
        let found = at_risk(&[], &live, &rebuilt);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].table.name, "store");
        assert!(found[0].what.starts_with("rebuild table store"));
    }
}
