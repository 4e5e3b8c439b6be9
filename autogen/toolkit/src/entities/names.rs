//! Names from the database made into Rust identifiers: module and field
//! names in snake case, types and variants in CamelCase, keywords raw
//! (`r#type`), odd characters replaced, collisions numbered. The original
//! name always travels as a string (`table_name`, `column_name`), so the
//! identifier only has to be valid and unique.

use std::collections::BTreeSet;

/// Words that cannot be identifiers even as raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust's strict and reserved keywords (2024 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// `name` in snake case, made of `[a-z0-9_]` and starting with a letter or `_`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let trimmed = out.trim_matches('_').to_owned();
    let mut out = if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed
    };
    // `x_`, not `_`: SeaORM makes CamelCase variants of field names, and
    // `_2fa` would give `2fa`.
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "x_");
    }
    out
}

/// `name` in CamelCase, made of `[A-Za-z0-9]`, starting with a letter.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    for part in snake(name).split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    out
}

/// `ident` as it can be written in Rust source: raw when a keyword.
pub fn escape(ident: &str) -> String {
    if KEYWORDS.contains(&ident) {
        format!("r#{ident}")
    } else {
        ident.to_owned()
    }
}

/// Hands out identifiers unique within one scope (`taken` holds the
/// reserved ones): `base`, else `base_2`, `base_3`, ...
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A fresh identifier from `base` (already snake or camel case); never a
    /// word that cannot be raw.
    pub fn claim(&mut self, base: &str) -> String {
        let base = if NOT_RAW.contains(&base) {
            format!("{base}_")
        } else {
            base.to_owned()
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// Like [`Scope::claim`], for CamelCase names (numbered without `_`).
    pub fn claim_camel(&mut self, base: &str) -> String {
        let base = if base == "Self" {
            "SelfX".to_owned()
        } else {
            base.to_owned()
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_become_identifiers() {
        for (name, snake_case, camel_case) in [
            ("store", "store", "Store"),
            ("first_name", "first_name", "FirstName"),
            ("FirstName", "first_name", "FirstName"),
            ("order items", "order_items", "OrderItems"),
            ("2fa-codes", "x_2fa_codes", "X2faCodes"),
            ("ümlaut", "mlaut", "Mlaut"),
            ("\"; drop table x; --", "drop_table_x", "DropTableX"),
            ("___", "x", "X"),
        ] {
            assert_eq!(snake(name), snake_case, "{name}");
            assert_eq!(camel(name), camel_case, "{name}");
        }
    }

    #[test]
    fn keywords_are_raw_and_collisions_numbered() {
        assert_eq!(escape("type"), "r#type");
        assert_eq!(escape("kind"), "kind");
        let mut scope = Scope::with_reserved(&["prelude"]);
        assert_eq!(scope.claim("prelude"), "prelude_2");
        assert_eq!(scope.claim("self"), "self_");
        assert_eq!(scope.claim("a"), "a");
        assert_eq!(scope.claim("a"), "a_2");
        let mut camel_scope = Scope::default();
        assert_eq!(camel_scope.claim_camel("Staff"), "Staff");
        assert_eq!(camel_scope.claim_camel("Staff"), "Staff2");
    }
}
