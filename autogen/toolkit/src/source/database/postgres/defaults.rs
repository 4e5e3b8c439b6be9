//! Defaults as PostgreSQL stores them (`pg_get_expr`), in one canonical
//! spelling, so that two spellings of the same default are never a change.

/// One spelling for defaults that PostgreSQL stores differently but that
/// mean the same: `now()`, `transaction_timestamp()` and `CURRENT_TIMESTAMP`
/// are one function; a literal's cast to the column's type (or to any
/// string type) does not change the value it inserts: `'0'::integer` is
/// `0`, `('x'::text)::character varying` is `'x'::character varying`.
pub fn canonical_default(expr: &str) -> String {
    let mut e = expr.trim();
    while let Some(inner) = e.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        e = inner.trim();
    }
    match e.to_ascii_lowercase().as_str() {
        "now()" | "transaction_timestamp()" | "current_timestamp" => {
            return "CURRENT_TIMESTAMP".into();
        }
        _ => {}
    }
    // A quoted literal with one or more casts: keep the literal, drop casts
    // to string types, and unquote numbers (PostgreSQL stores `-1` as `'-1'::integer`).
    if let Some((literal, casts)) = split_literal(e) {
        let string_casts = casts
            .iter()
            .all(|c| matches!(*c, "text" | "character varying" | "bpchar" | "character"));
        let number = literal
            .trim_matches('\'')
            .parse::<f64>()
            .is_ok_and(f64::is_finite)
            && casts.iter().all(|c| {
                matches!(
                    *c,
                    "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision"
                )
            });
        if number && !casts.is_empty() {
            return literal.trim_matches('\'').to_owned();
        }
        if string_casts {
            return format!("{literal}::text");
        }
        if casts.len() > 1 {
            let last = casts[casts.len() - 1];
            // `('now'::text)::date` converts at every insert; `'now'::date`
            // is folded to one date when the default is stored. Text made a
            // date or time at run time is kept as it is.
            if time_type(last) && casts[..casts.len() - 1].iter().any(|c| string_type(c)) {
                return e.to_owned();
            }
            return format!("{literal}::{last}");
        }
    }
    e.to_owned()
}

fn string_type(t: &str) -> bool {
    matches!(t, "text" | "character varying" | "bpchar" | "character")
}

/// Types whose input function reads the clock (`'now'`, `'today'`).
fn time_type(t: &str) -> bool {
    t == "date" || t.starts_with("timestamp") || t.starts_with("time")
}

/// Parentheses in `s` close in order (so `(a) || (b)` is not unwrapped).
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `'lit'::a::b` (parentheses allowed around inner parts) → (`'lit'`, [a, b]).
fn split_literal(e: &str) -> Option<(&str, Vec<&str>)> {
    let flat = e.trim_start_matches('(');
    let rest = flat.strip_prefix('\'')?;
    let mut end = None;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                continue;
            }
            end = Some(i);
            break;
        }
    }
    let end = end?;
    let literal = &flat[..end + 2];
    let mut casts = Vec::new();
    for part in flat[end + 2..].split("::").skip(1) {
        let cast = part.trim().trim_end_matches(')').trim();
        if cast.is_empty() || cast.contains(['(', '\'', ' ']) && !is_spaced_type(cast) {
            return None;
        }
        casts.push(cast);
    }
    // Anything between the literal and the first cast other than `)` is an expression.
    let between = flat[end + 2..].split("::").next().unwrap_or_default();
    if !between.chars().all(|c| c == ')' || c.is_whitespace()) {
        return None;
    }
    Some((literal, casts))
}

fn is_spaced_type(t: &str) -> bool {
    matches!(
        t,
        "character varying"
            | "double precision"
            | "timestamp without time zone"
            | "timestamp with time zone"
            | "time without time zone"
            | "time with time zone"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_default_spellings_are_one() {
        for (a, b) in [
            ("now()", "CURRENT_TIMESTAMP"),
            ("transaction_timestamp()", "CURRENT_TIMESTAMP"),
            ("'0'::integer", "0"),
            ("'-1'::integer", "-1"),
            ("'x'::text", "'x'::character varying"),
            ("('x'::text)::character varying", "'x'::character varying"),
            ("'it''s'::text", "'it''s'::character varying"),
            ("'1.50'::numeric", "1.50"),
        ] {
            assert_eq!(canonical_default(a), canonical_default(b), "{a} vs {b}");
        }
        for (a, b) in [
            ("'x'::text", "'y'::text"),
            ("clock_timestamp()", "CURRENT_TIMESTAMP"),
            ("'pending'::run_status", "'pending'::text"),
            ("('a'::text || 'b'::text)", "'a'::text"),
            ("0", "1"),
            // Evaluated at each insert, against a date fixed when stored.
            ("('now'::text)::date", "'now'::date"),
            (
                "('today'::text)::timestamp without time zone",
                "'today'::timestamp without time zone",
            ),
        ] {
            assert_ne!(canonical_default(a), canonical_default(b), "{a} vs {b}");
        }
    }
}
