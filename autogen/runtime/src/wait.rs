//! Bounded waits, shared by connecting (retry budget) and locking.

use std::time::{Duration, Instant};

use crate::config::MAX_WAIT;

/// How long a migration waits for another one by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// `now + wait`, with waits beyond [`MAX_WAIT`] (which users cannot give,
/// see [`crate::config::wait_secs`]) capped there instead of overflowing.
pub(crate) fn deadline_after(wait: Duration) -> Instant {
    Instant::now() + wait.min(MAX_WAIT)
}
