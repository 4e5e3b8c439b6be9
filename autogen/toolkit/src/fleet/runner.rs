//! Run one piece of work per target, at most `parallel` at once, on the
//! caller's task (the work is I/O: connections, locks, DDL on the
//! servers). The canary targets run first and the rest only when they all
//! succeeded; without `continue_on_error` nothing new starts after a
//! failure; an interrupt (Ctrl-C) stops launching. Work already running
//! always finishes: a target is never abandoned in the middle.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

/// How a fleet runs.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Targets worked on at once (at least 1).
    pub parallel: usize,
    /// Targets run first; the others start only when all of them succeeded.
    pub canary: usize,
    /// Go on with the other targets after a failure.
    pub continue_on_error: bool,
}

/// Why targets were left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// A target failed (and `continue_on_error` was not given).
    Failure,
    /// A canary target failed.
    Canary,
    /// Interrupted (Ctrl-C).
    Interrupted,
}

impl Stop {
    pub fn describe(self) -> &'static str {
        match self {
            Stop::Failure => "not run: stopped at the first failure (--continue-on-error goes on)",
            Stop::Canary => "not run: a canary target failed",
            Stop::Interrupted => "not run: interrupted",
        }
    }
}

/// Where a run is, for a progress line.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub done: usize,
    pub failed: usize,
    pub running: usize,
    pub pending: usize,
    pub elapsed: Duration,
}

impl Progress {
    /// The time left at the pace so far (`None` before the first target ends).
    pub fn eta(&self) -> Option<Duration> {
        let finished = self.done + self.failed;
        if finished == 0 {
            return None;
        }
        let left = self.pending + self.running;
        Some(self.elapsed.mul_f64(left as f64 / finished as f64))
    }
}

/// What happened to one target: its work's value and how long it took,
/// or `None` when it was not started.
pub type Slot<T> = Option<(T, Duration)>;

type Running<'a, T> = Vec<(usize, Instant, Pin<Box<dyn Future<Output = T> + 'a>>)>;

/// Run `work(i)` for each of `count` targets; `failed` tells a failure
/// from its value; `progress` is called at the start and after each target.
/// Returns one slot per target, in order, and why targets were left out.
pub async fn run<'a, T, F, Fut>(
    count: usize,
    options: RunOptions,
    interrupted: &AtomicBool,
    work: F,
    failed: impl Fn(&T) -> bool,
    mut progress: impl FnMut(Progress),
) -> (Vec<Slot<T>>, Option<Stop>)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + 'a,
{
    let started = Instant::now();
    let parallel = options.parallel.max(1);
    let canary = options.canary.min(count);
    let mut slots: Vec<Slot<T>> = (0..count).map(|_| None).collect();
    let mut running: Running<'a, T> = Vec::new();
    let (mut next, mut done, mut failures) = (0, 0, 0);
    let mut stop = None;
    let snapshot = |done, failures, running: usize, next| Progress {
        done,
        failed: failures,
        running,
        pending: count - next,
        elapsed: started.elapsed(),
    };
    progress(snapshot(0, 0, 0, 0));
    loop {
        // The canary stage ends when its targets have all finished.
        let limit = if next < canary || running.iter().any(|r| r.0 < canary) {
            canary
        } else {
            count
        };
        if stop.is_none() && interrupted.load(Ordering::SeqCst) && next < count {
            stop = Some(Stop::Interrupted);
        }
        while stop.is_none() && next < limit && running.len() < parallel {
            running.push((next, Instant::now(), Box::pin(work(next))));
            next += 1;
        }
        if running.is_empty() {
            break;
        }
        let (at, value) = std::future::poll_fn(|cx| {
            for (k, (_, _, fut)) in running.iter_mut().enumerate() {
                if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                    return Poll::Ready((k, v));
                }
            }
            Poll::Pending
        })
        .await;
        let (index, began, _) = running.swap_remove(at);
        if failed(&value) {
            failures += 1;
            if stop.is_none() && index < canary {
                stop = Some(Stop::Canary);
            } else if stop.is_none() && !options.continue_on_error {
                stop = Some(Stop::Failure);
            }
        } else {
            done += 1;
        }
        slots[index] = Some((value, began.elapsed()));
        progress(snapshot(done, failures, running.len(), next));
    }
    // Nothing left out: no reason to report.
    if next == count {
        stop = None;
    }
    (slots, stop)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    fn options(parallel: usize, canary: usize, continue_on_error: bool) -> RunOptions {
        RunOptions {
            parallel,
            canary,
            continue_on_error,
        }
    }

    /// Runs `count` targets, target `i` failing when `fails(i)`, each
    /// sleeping a little; returns the slots (as ok/failed/not run), the
    /// stop, and the most targets seen running at once.
    fn simulate(
        count: usize,
        o: RunOptions,
        fails: impl Fn(usize) -> bool,
    ) -> (Vec<&'static str>, Option<Stop>, usize) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let live = RefCell::new((0usize, 0usize));
        let flag = AtomicBool::new(false);
        let (slots, stop) = rt.block_on(run(
            count,
            o,
            &flag,
            |i| {
                let live = &live;
                let fail = fails(i);
                async move {
                    {
                        let mut l = live.borrow_mut();
                        l.0 += 1;
                        l.1 = l.1.max(l.0);
                    }
                    tokio::time::sleep(Duration::from_millis(5 + (i as u64 % 3) * 3)).await;
                    live.borrow_mut().0 -= 1;
                    !fail
                }
            },
            |ok| !ok,
            |_| {},
        ));
        let shown = slots
            .iter()
            .map(|s| match s {
                Some((true, _)) => "ok",
                Some((false, _)) => "failed",
                None => "not run",
            })
            .collect();
        (shown, stop, live.borrow().1)
    }

    #[test]
    fn parallelism_is_bounded_and_every_target_runs() {
        let (slots, stop, peak) = simulate(20, options(4, 0, false), |_| false);
        assert!(slots.iter().all(|s| *s == "ok"));
        assert_eq!(stop, None);
        assert_eq!(peak, 4);
    }

    #[test]
    fn continue_on_error_runs_the_rest_after_a_failure() {
        let (slots, stop, _) = simulate(8, options(2, 0, true), |i| i == 1);
        assert_eq!(slots.iter().filter(|s| **s == "failed").count(), 1);
        assert_eq!(slots.iter().filter(|s| **s == "ok").count(), 7);
        assert_eq!(stop, None);
    }

    #[test]
    fn a_failure_stops_launching_but_running_targets_finish() {
        let (slots, stop, _) = simulate(10, options(1, 0, false), |i| i == 2);
        assert_eq!(slots[..3], ["ok", "ok", "failed"]);
        assert!(slots[3..].iter().all(|s| *s == "not run"), "{slots:?}");
        assert_eq!(stop, Some(Stop::Failure));
        let (slots, _, _) = simulate(10, options(3, 0, false), |i| i == 0);
        // Targets 1 and 2 were running beside 0: they finish.
        assert_eq!(slots[..3], ["failed", "ok", "ok"]);
        assert!(slots[3..].iter().all(|s| *s == "not run"), "{slots:?}");
    }

    #[test]
    fn the_canary_runs_alone_first_and_its_failure_stops_the_rest() {
        let (slots, stop, _) = simulate(6, options(4, 2, true), |i| i == 1);
        assert_eq!(
            slots,
            ["ok", "failed", "not run", "not run", "not run", "not run"]
        );
        assert_eq!(stop, Some(Stop::Canary));
        let (slots, stop, _) = simulate(6, options(4, 2, true), |i| i == 4);
        assert_eq!(slots.iter().filter(|s| **s == "ok").count(), 5);
        assert_eq!(stop, None);
    }

    #[test]
    fn an_interrupt_stops_launching() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let flag = AtomicBool::new(false);
        let (slots, stop) = rt.block_on(run(
            5,
            options(1, 0, false),
            &flag,
            |i| {
                let flag = &flag;
                async move {
                    if i == 1 {
                        flag.store(true, Ordering::SeqCst);
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            },
            |_| false,
            |_| {},
        ));
        assert!(
            slots[0].is_some() && slots[1].is_some(),
            "the running one finishes"
        );
        assert!(slots[2..].iter().all(Option::is_none));
        assert_eq!(stop, Some(Stop::Interrupted));
    }

    #[test]
    fn the_eta_follows_the_pace() {
        let p = Progress {
            done: 2,
            failed: 0,
            running: 2,
            pending: 4,
            elapsed: Duration::from_secs(4),
        };
        assert_eq!(p.eta(), Some(Duration::from_secs(12)));
    }
}
