//! The command line's progress reporter (see `autogen_runtime::report`): a
//! bar or spinner on stderr when it is a terminal, plain lines on stderr
//! when it is not (a CI log), nothing with `--quiet`. Stdout stays for
//! results (and `--json`), so progress never mixes into them.
//!
//! Plain lines start only once a task has run for [`PLAIN_AFTER`]: a log
//! gets a line for long work, not for every quick step.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runtime::report::{self, Reporter, Silent, Sink, human};

/// How long a task runs before plain lines are printed for it.
pub const PLAIN_AFTER: Duration = Duration::from_secs(1);

/// Install the reporter for this run: `quiet` silences it.
pub fn install(quiet: bool) {
    let reporter: Arc<dyn Reporter> = if quiet {
        Arc::new(Silent)
    } else if std::io::stderr().is_terminal() {
        Arc::new(Bars)
    } else {
        Arc::new(Lines::new(Box::new(std::io::stderr()), PLAIN_AFTER))
    };
    report::set_reporter(reporter);
}

/// indicatif on the terminal: a bar when the total is known, else a spinner.
struct Bars;

impl Reporter for Bars {
    fn start(&self, title: &str, total: Option<u64>) -> Box<dyn Sink> {
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_prefix(title.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Box::new(BarSink(bar))
    }
}

struct BarSink(ProgressBar);

impl Sink for BarSink {
    fn step(&self, message: &str) {
        self.0.set_message(message.to_owned());
    }

    fn position(&self, done: u64) {
        self.0.set_position(done);
    }

    fn finish(&self, message: &str, elapsed: Duration) {
        self.0.finish_and_clear();
        // Quick work leaves nothing behind; long work says how long it took.
        if !message.is_empty() && elapsed >= PLAIN_AFTER {
            eprintln!("{message} ({})", human(elapsed));
        }
    }
}

/// Plain lines on a stream that is not a terminal.
pub struct Lines {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    after: Duration,
}

impl Lines {
    pub fn new(out: Box<dyn Write + Send>, after: Duration) -> Self {
        Self {
            out: Arc::new(Mutex::new(out)),
            after,
        }
    }
}

impl Reporter for Lines {
    fn start(&self, title: &str, total: Option<u64>) -> Box<dyn Sink> {
        Box::new(LineSink {
            out: self.out.clone(),
            after: self.after,
            title: title.to_owned(),
            total,
            started: Instant::now(),
            state: Mutex::new(LineState::default()),
        })
    }
}

#[derive(Default)]
struct LineState {
    /// Whether the task's first line was printed (it has run long enough).
    announced: bool,
    /// The last step, printed late when the task turns out to be long.
    step: String,
}

struct LineSink {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    after: Duration,
    title: String,
    total: Option<u64>,
    started: Instant,
    state: Mutex<LineState>,
}

impl LineSink {
    fn line(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A closed stderr is no reason to stop the work.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Print `text` once the task has run long enough (with the step it is in).
    fn report(&self, text: String) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.started.elapsed() < self.after {
            state.step = text;
            return;
        }
        if !state.announced {
            state.announced = true;
            let pending = std::mem::take(&mut state.step);
            if pending != text && !pending.is_empty() {
                self.line(&format!("{}: {pending}", self.title));
            }
        }
        self.line(&format!("{}: {text}", self.title));
    }
}

impl Sink for LineSink {
    fn step(&self, message: &str) {
        self.report(message.to_owned());
    }

    fn position(&self, done: u64) {
        match self.total {
            Some(total) => self.report(format!("{done}/{total}")),
            None => self.report(format!("{done} done")),
        }
    }

    fn finish(&self, message: &str, elapsed: Duration) {
        if !message.is_empty() && elapsed >= self.after {
            self.line(&format!("{message} ({})", human(elapsed)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().expect("buffer")).into_owned()
        }
    }

    #[test]
    fn long_work_gets_plain_lines_and_how_long_it_took() {
        let buf = Buffer::default();
        let lines = Lines::new(Box::new(buf.clone()), Duration::ZERO);
        let sink = lines.start("squash", Some(3));
        sink.step("comparing");
        sink.position(2);
        sink.finish("squashed", Duration::from_millis(1500));
        assert_eq!(
            buf.text(),
            "squash: comparing\nsquash: 2/3\nsquashed (1.5 s)\n"
        );
    }

    #[test]
    fn quick_work_prints_nothing() {
        let buf = Buffer::default();
        let lines = Lines::new(Box::new(buf.clone()), Duration::from_secs(3600));
        let sink = lines.start("rebuilding t", None);
        sink.step("copying the rows");
        sink.finish("rebuilt t", Duration::from_millis(20));
        assert_eq!(buf.text(), "");
    }

    #[test]
    fn a_task_that_turns_long_names_the_step_it_was_in() {
        let buf = Buffer::default();
        let lines = Lines::new(Box::new(buf.clone()), Duration::from_millis(30));
        let sink = lines.start("rebuilding t", None);
        sink.step("copying the rows");
        std::thread::sleep(Duration::from_millis(40));
        sink.step("replacing the old table");
        assert_eq!(
            buf.text(),
            "rebuilding t: copying the rows\nrebuilding t: replacing the old table\n"
        );
    }
}
