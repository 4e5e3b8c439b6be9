//! A plan as migrations: enum values added first where PostgreSQL needs
//! them committed before use, then the transactional rest, then (online)
//! what would block writes, in its online forms.

use super::*;

/// What one migration of a plan is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// Enum values added by the plan (PostgreSQL), committed before anything
    /// uses them: `ALTER TYPE .. ADD VALUE` and the first use of the value
    /// cannot share a transaction.
    EnumValues,
    /// Everything else, in one transaction.
    Main,
    /// Online mode: what would block writes, in the forms that do not,
    /// outside a transaction (each statement idempotent).
    Online,
}

impl PartKind {
    /// Whether the part runs in a transaction of its own.
    pub fn transactional(self) -> bool {
        self != PartKind::Online
    }

    /// What is added to the message (and the file name) when a plan has
    /// more than one part.
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            PartKind::EnumValues => Some("enum values"),
            PartKind::Main => None,
            PartKind::Online => Some("online"),
        }
    }

    /// Why the part is a migration of its own (a header paragraph).
    pub fn note(self) -> Option<&'static str> {
        match self {
            PartKind::EnumValues => Some(
                "Adds enum values in a migration of its own: PostgreSQL refuses to use a value in the transaction that added it (\"unsafe use of new value\"), so the next migration, which may use it, runs after this one commits.",
            ),
            PartKind::Main => None,
            PartKind::Online => Some(
                "Online: runs outside a transaction so that no statement blocks writes for long (indexes built CONCURRENTLY, constraints added NOT VALID then validated); every step is idempotent, so a failed run is finished by running it again.",
            ),
        }
    }
}

/// One migration of a plan: its changes and steps both ways.
#[derive(Clone, Debug)]
pub struct PlannedPart {
    pub kind: PartKind,
    pub changes: Vec<Change>,
    pub up: Vec<Step>,
    pub down: Vec<Step>,
}

/// The migrations that take `live` to `target` by `changes`, in the order
/// they run: enum values first (PostgreSQL, when something else changes
/// too), then the transactional rest, then (`online`) what would block
/// writes, in its online forms. Usually one.
pub fn parts(
    changes: &[Change],
    live: &Schema,
    target: &Schema,
    backend: Backend,
    online: Option<&OnlineOptions>,
) -> Vec<PlannedPart> {
    let ordered = prepared(changes, live, backend);
    if backend != Backend::Postgres {
        let (up, down) = both_ways(&ordered, live, target, backend, false);
        return vec![PlannedPart {
            kind: PartKind::Main,
            changes: ordered,
            up,
            down,
        }];
    }
    let (values, rest): (Vec<Change>, Vec<Change>) = ordered
        .into_iter()
        .partition(|c| matches!(c, Change::AlterEnum { from, to, .. } if additions_only(from, to)));
    let (main, concurrent) = match online {
        Some(_) => online::split(&rest),
        None => (rest, Vec::new()),
    };
    let mut out = Vec::new();
    let mut mid = live.clone();
    let rest_empty = main.is_empty() && concurrent.is_empty();
    if values.is_empty() || rest_empty {
        // Only values added: nothing in the migration uses them.
        let mut main_all = values;
        main_all.extend(main);
        return finish(out, main_all, concurrent, &mid, target, online);
    }
    for c in &values {
        if let Change::AlterEnum { name, to, .. } = c {
            mid.enums.insert(name.clone(), to.clone());
        }
    }
    let (mut up, mut down) = both_ways(&values, live, &mid, backend, false);
    if let Some(options) = online {
        for steps in [&mut up, &mut down] {
            steps.splice(0..0, online::timeouts(options, true));
        }
    }
    out.push(PlannedPart {
        kind: PartKind::EnumValues,
        changes: values,
        up,
        down,
    });
    finish(out, main, concurrent, &mid, target, online)
}

fn finish(
    mut out: Vec<PlannedPart>,
    main: Vec<Change>,
    concurrent: Vec<Change>,
    live: &Schema,
    target: &Schema,
    online: Option<&OnlineOptions>,
) -> Vec<PlannedPart> {
    let backend = Backend::Postgres;
    if !main.is_empty() || concurrent.is_empty() {
        let (mut up, mut down) = both_ways(&main, live, target, backend, false);
        up.extend(online::backfill_notes(&main, &concurrent));
        if let Some(options) = online {
            for steps in [&mut up, &mut down] {
                let mut first = online::timeouts(options, true);
                first.append(steps);
                *steps = first;
            }
            let warnings = main.iter().filter_map(online::long_lock);
            let warnings: Vec<Step> = warnings
                .map(|why| Step::Comment(format!("WARNING (online): {why}")))
                .collect();
            up.splice(0..0, warnings);
        }
        out.push(PlannedPart {
            kind: PartKind::Main,
            changes: main,
            up,
            down,
        });
    }
    if let Some(options) = online.filter(|_| !concurrent.is_empty()) {
        let (mut up, mut down) = both_ways(&concurrent, live, target, backend, true);
        for steps in [&mut up, &mut down] {
            let mut all = online::timeouts(options, false);
            all.append(steps);
            all.push(online::reset());
            *steps = all;
        }
        out.push(PlannedPart {
            kind: PartKind::Online,
            changes: concurrent,
            up,
            down,
        });
    }
    out
}
