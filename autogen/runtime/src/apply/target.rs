//! Revision targets as users write them (`head`, `base`, `+N`, a prefix) and
//! the migrations an upgrade or downgrade to one runs. Pure: no database.

use crate::{RuntimeError, Status};

/// A revision target as users write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Head,
    Base,
    /// `+N` (upgrade) or `-N` (downgrade).
    Relative(i64),
    Revision(String),
}

impl Target {
    pub fn parse(s: &str) -> Self {
        match s {
            "head" | "heads" => Self::Head,
            "base" => Self::Base,
            _ => match s.parse::<i64>() {
                Ok(n) if s.starts_with('+') || s.starts_with('-') => Self::Relative(n),
                _ => Self::Revision(s.to_owned()),
            },
        }
    }
}

/// Find a revision by its full name or a unique prefix (as Alembic does).
pub fn resolve<'a>(status: &'a Status, rev: &str) -> Result<&'a str, RuntimeError> {
    if let Some(exact) = status.known.iter().find(|k| *k == rev) {
        return Ok(exact);
    }
    let matches: Vec<&String> = status.known.iter().filter(|k| k.starts_with(rev)).collect();
    match matches.as_slice() {
        [one] if !rev.is_empty() => Ok(one),
        [_, _, ..] if !rev.is_empty() => Err(RuntimeError::AmbiguousRevision {
            prefix: rev.to_owned(),
            matches: matches
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        _ => Err(RuntimeError::UnknownRevision(rev.to_owned())),
    }
}

pub(super) fn position(status: &Status, name: &str) -> usize {
    status.known.iter().position(|k| k == name).unwrap_or(0)
}

/// The revisions `upgrade <target>` applies, in order.
pub fn plan_upgrade(status: &Status, target: Option<&Target>) -> Result<Vec<String>, RuntimeError> {
    let pending: Vec<String> = status.pending().into_iter().map(str::to_owned).collect();
    match target.unwrap_or(&Target::Head) {
        Target::Head => Ok(pending),
        Target::Base => Err(RuntimeError::TargetBehind {
            target: "base".into(),
            current: status.current().unwrap_or("base").into(),
        }),
        Target::Relative(n) if *n >= 0 => Ok(pending.into_iter().take(*n as usize).collect()),
        Target::Relative(n) => Err(RuntimeError::TargetBehind {
            target: n.to_string(),
            current: status.current().unwrap_or("base").into(),
        }),
        Target::Revision(rev) => {
            let rev = resolve(status, rev)?;
            let idx = position(status, rev);
            let current = status.current();
            if status.is_applied(rev) && current.is_some_and(|c| position(status, c) > idx) {
                return Err(RuntimeError::TargetBehind {
                    target: rev.into(),
                    current: current.unwrap_or("base").into(),
                });
            }
            Ok(pending
                .into_iter()
                .filter(|p| position(status, p) <= idx)
                .collect())
        }
    }
}

/// The revisions `downgrade <target>` rolls back, newest first.
pub fn plan_downgrade(status: &Status, target: &Target) -> Result<Vec<String>, RuntimeError> {
    let applied: Vec<String> = status
        .known
        .iter()
        .filter(|k| status.is_applied(k))
        .rev()
        .cloned()
        .collect();
    match target {
        Target::Base => Ok(applied),
        Target::Relative(n) if *n <= 0 => Ok(applied
            .into_iter()
            .take(n.unsigned_abs() as usize)
            .collect()),
        Target::Head | Target::Relative(_) => Err(RuntimeError::TargetAhead {
            target: "head".into(),
            current: status.current().unwrap_or("base").into(),
        }),
        Target::Revision(rev) => {
            let rev = resolve(status, rev)?;
            if !status.is_applied(rev) {
                return Err(RuntimeError::TargetAhead {
                    target: rev.into(),
                    current: status.current().unwrap_or("base").into(),
                });
            }
            let idx = position(status, rev);
            Ok(applied
                .into_iter()
                .filter(|a| position(status, a) > idx)
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(known: &[&str]) -> Status {
        Status {
            known: known.iter().map(|k| (*k).to_owned()).collect(),
            applied: Vec::new(),
            squashed: Vec::new(),
        }
    }

    #[test]
    fn a_prefix_resolves_when_unique_and_names_its_matches_when_not() {
        let s = status(&["m20260101_a", "m20260102_b", "m20270101_c"]);
        assert_eq!(resolve(&s, "m2027").ok(), Some("m20270101_c"));
        assert_eq!(resolve(&s, "m20260102_b").ok(), Some("m20260102_b"));
        let e = resolve(&s, "m2026").unwrap_err().to_string();
        assert_eq!(
            e,
            "revision prefix `m2026` is ambiguous: it matches m20260101_a, m20260102_b; give more of the name"
        );
        let e = resolve(&s, "x").unwrap_err().to_string();
        assert!(e.starts_with("unknown revision `x`"), "{e}");
        assert!(resolve(&s, "").is_err());
    }
}
