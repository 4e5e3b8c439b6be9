//! Recorded statements as the dialect's parser (sqlparser) reads them.
//!
//! Two things the parser does not read are handled on its tokens first:
//! `DROP INDEX CONCURRENTLY` (the flag is kept, the keyword removed) and
//! PostgreSQL's `DO $$ ... $$` blocks, whose body is split into its SQL
//! statements (control flow such as `IF ... THEN` / `END IF` dropped,
//! `EXECUTE '...'` opened) and each parsed like a statement of its own.

use autogen_runtime::config::Backend;
use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// One statement the parser read.
#[derive(Clone, Debug)]
pub struct Unit {
    pub statement: Statement,
    /// `DROP INDEX CONCURRENTLY` (read without the keyword).
    pub concurrently: bool,
    /// The string literals of the statement (enum values used, ...).
    pub literals: Vec<String>,
}

/// The statements in one recorded statement: one, several for a `DO`
/// block, none when the parser cannot read it (then no rule fires on it).
pub fn parse(dialect: Backend, sql: &str) -> Vec<Unit> {
    let d: &dyn Dialect = match dialect {
        Backend::Postgres => &PostgreSqlDialect {},
        Backend::MySql => &MySqlDialect {},
        Backend::Sqlite => &SQLiteDialect {},
    };
    let Ok(tokens) = Tokenizer::new(d, sql).tokenize() else {
        return Vec::new();
    };
    let mut tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    if let [Token::Word(w), Token::DollarQuotedString(body), ..] = tokens.as_slice()
        && w.keyword == Keyword::DO
    {
        return do_body(dialect, &body.value);
    }
    let mut concurrently = false;
    if let [Token::Word(a), Token::Word(b), Token::Word(c), ..] = tokens.as_slice()
        && a.keyword == Keyword::DROP
        && b.keyword == Keyword::INDEX
        && c.keyword == Keyword::CONCURRENTLY
    {
        tokens.remove(2);
        concurrently = true;
    }
    let literals: Vec<String> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    match Parser::new(d).with_tokens(tokens).parse_statements() {
        Ok(statements) => statements
            .into_iter()
            .map(|statement| Unit {
                statement,
                concurrently,
                literals: literals.clone(),
            })
            .collect(),
        Err(e) => {
            tracing::debug!("lint: the {dialect} parser cannot read `{sql}`: {e}");
            Vec::new()
        }
    }
}

/// The SQL statements of a PL/pgSQL block body.
fn do_body(dialect: Backend, body: &str) -> Vec<Unit> {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, body).tokenize() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for piece in tokens.split(|t| *t == Token::SemiColon) {
        let mut words: &[Token] = piece;
        loop {
            words = trim_whitespace(words);
            let Some(Token::Word(w)) = words.first() else {
                break;
            };
            if w.quote_style.is_some() {
                break;
            }
            match w.value.to_ascii_uppercase().as_str() {
                // `BEGIN`, `ELSE`, `LOOP` open a block: what follows is a statement.
                "BEGIN" | "ELSE" | "LOOP" => words = &words[1..],
                // `IF cond THEN stmt`, `ELSIF cond THEN stmt`: the statement.
                "IF" | "ELSIF" | "ELSEIF" => {
                    match words
                        .iter()
                        .position(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::THEN))
                    {
                        Some(then) => words = &words[then + 1..],
                        None => {
                            words = &[];
                            break;
                        }
                    }
                }
                // `END [IF|LOOP]`, `RAISE`, `PERFORM`, `RETURN`, `NULL`: no DDL.
                "END" | "RAISE" | "PERFORM" | "RETURN" | "NULL" => {
                    words = &[];
                    break;
                }
                // `EXECUTE 'sql'` (or `$q$sql$q$`): the string is the statement.
                "EXECUTE" => {
                    match trim_whitespace(&words[1..]).first() {
                        Some(Token::SingleQuotedString(s)) => out.extend(parse(dialect, s)),
                        Some(Token::DollarQuotedString(s)) => out.extend(parse(dialect, &s.value)),
                        _ => {}
                    }
                    words = &[];
                    break;
                }
                _ => break,
            }
        }
        if words.is_empty() {
            continue;
        }
        let sql: String = words.iter().map(Token::to_string).collect();
        out.extend(parse(dialect, &sql));
    }
    out
}

fn trim_whitespace(mut tokens: &[Token]) -> &[Token] {
    while let Some(Token::Whitespace(_)) = tokens.first() {
        tokens = &tokens[1..];
    }
    tokens
}
