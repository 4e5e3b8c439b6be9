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
/// enum values removed, the default of a NOT NULL column dropped (the
/// application's inserts fail), and the tables `rebuilt` (SQLite copies a
/// table to change it) that have objects the rebuild would not make again.
pub fn at_risk(changes: &[Change], live: &Schema, rebuilt: &BTreeSet<String>) -> Vec<AtRisk> {
    let mut out = Vec::new();
    let name = |t: &str| resolve(t, live, live);
    let with = |change: &Change| {
        let taken = taken_with(change, live);
        if taken.is_empty() {
            String::new()
        } else {
            format!(" (and with it {})", taken.join(", "))
        }
    };
    for change in changes {
        match change {
            Change::DropTable { table } => out.push(AtRisk {
                what: format!("drop table {}{}", table.name, with(change)),
                table: table.qualified(),
                column: None,
            }),
            Change::DropColumn { table, column } => out.push(AtRisk {
                what: format!("drop column {table}.{}{}", column.name, with(change)),
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
            // Not rows lost, but every writer that leaves the column out
            // starts failing (sea-orm-cli writes no defaults at all).
            Change::AlterColumn {
                table, from, to, ..
            } if from.default.is_some()
                && to.default.is_none()
                && !to.nullable
                && !to.auto_increment =>
            {
                out.push(AtRisk {
                    what: format!(
                        "drop the default of NOT NULL column {table}.{} (inserts that leave it out fail)",
                        to.name
                    ),
                    table: name(table),
                    column: None,
                })
            }
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
        // Every row is copied and every declared column, index and key is
        // made again: only what the rebuild cannot make again is at risk
        // (a trigger, an undeclared index or CHECK, a view that reads it).
        let Some(live_table) = live.tables.get(live_name) else {
            continue;
        };
        let taken = taken_with(
            &Change::DropTable {
                table: live_table.clone(),
            },
            live,
        );
        if !taken.is_empty() {
            out.push(AtRisk {
                what: format!(
                    "rebuild table {table} (every row copied, and with it {})",
                    taken.join(", ")
                ),
                table: name(live_name),
                column: None,
            });
        }
    }
    out
}

/// The unmanaged objects (`live.unmanaged`: indexes, triggers, views, ...)
/// and sequences that `change` would take with it: a dropped table takes
/// what is on it or reads it, a dropped column what names it. Found by name
/// in their definitions, so a mention in a string counts too (reported,
/// never hidden).
pub fn taken_with(change: &Change, live: &Schema) -> Vec<String> {
    let (table, column) = match change {
        Change::DropTable { table } => (table.name.as_str(), None),
        Change::DropColumn { table, column } => (table.as_str(), Some(column)),
        _ => return Vec::new(),
    };
    let bare = table.rsplit('.').next().unwrap_or(table);
    let mut out: Vec<String> = live
        .unmanaged
        .iter()
        .filter(|item| {
            let def = item.definition.as_deref().unwrap_or_default();
            let on_table = item
                .table
                .as_deref()
                .is_some_and(|on| on == table || on == bare);
            let mentions_table = has_word(def, bare);
            match column {
                None => on_table || mentions_table,
                Some(c) => (on_table || mentions_table) && has_word(def, &c.name),
            }
        })
        .map(|item| item.head())
        .collect();
    if let Some(c) = column
        && c.auto_increment
        && c.sequence == crate::schema::Sequence::Serial
    {
        out.push(format!(
            "sequence {bare}_{}_seq (owned by the column)",
            c.name
        ));
    }
    out
}

fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(word))
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
    use crate::schema::build::{col, schema, table};
    use crate::schema::{Column, ColumnType, Unmanaged, UnmanagedKind};

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
        let mut changes = changes;
        changes.push(Change::alter_column(
            "product",
            Column {
                default: Some("now()".into()),
                ..col("made", ColumnType::Timestamp, false)
            },
            col("made", ColumnType::Timestamp, false),
        ));
        let found = at_risk(&changes, &live, &BTreeSet::new());
        let what: Vec<&str> = found.iter().map(|a| a.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "drop column product.note",
                "narrow product.title from varchar(120) to varchar(20)",
                "drop the default of NOT NULL column product.made (inserts that leave it out fail)"
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
    fn a_dropped_column_names_what_it_takes_with_it() {
        let mut live = schema(vec![table(
            "product",
            vec![col("search", ColumnType::Custom("tsvector".into()), true)],
        )]);
        live.unmanaged = vec![
            Unmanaged::new(UnmanagedKind::Index, "idx_product_search", Some("product")).defined_as("CREATE INDEX idx_product_search ON public.product USING gist (search)"),
            Unmanaged::new(UnmanagedKind::Trigger, "product_search_update", Some("product")).defined_as("CREATE TRIGGER product_search_update BEFORE INSERT ON public.product FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger('search', 'pg_catalog.english', 'title')"),
            Unmanaged::new(UnmanagedKind::View, "product_stock", None).defined_as("SELECT p.product_id, p.title FROM product p"),
            Unmanaged::new(UnmanagedKind::Index, "idx_other", Some("other")).defined_as("CREATE INDEX idx_other ON other (search)"),
        ];
        let drop = Change::DropColumn {
            table: "product".into(),
            column: col("search", ColumnType::Custom("tsvector".into()), true),
        };
        assert_eq!(
            taken_with(&drop, &live),
            [
                "index idx_product_search on product",
                "trigger product_search_update on product"
            ]
        );
        let found = at_risk(&[drop], &live, &BTreeSet::new());
        assert!(
            found[0].what.contains("trigger product_search_update"),
            "{found:?}"
        );
        let drop_table = Change::DropTable {
            table: live.tables["product"].clone(),
        };
        assert!(taken_with(&drop_table, &live).contains(&"view product_stock".to_owned()));
    }

    #[test]
    fn a_sqlite_rebuild_is_at_risk_only_where_it_takes_an_unmanaged_object_with_it() {
        let mut live = schema(vec![table("store", vec![]), table("plain", vec![])]);
        live.unmanaged = vec![
            Unmanaged::new(UnmanagedKind::Trigger, "store_touch", Some("store"))
                .defined_as("CREATE TRIGGER store_touch AFTER UPDATE ON store BEGIN SELECT 1; END"),
        ];
        let rebuilt: BTreeSet<String> =
            ["store".to_owned(), "plain".to_owned(), "fresh".to_owned()].into();
        let found = at_risk(&[], &live, &rebuilt);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].table.name, "store");
        assert!(
            found[0].what.starts_with("rebuild table store")
                && found[0].what.contains("trigger store_touch"),
            "{found:?}"
        );
    }
}
