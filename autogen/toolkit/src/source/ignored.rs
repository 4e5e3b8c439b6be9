//! Fields the entities mark `#[sea_orm(ignore)]`: columns the database has
//! and the entity deliberately leaves out (sea-orm-cli writes `ignore` for
//! every type it cannot map). SeaORM keeps no trace of them at run time (an
//! ignored field is not a `Column`), so they are read from the entity
//! sources: only the attribute and the `table_name`, nothing else is parsed.
//! The comparison keeps them as unmanaged, never dropped.

use std::path::Path;

/// `table.column` (or `schema.table.column`) of every ignored field in the
/// entity sources under `root` (skipping `target/` and hidden directories).
pub fn ignored_columns(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(root, 0, &mut out);
    out.sort();
    out.dedup();
    out
}

/// The ignored fields of the entities registered under `prefixes`
/// (`"entity::*"`, `"app::models::*"`): the sources of that crate's module,
/// found from the workspace at `root`. A prefix whose crate is not found
/// there has the whole workspace read instead (a field kept by mistake is
/// reported; one dropped by mistake would lose data).
pub fn ignored_for(root: &Path, prefixes: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in prefixes {
        let mut path: Vec<&str> = prefix
            .trim()
            .trim_end_matches('*')
            .trim_end_matches("::")
            .split("::")
            .filter(|s| !s.is_empty())
            .collect();
        if path.is_empty() {
            continue;
        }
        let krate = path.remove(0);
        match crate_dir(root, krate, 0) {
            Some(dir) => {
                let mut src = dir.join("src");
                for segment in &path {
                    if src.join(segment).is_dir() {
                        src = src.join(segment);
                    } else {
                        break;
                    }
                }
                walk(&src, 0, &mut out);
            }
            None => walk(root, 0, &mut out),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The directory of the crate named `name` (package or library name,
/// `-` and `_` alike) under `dir`.
fn crate_dir(dir: &Path, name: &str, depth: usize) -> Option<std::path::PathBuf> {
    if depth > 4 {
        return None;
    }
    let norm = |s: &str| s.replace('-', "_");
    if let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml"))
        && let Ok(doc) = text.parse::<toml::Table>()
    {
        let named = |section: &str| {
            doc.get(section)
                .and_then(|s| s.get("name"))
                .and_then(|n| n.as_str())
                .is_some_and(|n| norm(n) == norm(name))
        };
        if named("package") || named("lib") {
            return Some(dir.to_path_buf());
        }
    }
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if entry.file_type().is_ok_and(|t| t.is_dir())
            && !file_name.starts_with('.')
            && file_name != "target"
            && file_name != "node_modules"
            && let Some(found) = crate_dir(&entry.path(), name, depth + 1)
        {
            return Some(found);
        }
    }
    None
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<String>) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, depth + 1, out);
            }
        } else if kind.is_file()
            && name.ends_with(".rs")
            && entry.metadata().is_ok_and(|m| m.len() < 1 << 20)
            && let Ok(text) = std::fs::read_to_string(&path)
            && text.contains("sea_orm")
            && text.contains("ignore")
        {
            out.extend(in_source(&text));
        }
    }
}

/// The ignored columns one entity file declares.
pub fn in_source(text: &str) -> Vec<String> {
    let Some(table) = attr_string(text, "table_name") else {
        return Vec::new();
    };
    let table = match attr_string(text, "schema_name") {
        Some(schema) => format!("{schema}.{table}"),
        None => table,
    };
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[sea_orm(") {
        let after = &rest[at + "#[sea_orm(".len()..];
        let Some(end) = attr_end(after) else {
            break;
        };
        let attr = &after[..end];
        rest = &after[end..];
        if !has_word(attr, "ignore") {
            continue;
        }
        // The field the attribute is on: the next `name:` after further attributes.
        let Some(field) = next_field(rest) else {
            continue;
        };
        let column = attr_string(attr, "column_name").unwrap_or(field);
        out.push(format!("{table}.{column}"));
    }
    out
}

/// Where the parenthesis open before `text` closes (strings skipped): the
/// end of an attribute, or of a call's arguments.
pub(crate) fn attr_end(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn has_word(attr: &str, word: &str) -> bool {
    // Outside strings only: `column_type = "custom(\"ignore\")"` is no marker.
    let mut plain = String::new();
    let mut in_str = false;
    let mut escaped = false;
    for c in attr.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            c if !in_str => plain.push(c),
            _ => {}
        }
    }
    plain
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// The value of `key = "value"` in `text`.
fn attr_string(text: &str, key: &str) -> Option<String> {
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = rest[at + key.len()..].trim_start();
        rest = &rest[at + key.len()..];
        if !before_ok {
            continue;
        }
        if let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start().strip_prefix('"')?;
            return value.split('"').next().map(str::to_owned);
        }
    }
    None
}

/// The next field name (`pub name: Type` or `name: Type`), past attributes.
fn next_field(text: &str) -> Option<String> {
    let mut rest = text.trim_start_matches(')').trim_start_matches(']');
    loop {
        rest = rest.trim_start();
        if let Some(attr) = rest.strip_prefix("#[") {
            let end = attr_end_bracket(attr)?;
            rest = &attr[end + 1..];
            continue;
        }
        if rest.starts_with("//") {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        break;
    }
    let rest = rest.strip_prefix("pub ").unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix("r#").unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let after = rest[name.len()..].trim_start();
    (!name.is_empty() && after.starts_with(':')).then_some(name)
}

fn attr_end_bracket(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    let mut in_str = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sea_orm_cli_ignored_fields_are_found() {
        let text = r#"
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub product_id: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(
        ignore,
        column_type = "custom(\"tsvector\")",
        select_as = "text",
        nullable
    )]
    pub search: Option<String>,
    #[sea_orm(ignore)]
    #[serde(skip)]
    pub last_update: Option<String>,
    #[sea_orm(column_name = "type", ignore)]
    pub r#type: String,
    #[sea_orm(column_type = "custom(\"ignore\")")]
    pub odd: String,
}
"#;
        assert_eq!(
            in_source(text),
            ["product.search", "product.last_update", "product.type"]
        );
    }

    #[test]
    fn the_registry_prefix_names_the_crate_and_module_to_read() {
        let root = std::env::temp_dir().join(format!("autogen-ignored-{}", std::process::id()));
        let models = root.join("db/entity/src/shop");
        std::fs::create_dir_all(&models).expect("dirs");
        std::fs::write(
            root.join("db/entity/Cargo.toml"),
            "[package]\nname = \"my-entity\"\n",
        )
        .expect("write");
        let file = "#[sea_orm(table_name = \"cake\")]\npub struct Model {\n #[sea_orm(ignore)]\n pub note: String,\n}";
        std::fs::write(models.join("cake.rs"), file).expect("write");
        std::fs::write(
            root.join("db/entity/src/other.rs"),
            file.replace("cake", "pie"),
        )
        .expect("write");
        let found = ignored_for(&root, &["my_entity::shop::*".to_owned()]);
        let all = ignored_for(&root, &["my_entity::*".to_owned()]);
        std::fs::remove_dir_all(&root).ok();
        assert_eq!(found, ["cake.note"]);
        assert_eq!(all, ["cake.note", "pie.note"]);
    }

    #[test]
    fn a_schema_name_qualifies_the_table() {
        let text = "#[sea_orm(schema_name = \"ops\", table_name = \"jobs\")]\npub struct Model {\n #[sea_orm(ignore)]\n pub blob: String,\n}";
        assert_eq!(in_source(text), ["ops.jobs.blob"]);
    }
}
