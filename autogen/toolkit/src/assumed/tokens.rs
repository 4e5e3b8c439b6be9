//! DDL text as tokens (identifiers folded as the backend folds them,
//! literals opaque), and the small cursor the tracking reads them with.

use sea_orm::DbBackend;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// An identifier, unquoted (and folded as the backend folds it) or quoted.
    Ident {
        name: String,
        quoted: bool,
    },
    /// A string literal or a dollar-quoted body: nothing to track inside.
    Literal,
    Punct(char),
}

pub(super) fn tokens(sql: &str, backend: DbBackend) -> Vec<Tok> {
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

pub(super) struct Parser<'a> {
    pub(super) t: &'a [Tok],
    pub(super) i: usize,
}

impl Parser<'_> {
    pub(super) fn peek_word(&self, word: &str) -> bool {
        matches!(self.t.get(self.i), Some(Tok::Ident { name, quoted: false }) if name.eq_ignore_ascii_case(word))
    }

    pub(super) fn word(&mut self, word: &str) -> bool {
        let found = self.peek_word(word);
        if found {
            self.i += 1;
        }
        found
    }

    pub(super) fn punct(&mut self, c: char) -> bool {
        let found = self.t.get(self.i) == Some(&Tok::Punct(c));
        if found {
            self.i += 1;
        }
        found
    }

    pub(super) fn if_not_exists(&mut self) {
        let at = self.i;
        if !(self.word("IF") && self.word("NOT") && self.word("EXISTS")) {
            self.i = at;
        }
    }

    pub(super) fn if_exists(&mut self) {
        let at = self.i;
        if !(self.word("IF") && self.word("EXISTS")) {
            self.i = at;
        }
    }

    /// A possibly schema-qualified name; the last part.
    pub(super) fn name(&mut self) -> Option<String> {
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
    pub(super) fn column_names(&mut self) -> Vec<String> {
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
    pub(super) fn skip_to_top_level_comma(&mut self) -> bool {
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
