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

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An identifier, unquoted (and folded as the backend folds it) or quoted.
    Ident {
        name: String,
        quoted: bool,
    },
    /// A string literal or a dollar-quoted body: nothing to track inside.
    Literal,
    Punct(char),
}

fn tokens(sql: &str, backend: DbBackend) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' || c == '`' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        text.push(c);
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(if c == '\'' {
                Tok::Literal
            } else {
                Tok::Ident {
                    name: text,
                    quoted: true,
                }
            });
        } else if c == '$' {
            // A dollar-quoted body ($$...$$ or $tag$...$tag$): skipped whole.
            let tag_end = chars[i + 1..]
                .iter()
                .position(|c| !(c.is_alphanumeric() || *c == '_'))
                .map(|n| i + 1 + n);
            match tag_end.filter(|e| chars[*e] == '$') {
                Some(end) => {
                    let tag: String = chars[i..=end].iter().collect();
                    let rest: String = chars[end + 1..].iter().collect();
                    let skip = rest
                        .find(&tag)
                        .map(|n| rest[..n].chars().count() + tag.chars().count())
                        .unwrap_or(rest.chars().count());
                    i = end + 1 + skip;
                    out.push(Tok::Literal);
                }
                None => {
                    out.push(Tok::Punct('$'));
                    i += 1;
                }
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Tok::Ident {
                name: if backend == DbBackend::Postgres {
                    word.to_lowercase()
                } else {
                    word
                },
                quoted: false,
            });
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

struct Parser<'a> {
    t: &'a [Tok],
    i: usize,
}

impl Parser<'_> {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.t.get(self.i), Some(Tok::Ident { name, quoted: false }) if name.eq_ignore_ascii_case(word))
    }

    fn word(&mut self, word: &str) -> bool {
        let found = self.peek_word(word);
        if found {
            self.i += 1;
        }
        found
    }

    fn punct(&mut self, c: char) -> bool {
        let found = self.t.get(self.i) == Some(&Tok::Punct(c));
        if found {
            self.i += 1;
        }
        found
    }

    fn if_not_exists(&mut self) {
        let at = self.i;
        if !(self.word("IF") && self.word("NOT") && self.word("EXISTS")) {
            self.i = at;
        }
    }

    fn if_exists(&mut self) {
        let at = self.i;
        if !(self.word("IF") && self.word("EXISTS")) {
            self.i = at;
        }
    }

    /// A possibly schema-qualified name; the last part.
    fn name(&mut self) -> Option<String> {
        let mut last = None;
        while let Some(Tok::Ident { name, .. }) = self.t.get(self.i) {
            last = Some(name.clone());
            self.i += 1;
            if !self.punct('.') {
                break;
            }
        }
        last
    }

    /// The column names of a `CREATE TABLE` body (table constraints skipped).
    fn column_names(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.punct('(') {
            return out;
        }
        let mut depth = 1;
        let mut item_start = true;
        while let Some(tok) = self.t.get(self.i) {
            self.i += 1;
            match tok {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Tok::Punct(',') if depth == 1 => {
                    item_start = true;
                    continue;
                }
                Tok::Ident { name, quoted } if item_start && depth == 1 => {
                    let constraint = !quoted
                        && [
                            "CONSTRAINT",
                            "PRIMARY",
                            "FOREIGN",
                            "UNIQUE",
                            "CHECK",
                            "EXCLUDE",
                            "LIKE",
                        ]
                        .iter()
                        .any(|w| name.eq_ignore_ascii_case(w));
                    if !constraint {
                        out.push(name.clone());
                    }
                }
                _ => {}
            }
            item_start = false;
        }
        out
    }

    /// Past the next comma outside parentheses; false at the end.
    fn skip_to_top_level_comma(&mut self) -> bool {
        let mut depth = 0;
        while let Some(tok) = self.t.get(self.i) {
            self.i += 1;
            match tok {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => depth -= 1,
                Tok::Punct(',') if depth <= 0 => return true,
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(backend: DbBackend, sqls: &[&str]) -> Assumed {
        let mut a = Assumed::empty("test");
        for sql in sqls {
            a.track(sql, backend);
        }
        a
    }

    fn pairs(v: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn tables_columns_and_indexes_follow_the_ddl() {
        let a = tracked(
            DbBackend::Postgres,
            &[
                r#"CREATE TABLE IF NOT EXISTS "public"."t" ( "id" integer NOT NULL PRIMARY KEY, "a""b" varchar(10) DEFAULT 'x,(y', CONSTRAINT "fk" FOREIGN KEY ("id") REFERENCES "u" ("id") )"#,
                r#"CREATE UNIQUE INDEX "t_a" ON "t" ("a""b")"#,
                r#"ALTER TABLE "t" ADD COLUMN "c" text, ADD CONSTRAINT "u1" UNIQUE ("c"), DROP COLUMN "id""#,
                r#"ALTER TABLE "t" RENAME COLUMN "c" TO "d""#,
                "create table Plain (X int); drop table plain",
                r#"ALTER TABLE "t" RENAME TO "t2""#,
            ],
        );
        assert_eq!(a.tables, ["t2".to_owned()].into());
        assert_eq!(a.columns, pairs(&[("t2", "a\"b"), ("t2", "d")]));
        assert_eq!(a.indexes, pairs(&[("t2", "t_a")]));
        let a = tracked(
            DbBackend::Sqlite,
            &[
                r#"CREATE TABLE "t" ("id" integer)"#,
                r#"CREATE INDEX "i" ON "t" ("id")"#,
                r#"DROP INDEX IF EXISTS "i""#,
                "CREATE FUNCTION f() RETURNS int AS $$ CREATE TABLE x (y int) $$ LANGUAGE sql",
            ],
        );
        assert_eq!(a.tables, ["t".to_owned()].into());
        assert!(a.indexes.is_empty());
    }

    #[test]
    fn the_questions_of_schema_manager_are_answered() {
        use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
        use sea_schema::probe::SchemaProbe;
        let a = tracked(
            DbBackend::Postgres,
            &[
                r#"CREATE TABLE "t" ("id" integer)"#,
                r#"CREATE INDEX "i" ON "t" ("id")"#,
            ],
        );
        let pg = |s: sea_orm::sea_query::SelectStatement| {
            let (sql, values) = s.build(PostgresQueryBuilder);
            Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
        };
        let ask = |s| a.answer(&s).map(|x| (x.question, x.answer));
        let probe = sea_schema::postgres::Postgres;
        assert_eq!(
            ask(pg(probe.has_table("t"))),
            Some(("has_table(\"t\")".into(), true))
        );
        assert_eq!(ask(pg(probe.has_table("u"))).map(|x| x.1), Some(false));
        assert_eq!(
            ask(pg(probe.has_column("t", "id"))).map(|x| x.1),
            Some(true)
        );
        assert_eq!(
            ask(pg(probe.has_column("t", "x"))).map(|x| x.1),
            Some(false)
        );
        assert_eq!(ask(pg(probe.has_index("t", "i"))).map(|x| x.1), Some(true));
        let sqlite = |s: sea_orm::sea_query::SelectStatement| {
            let (sql, values) = s.build(SqliteQueryBuilder);
            Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
        };
        let probe = sea_schema::sqlite::Sqlite;
        assert_eq!(ask(sqlite(probe.has_table("t"))).map(|x| x.1), Some(true));
        assert_eq!(
            ask(sqlite(probe.has_column("t", "id"))).map(|x| x.1),
            Some(true)
        );
        assert_eq!(
            ask(sqlite(probe.has_index("t", "i"))).map(|x| x.1),
            Some(true)
        );
        assert_eq!(
            ask(Statement::from_string(DbBackend::Sqlite, "SELECT 1")),
            None
        );
    }
}
