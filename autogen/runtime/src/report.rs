//! Progress of long work (a SQLite table rebuild, a squash, a run over many
//! databases), told to one process-wide [`Reporter`] that the binary
//! installs: the `autogen` command line draws a bar on a terminal, prints
//! plain lines when it is not one and nothing with `--quiet`; without one
//! (the app), progress is logged at info through `tracing`.
//!
//! Code doing the work only calls [`task`]; it never knows where the
//! progress goes. Migrations call it too (the SQLite rebuild runs inside a
//! migration), which is why the reporter is global rather than passed down.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Where progress goes: one sink per task.
pub trait Reporter: Send + Sync {
    /// A task starts: `title` names it ("rebuilding runbooks"), `total` is
    /// the number of units (rows, migrations, databases) when known.
    fn start(&self, title: &str, total: Option<u64>) -> Box<dyn Sink>;
}

/// One task's progress, as a [`Reporter`] shows it.
pub trait Sink: Send + Sync {
    /// A phase of the work begins ("copying rows").
    fn step(&self, message: &str);
    /// `done` units of the total are done.
    fn position(&self, done: u64);
    /// The task ended: `message` says how ("rebuilt runbooks"), or is empty
    /// when it failed (the error is reported elsewhere).
    fn finish(&self, message: &str, elapsed: Duration);
}

static REPORTER: RwLock<Option<Arc<dyn Reporter>>> = RwLock::new(None);

/// Install the process's reporter (the binary does, once, at start).
pub fn set_reporter(reporter: Arc<dyn Reporter>) {
    let mut slot = REPORTER.write().unwrap_or_else(|e| e.into_inner());
    *slot = Some(reporter);
}

/// Start a task on the installed reporter (or the log, when none is).
pub fn task(title: &str, total: Option<u64>) -> Task {
    let reporter = REPORTER
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_else(|| Arc::new(LogReporter));
    Task {
        sink: reporter.start(title, total),
        started: Instant::now(),
        finished: false,
    }
}

/// A task under way; dropped without [`Task::finish`] (an error), it ends
/// silently so that a bar does not stay on the screen.
pub struct Task {
    sink: Box<dyn Sink>,
    started: Instant,
    finished: bool,
}

impl Task {
    pub fn step(&self, message: &str) {
        self.sink.step(message);
    }

    pub fn position(&self, done: u64) {
        self.sink.position(done);
    }

    pub fn finish(mut self, message: &str) {
        self.finished = true;
        self.sink.finish(message, self.started.elapsed());
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if !self.finished {
            self.sink.finish("", self.started.elapsed());
        }
    }
}

/// Progress as `tracing` info lines (the default: the app's log).
pub struct LogReporter;

impl Reporter for LogReporter {
    fn start(&self, title: &str, _total: Option<u64>) -> Box<dyn Sink> {
        tracing::info!("{title}...");
        Box::new(LogSink(title.to_owned()))
    }
}

struct LogSink(String);

impl Sink for LogSink {
    fn step(&self, message: &str) {
        tracing::info!("{}: {message}", self.0);
    }

    fn position(&self, _done: u64) {}

    fn finish(&self, message: &str, elapsed: Duration) {
        if !message.is_empty() {
            tracing::info!("{message} ({})", human(elapsed));
        }
    }
}

/// No progress at all (`--quiet`).
pub struct Silent;

impl Reporter for Silent {
    fn start(&self, _title: &str, _total: Option<u64>) -> Box<dyn Sink> {
        Box::new(Silent)
    }
}

impl Sink for Silent {
    fn step(&self, _message: &str) {}
    fn position(&self, _done: u64) {}
    fn finish(&self, _message: &str, _elapsed: Duration) {}
}

/// A duration as a person reads it: `850 ms`, `14.2 s`, `3 min 05 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        let s = d.as_secs();
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(human(Duration::from_millis(850)), "850 ms");
        assert_eq!(human(Duration::from_millis(14_230)), "14.2 s");
        assert_eq!(human(Duration::from_secs(185)), "3 min 05 s");
    }
}
