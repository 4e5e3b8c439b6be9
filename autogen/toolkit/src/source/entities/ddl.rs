//! The entity DDL as text: foreign keys deferred until every table exists,
//! and the schemas it names (for the scratch schema's search path).

/// `ddl` with the foreign keys of every `CREATE TABLE` taken out and added
/// after all tables exist. Entities with a foreign-key cycle (store.manager_id
/// -> staff, staff.store_id -> store) are created in some order, and a key to
/// a table not created yet would resolve through the search path to the
/// live table of that name: the scratch schema must only see itself.
pub fn defer_foreign_keys(ddl: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(ddl.len());
    let mut keys = Vec::new();
    for stmt in ddl {
        match split_foreign_keys(stmt) {
            Some((create, table, fks)) if !fks.is_empty() => {
                out.push(create);
                keys.extend(
                    fks.into_iter()
                        .map(|fk| format!("ALTER TABLE {table} ADD {fk}")),
                );
            }
            _ => out.push(stmt.clone()),
        }
    }
    out.extend(keys);
    out
}

/// A `CREATE TABLE name ( items )` statement without its foreign-key items,
/// the table as written, and those items. `None`: not such a statement.
fn split_foreign_keys(stmt: &str) -> Option<(String, String, Vec<String>)> {
    let rest = stmt.strip_prefix("CREATE TABLE ")?;
    let open = rest.find('(')?;
    let table = rest[..open]
        .trim()
        .trim_start_matches("IF NOT EXISTS ")
        .trim()
        .to_owned();
    // Top-level items between the outer parentheses (quotes and nesting skipped).
    let body_start = "CREATE TABLE ".len() + open + 1;
    let bytes: Vec<char> = stmt[body_start..].chars().collect();
    let (mut depth, mut quote, mut items, mut cur, mut end) =
        (0i32, None::<char>, Vec::new(), String::new(), None);
    for (i, &c) in bytes.iter().enumerate() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
                continue;
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
                continue;
            }
            None => {}
        }
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' if depth == 0 => {
                items.push(std::mem::take(&mut cur));
                end = Some(i);
                break;
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    let end = end?;
    let tail: String = bytes[end + 1..].iter().collect();
    let is_fk = |item: &str| {
        let t = item.trim_start();
        t.starts_with("FOREIGN KEY")
            || (t.starts_with("CONSTRAINT ") && t.contains(" FOREIGN KEY ("))
    };
    let (fks, kept): (Vec<String>, Vec<String>) = items.into_iter().partition(|i| is_fk(i));
    let fks: Vec<String> = fks.into_iter().map(|f| f.trim().to_owned()).collect();
    let create = format!("{}{}){}", &stmt[..body_start], kept.join(","), tail);
    Some((create, table, fks))
}

/// `"name".`, as SeaORM's PostgreSQL DDL qualifies a table of schema `name`.
pub(super) fn quoted_prefix(name: &str) -> String {
    format!("\"{}\".", name.replace('"', "\"\""))
}

/// The schemas that `CREATE TABLE "schema"."table"` statements name.
pub fn ddl_schemas(ddl: &[String]) -> std::collections::BTreeSet<String> {
    ddl.iter()
        .filter_map(|stmt| {
            let rest = stmt.strip_prefix("CREATE TABLE ")?;
            let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
            let (ident, after) = quoted_ident(rest)?;
            after.starts_with(".\"").then_some(ident)
        })
        .collect()
}

/// A leading `"ident"` (with `""` for a quote) and what follows it.
fn quoted_ident(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let mut ident = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if chars.peek().is_some_and(|(_, n)| *n == '"') {
                chars.next();
                ident.push('"');
                continue;
            }
            return Some((ident, &rest[i + 1..]));
        }
        ident.push(c);
    }
    None
}

#[cfg(test)]
mod deferred_keys {
    use super::*;

    #[test]
    fn foreign_keys_are_added_after_every_table_exists() {
        let ddl = vec![
            r#"CREATE TABLE "store" ( "store_id" serial NOT NULL PRIMARY KEY, "manager_id" integer, "name" varchar(45) CHECK ("name" <> ','), CONSTRAINT "fk-store-manager_id" FOREIGN KEY ("manager_id") REFERENCES "staff" ("staff_id") ON DELETE NO ACTION ON UPDATE NO ACTION )"#.to_owned(),
            r#"CREATE TABLE "staff" ( "staff_id" serial NOT NULL PRIMARY KEY, "store_id" integer NOT NULL, FOREIGN KEY ("store_id") REFERENCES "store" ("store_id") )"#.to_owned(),
            r#"CREATE INDEX "i" ON "staff" ("store_id")"#.to_owned(),
        ];
        let out = defer_foreign_keys(&ddl);
        assert_eq!(out.len(), 5, "{out:#?}");
        assert!(
            !out[0].contains("FOREIGN KEY") && out[0].contains(r#"CHECK ("name" <> ',')"#),
            "{}",
            out[0]
        );
        assert!(!out[1].contains("FOREIGN KEY"), "{}", out[1]);
        assert_eq!(out[2], ddl[2]);
        assert_eq!(
            out[3],
            r#"ALTER TABLE "store" ADD CONSTRAINT "fk-store-manager_id" FOREIGN KEY ("manager_id") REFERENCES "staff" ("staff_id") ON DELETE NO ACTION ON UPDATE NO ACTION"#
        );
        assert_eq!(
            out[4],
            r#"ALTER TABLE "staff" ADD FOREIGN KEY ("store_id") REFERENCES "store" ("store_id")"#
        );
    }
}
