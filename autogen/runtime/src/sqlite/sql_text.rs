//! SQL text as SQLite stores it (`sqlite_master.sql`), read without a
//! parser: its bare keywords, and the CHECK constraints of a CREATE TABLE.

/// The bare words of an SQL text in upper case with their byte offsets,
/// skipping string literals, quoted identifiers and comments, so that a
/// column named "autoincrement" or a default 'CHECK' is not a keyword.
pub fn sql_keywords(sql: &str) -> Vec<(String, usize)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == close {
                        // A doubled quote escapes itself.
                        if close != b']' && bytes.get(i + 1) == Some(&close) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push((sql[start..i].to_ascii_uppercase(), start));
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether `sql` holds `keyword` (upper case) outside quotes and comments.
pub fn has_keyword(sql: &str, keyword: &str) -> bool {
    sql_keywords(sql).iter().any(|(w, _)| w == keyword)
}

/// The expressions of the CHECK constraints of a `CREATE TABLE` statement,
/// column and table constraints alike (a column's CHECK may name only that
/// column, so it means the same as a table constraint).
pub fn check_constraints(create_table: &str) -> Vec<String> {
    sql_keywords(create_table)
        .into_iter()
        .filter(|(w, _)| w == "CHECK")
        .filter_map(|(_, at)| parenthesized(&create_table[at + "CHECK".len()..]))
        .collect()
}

/// The text inside the first balanced `( ... )` of `s`, quotes respected.
fn parenthesized(s: &str) -> Option<String> {
    let open = s.find('(')?;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(s[open + 1..open + i].trim().to_owned());
                }
            }
            _ => {}
        }
    }
    None
}
