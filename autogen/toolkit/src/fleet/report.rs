//! What a fleet run did, per target and in sum: the table people read and
//! the JSON scripts read. Pure data and text; the CLI prints it.

use std::time::Duration;

use serde::Serialize;

use super::runner::Stop;

/// Where a target ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// At head (`upgrade`, `current`), in sync (`check`), rolled back (`downgrade`).
    Ok,
    /// `current`: migrations pending.
    Behind,
    /// `check`: the database differs from the entities.
    Drift,
    /// The work failed: see the error.
    Failed,
    /// Not started (stopped or interrupted).
    NotRun,
}

impl State {
    fn label(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Behind => "behind",
            State::Drift => "DRIFT",
            State::Failed => "FAILED",
            State::NotRun => "not run",
        }
    }
}

/// One target's line.
#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    pub name: String,
    /// The URL without its password.
    pub url: String,
    pub backend: crate::config::Backend,
    pub status: State,
    /// The revision before the run (`None`: nothing applied, or unknown).
    pub before: Option<String>,
    /// The revision after it.
    pub after: Option<String>,
    /// Migrations applied (or rolled back) by this run.
    pub applied: Vec<String>,
    /// `upgrade`/`downgrade`: whether the target's run was one transaction,
    /// all or nothing (`None`: nothing to run, or not such a command). When
    /// not, a failure keeps the migrations before it and the error says so.
    pub atomic: Option<bool>,
    pub at_head: Option<bool>,
    pub millis: Option<u128>,
    /// Why it failed, on one line.
    pub error: Option<String>,
    /// `check`: the differences, one line each; `current`: the pending revisions.
    pub details: Vec<String>,
}

impl TargetReport {
    /// A target the run did not start.
    pub fn not_run(name: &str, url: String, backend: crate::config::Backend, why: Stop) -> Self {
        Self {
            name: name.to_owned(),
            url,
            backend,
            status: State::NotRun,
            before: None,
            after: None,
            applied: Vec::new(),
            atomic: None,
            at_head: None,
            millis: None,
            error: None,
            details: vec![why.describe().to_owned()],
        }
    }
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `upgrade`, `check`, `current` or `downgrade`.
    pub command: &'static str,
    pub targets: Vec<TargetReport>,
    pub total: usize,
    pub ok: usize,
    pub failed: usize,
    pub not_run: usize,
    /// `current`: behind head; `check`: drifted.
    pub differ: usize,
    /// Why targets were not run, if any were left out.
    pub stopped: Option<Stop>,
    pub millis: u128,
}

impl Report {
    pub fn new(
        command: &'static str,
        targets: Vec<TargetReport>,
        stopped: Option<Stop>,
        elapsed: Duration,
    ) -> Self {
        let count = |s: State| targets.iter().filter(|t| t.status == s).count();
        Self {
            command,
            total: targets.len(),
            ok: count(State::Ok),
            failed: count(State::Failed),
            not_run: count(State::NotRun),
            differ: count(State::Behind) + count(State::Drift),
            targets,
            stopped,
            millis: elapsed.as_millis(),
        }
    }

    /// Names of the targets in `state`.
    pub fn named(&self, state: State) -> Vec<&str> {
        self.targets
            .iter()
            .filter(|t| t.status == state)
            .map(|t| t.name.as_str())
            .collect()
    }

    /// The table: one line per target (name, state, revision before →
    /// after, time, error or note), then a summary line.
    pub fn table(&self) -> String {
        let rev = |r: &Option<String>| r.clone().unwrap_or_else(|| "<base>".to_owned());
        let rows: Vec<[String; 5]> = self
            .targets
            .iter()
            .map(|t| {
                let revisions = match (t.status, &t.before, &t.after) {
                    (State::NotRun, _, _) => String::new(),
                    (_, before, after) if before == after => rev(after),
                    (_, before, after) => format!("{} → {}", rev(before), rev(after)),
                };
                let time = t.millis.map(human_ms).unwrap_or_default();
                let note = match (&t.error, t.details.as_slice()) {
                    (Some(e), _) => e.clone(),
                    (None, []) => String::new(),
                    (None, [one]) => one.clone(),
                    (None, [first, rest @ ..]) => format!("{first} (+{} more)", rest.len()),
                };
                [
                    t.name.clone(),
                    t.status.label().to_owned(),
                    revisions,
                    time,
                    note,
                ]
            })
            .collect();
        let header = ["TARGET", "STATUS", "REVISION", "TIME", ""].map(str::to_owned);
        let mut widths = [0usize; 4];
        for row in std::iter::once(&header).chain(&rows) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i < 4 {
                    line.push_str(&pad(cell, widths[i]));
                    line.push_str("  ");
                } else {
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// One line: how many ended how, naming the failed ones.
    pub fn summary(&self) -> String {
        let ok = match self.command {
            "check" => "in sync",
            "downgrade" => "rolled back",
            _ => "at head",
        };
        let mut parts = vec![format!("{} {ok}", self.ok)];
        if self.differ > 0 {
            let what = if self.command == "check" {
                "drifted"
            } else {
                "behind head"
            };
            let names = self
                .named(State::Drift)
                .into_iter()
                .chain(self.named(State::Behind))
                .collect::<Vec<_>>();
            parts.push(format!("{} {what} ({})", self.differ, names.join(", ")));
        }
        if self.failed > 0 {
            parts.push(format!(
                "{} failed ({})",
                self.failed,
                self.named(State::Failed).join(", ")
            ));
        }
        if self.not_run > 0 {
            parts.push(format!("{} not run", self.not_run));
        }
        format!(
            "{} target(s): {} in {}",
            self.total,
            parts.join(", "),
            human_ms(self.millis)
        )
    }
}

fn pad(cell: &str, width: usize) -> String {
    let n = cell.chars().count();
    format!("{cell}{}", " ".repeat(width.saturating_sub(n)))
}

fn human_ms(ms: u128) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Backend;

    fn target(
        name: &str,
        status: State,
        before: Option<&str>,
        after: Option<&str>,
    ) -> TargetReport {
        TargetReport {
            name: name.into(),
            url: format!("postgres://u:***@h/{name}"),
            backend: Backend::Postgres,
            status,
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
            applied: Vec::new(),
            atomic: None,
            at_head: Some(status == State::Ok),
            millis: Some(1500),
            error: (status == State::Failed).then(|| "migration m2 failed: column exists".into()),
            details: Vec::new(),
        }
    }

    #[test]
    fn the_table_has_a_line_per_target_and_names_the_failed_ones() {
        let report = Report::new(
            "upgrade",
            vec![
                target("t1", State::Ok, None, Some("m2")),
                target("t2", State::Failed, Some("m1"), Some("m1")),
                TargetReport::not_run(
                    "t3",
                    "sqlite://t3.db".into(),
                    Backend::Sqlite,
                    Stop::Failure,
                ),
            ],
            Some(Stop::Failure),
            Duration::from_millis(2500),
        );
        let table = report.table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(
            lines[1].starts_with("t1")
                && lines[1].contains("<base> → m2")
                && lines[1].contains("1.5 s"),
            "{table}"
        );
        assert!(
            lines[2].contains("FAILED") && lines[2].contains("column exists"),
            "{table}"
        );
        assert!(
            lines[3].contains("not run") && lines[3].contains("stopped at the first failure"),
            "{table}"
        );
        assert_eq!(
            lines[4],
            "3 target(s): 1 at head, 1 failed (t2), 1 not run in 2.5 s"
        );
    }
}
