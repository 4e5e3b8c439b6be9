//! The schema an offline script assumes, so that `SchemaManager`'s
//! existence questions (`has_table`, `has_column`, `has_index`) get an
//! answer instead of an error: the live catalog when the database can be
//! reached, an empty one otherwise, kept up to date with the DDL the script
//! itself records before the question is asked.
//!
//! The tracking reads the statements as text (sea-query's output and simple
//! hand-written DDL); indexes a constraint creates implicitly (a primary
//! key's `t_pkey`) are not tracked. Every answer is marked in the script.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};

mod tokens;

use tokens::{Parser, Tok, tokens};

/// Tables, columns and indexes as `(table, name)` pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assumed {
    /// What the answers rest on, for the script's comments.
    pub source: String,
    tables: BTreeSet<String>,
    columns: BTreeSet<(String, String)>,
    indexes: BTreeSet<(String, String)>,
}

/// One existence question and the answer given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub question: String,
    pub answer: bool,
}

impl Assumed {
    pub fn empty(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            ..Self::default()
        }
    }

    /// The catalog of the live database, read with the same catalogs
    /// `SchemaManager` asks (PostgreSQL: the current schema).
    pub async fn read(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let backend = db.get_database_backend();
        let (tables, columns, indexes) = match backend {
            DbBackend::Postgres => (
                "SELECT table_name::text, '' FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
                "SELECT tablename::text, indexname::text FROM pg_indexes WHERE schemaname = current_schema()",
            ),
            DbBackend::Sqlite => (
                "SELECT name, '' FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'",
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type IN ('table', 'view')",
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'",
            ),
            _ => (
                "SELECT CAST(table_name AS CHAR), '' FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
                "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE()",
                "SELECT DISTINCT CAST(table_name AS CHAR), CAST(index_name AS CHAR) FROM information_schema.statistics WHERE table_schema = DATABASE()",
            ),
        };
        let pairs = async |sql: &str| -> Result<BTreeSet<(String, String)>, DbErr> {
            let rows = db
                .query_all_raw(Statement::from_string(backend, sql))
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
                .collect()
        };
        Ok(Self {
            source: "the live database".into(),
            tables: pairs(tables).await?.into_iter().map(|(t, _)| t).collect(),
            columns: pairs(columns).await?,
            indexes: pairs(indexes).await?,
        })
    }

    /// The answer to `stmt` when it is one of `SchemaManager`'s existence
    /// questions (recognised by the column they name their answer).
    pub fn answer(&self, stmt: &Statement) -> Option<Answer> {
        let names: Vec<String> = stmt
            .values
            .iter()
            .flat_map(|v| v.0.iter())
            .filter_map(|v| match v {
                Value::String(Some(s)) => Some(s.to_string()),
                _ => None,
            })
            .collect();
        let last = |n: usize| names.get(names.len().checked_sub(n)?).cloned();
        let pair = || Some((last(2)?, last(1)?));
        if stmt.sql.contains("AS \"has_table\"") {
            let table = last(1)?;
            Some(Answer {
                answer: self.tables.contains(&table),
                question: format!("has_table({table:?})"),
            })
        } else if stmt.sql.contains("AS \"has_column\"") {
            let (table, column) = pair()?;
            Some(Answer {
                question: format!("has_column({table:?}, {column:?})"),
                answer: self.columns.contains(&(table, column)),
            })
        } else if stmt.sql.contains("AS \"has_index\"") {
            let (table, index) = pair()?;
            Some(Answer {
                question: format!("has_index({table:?}, {index:?})"),
                answer: self.indexes.contains(&(table, index)),
            })
        } else {
            None
        }
    }

    /// Follow what `sql` (one or more statements) does to tables, columns
    /// and indexes.
    pub fn track(&mut self, sql: &str, backend: DbBackend) {
        let tokens = tokens(sql, backend);
        for statement in tokens.split(|t| *t == Tok::Punct(';')) {
            self.track_one(statement);
        }
    }

    fn track_one(&mut self, t: &[Tok]) {
        let mut p = Parser { t, i: 0 };
        if p.word("CREATE") {
            p.word("UNIQUE");
            let _ = p.word("TEMP") || p.word("TEMPORARY");
            if p.word("TABLE") {
                p.if_not_exists();
                if let Some(table) = p.name() {
                    self.tables.insert(table.clone());
                    for column in p.column_names() {
                        self.columns.insert((table.clone(), column));
                    }
                }
            } else if p.word("INDEX") {
                p.word("CONCURRENTLY");
                p.if_not_exists();
                if let Some(index) = p.name()
                    && p.word("ON")
                {
                    p.word("ONLY");
                    if let Some(table) = p.name() {
                        self.indexes.insert((table, index));
                    }
                }
            }
        } else if p.word("DROP") {
            if p.word("TABLE") {
                p.if_exists();
                while let Some(table) = p.name() {
                    self.drop_table(&table);
                    if !p.punct(',') {
                        break;
                    }
                }
            } else if p.word("INDEX") {
                p.word("CONCURRENTLY");
                p.if_exists();
                while let Some(index) = p.name() {
                    self.indexes.retain(|(_, i)| *i != index);
                    if !p.punct(',') {
                        break;
                    }
                }
            }
        } else if p.word("ALTER") {
            if p.word("TABLE") {
                p.if_exists();
                p.word("ONLY");
                if let Some(table) = p.name() {
                    self.alter_table(table, &mut p);
                }
            } else if p.word("INDEX") {
                p.if_exists();
                if let Some(old) = p.name()
                    && p.word("RENAME")
                    && p.word("TO")
                    && let Some(new) = p.name()
                {
                    self.indexes = std::mem::take(&mut self.indexes)
                        .into_iter()
                        .map(|(t, i)| if i == old { (t, new.clone()) } else { (t, i) })
                        .collect();
                }
            }
        }
    }

    fn alter_table(&mut self, mut table: String, p: &mut Parser<'_>) {
        loop {
            if p.word("RENAME") {
                if p.word("TO") {
                    if let Some(new) = p.name() {
                        self.rename_table(&table, &new);
                        table = new;
                    }
                } else {
                    p.word("COLUMN");
                    if let Some(old) = p.name()
                        && p.word("TO")
                        && let Some(new) = p.name()
                        && self.columns.remove(&(table.clone(), old))
                    {
                        self.columns.insert((table.clone(), new));
                    }
                }
            } else if p.word("ADD") {
                let constraint = [
                    "CONSTRAINT",
                    "PRIMARY",
                    "FOREIGN",
                    "UNIQUE",
                    "CHECK",
                    "EXCLUDE",
                ]
                .iter()
                .any(|w| p.peek_word(w));
                if !constraint {
                    p.word("COLUMN");
                    p.if_not_exists();
                    if let Some(column) = p.name() {
                        self.columns.insert((table.clone(), column));
                    }
                }
            } else if p.word("DROP") && !p.peek_word("CONSTRAINT") {
                p.word("COLUMN");
                p.if_exists();
                if let Some(column) = p.name() {
                    self.columns.remove(&(table.clone(), column));
                }
            }
            if !p.skip_to_top_level_comma() {
                break;
            }
        }
    }

    fn drop_table(&mut self, table: &str) {
        self.tables.remove(table);
        self.columns.retain(|(t, _)| t != table);
        self.indexes.retain(|(t, _)| t != table);
    }

    fn rename_table(&mut self, old: &str, new: &str) {
        if self.tables.remove(old) {
            self.tables.insert(new.to_owned());
        }
        let rename = |set: &mut BTreeSet<(String, String)>| {
            *set = std::mem::take(set)
                .into_iter()
                .map(|(t, n)| {
                    if t == old {
                        (new.to_owned(), n)
                    } else {
                        (t, n)
                    }
                })
                .collect();
        };
        rename(&mut self.columns);
        rename(&mut self.indexes);
    }
}

#[cfg(test)]
mod tests;
