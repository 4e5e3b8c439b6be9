//! The migration list in `lib.rs`: found between the markers or in the
//! `vec![...]` of `fn migrations()`, read, appended to, and the list of
//! squashed revisions set.

use super::{BEGIN, END, SQUASHED_BEGIN, SQUASHED_END};

/// The byte range of the migration list in `lib`: between the markers,
/// else inside the `vec![` ... `]` that `fn migrations()` returns.
pub(super) fn list_span(lib: &str) -> Option<(usize, usize)> {
    if lib.contains(BEGIN) || lib.contains(END) {
        // Markers: exactly one of each, in order (a missing, repeated or
        // swapped marker is an error, never a guess).
        return markers(lib, BEGIN, END);
    }
    let f = lib.find("fn migrations(")?;
    let start = f + lib[f..].find("vec![")? + "vec![".len();
    let mut depth = 0usize;
    for (i, c) in lib[start..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Some((start, start + i)),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The items of a list body (top-level, comma separated), line comments ignored.
pub(super) fn list_items(body: &str) -> Vec<String> {
    let code: String = body
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut items = Vec::new();
    let (mut depth, mut item) = (0i32, String::new());
    for c in code.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    items
        .into_iter()
        .map(|i| i.split_whitespace().collect::<String>())
        .filter(|i| !i.is_empty())
        .collect()
}

/// `lib` with `name` appended to the list: before the end marker, else
/// last in `vec![...]` (a one-line `vec![a]` becomes one item per line).
fn append_to_list(lib: &str, name: &str) -> Option<String> {
    let entry = format!("Box::new({name}::Migration),");
    if let Some(end) = lib.find(END) {
        let line_start = lib[..end].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let indent = &lib[line_start..end];
        return Some(format!(
            "{}{indent}{entry}\n{}",
            &lib[..line_start],
            &lib[line_start..]
        ));
    }
    let (start, end) = list_span(lib)?;
    let body = &lib[start..end];
    let vec_line = lib[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let outer: String = lib[vec_line..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if body.contains('\n') {
        // Multi-line: a new line before the closing bracket's line, after a comma.
        let close_line = lib[..end].rfind('\n').map(|i| i + 1)?;
        let last = lib[start..close_line].trim_end();
        let comma = if last.is_empty() || last.ends_with(',') || last.ends_with('[') {
            ""
        } else {
            ","
        };
        let insert_at = start + last.len();
        let indent = body
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
            .unwrap_or_else(|| format!("{outer}    "));
        return Some(format!(
            "{}{comma}{}{indent}{entry}\n{}",
            &lib[..insert_at],
            &lib[insert_at..close_line],
            &lib[close_line..]
        ));
    }
    let mut items = list_items(body);
    items.push(entry.trim_end_matches(',').to_owned());
    let lines: String = items.iter().map(|i| format!("{outer}    {i},\n")).collect();
    Some(format!("{}\n{lines}{outer}{}", &lib[..start], &lib[end..]))
}

/// The span between one `begin` and one `end` marker after it: a missing,
/// repeated or swapped marker is `None` (an error for the caller).
pub(super) fn markers(lib: &str, begin: &str, end: &str) -> Option<(usize, usize)> {
    let b = lib.find(begin)?;
    let e = lib.find(end)?;
    let once = lib.matches(begin).count() == 1 && lib.matches(end).count() == 1;
    (once && b < e).then_some((b, e))
}

/// `lib` with `name` declared as a module and appended to the list.
pub(super) fn register(lib: &str, name: &str) -> Option<String> {
    let mut out = append_to_list(lib, name)?;
    // Declare the module after the last `mod m...;` line (or before `pub struct Migrator`).
    let decl = format!("mod {name};\n");
    let pos = out
        .match_indices("\nmod m")
        .chain(out.match_indices("\npub mod m"))
        .map(|(i, _)| i)
        .max()
        .and_then(|i| out[i + 1..].find('\n').map(|j| i + 1 + j + 1))
        .or_else(|| out.find("pub struct Migrator"))?;
    out.insert_str(pos, &decl);
    Some(out)
}

/// After the old module lines are gone: at most one blank line in a row,
/// and one between the module declarations and what follows them.
pub(super) fn tidy_blank_lines(lib: &str) -> String {
    let mut out = String::with_capacity(lib.len());
    let mut blank = 0;
    let mut previous_was_mod = false;
    for line in lib.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            let is_mod = line.starts_with("mod m") || line.starts_with("pub mod m");
            if previous_was_mod && !is_mod && blank == 0 {
                out.push('\n');
            }
            previous_was_mod = is_mod;
            blank = 0;
        }
        if line.trim().is_empty() {
            previous_was_mod = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `lib` with the squashed list replaced by `squashed`.
pub(super) fn set_squashed(lib: &str, squashed: &[String]) -> Option<String> {
    let (begin, end) = markers(lib, SQUASHED_BEGIN, SQUASHED_END)?;
    let body_start = begin + lib[begin..].find('\n')? + 1;
    let end_line = lib[..end].rfind('\n')? + 1;
    if end_line < body_start {
        return None;
    }
    let indent = &lib[end_line..end];
    let body: String = squashed
        .iter()
        .map(|s| format!("{indent}\"{s}\",\n"))
        .collect();
    Some(format!("{}{body}{}", &lib[..body_start], &lib[end_line..]))
}
