//! When a failed call is tried again, and how long the client waits first.
//!
//! Retrying is safe for this endpoint because the update sets absolute
//! values: applying the same body twice leaves the user exactly as applying
//! it once, so a retry after a lost response cannot double anything.

use std::time::Duration;

use crate::errors::{Error, ErrorKind};

/// How failed calls are retried: exponential backoff with full jitter,
/// `Retry-After` honoured up to a cap, a bound on attempts and an overall
/// deadline per call.
///
/// Retried: exactly the errors [`Error::is_transient`] calls transient —
/// 429, every 5xx, timeouts and connection failures. Never retried: 400,
/// 401, 403, 404, other statuses, decode failures, identity mismatches.
///
/// ```
/// use std::time::Duration;
/// use upheal_provider_users::{Client, RetryPolicy};
///
/// let patient = RetryPolicy::default().max_attempts(5).max_delay(Duration::from_secs(30));
/// let client = Client::builder().api_key("key").retry_policy(patient).build()?;
/// let no_retries = Client::builder().api_key("key").retry_policy(RetryPolicy::none()).build()?;
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    /// 3 attempts in all, backoff from 250 ms up to 8 s, `Retry-After`
    /// honoured up to 60 s, at most 2 minutes per call.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            deadline: Some(Duration::from_secs(120)),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry; it doubles for each further one.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest backoff between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the
    /// call with [`ErrorKind::RateLimited`] and the value in
    /// [`Error::retry_after`], for the caller to schedule.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// The longest one call may take, every attempt and wait included: an
    /// attempt still in flight when it passes is abandoned, and the call
    /// ends with [`ErrorKind::Timeout`] (the update may or may not have been
    /// applied; it is safe to repeat). A retry whose wait would end past the
    /// deadline is not started: the call ends with the last error at once.
    /// `None` for no bound beyond the attempts and the per-attempt timeout.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// When a call started at `started` must end, if it is bounded (a
    /// deadline too far away to represent is no bound).
    pub(crate) fn deadline_after(
        &self,
        started: tokio::time::Instant,
    ) -> Option<tokio::time::Instant> {
        started.checked_add(self.deadline?)
    }

    /// The error for a call whose deadline passed during attempt `attempts`.
    pub(crate) fn deadline_passed(&self, attempts: u32) -> Error {
        let deadline = self.deadline.unwrap_or_default();
        Error::new(
            ErrorKind::Timeout,
            format!(
                "the call's deadline of {deadline:?} passed during attempt {attempts}, \
                 so whether the update was applied is unknown"
            ),
        )
        .with_attempts(attempts)
    }

    /// The wait before the next attempt, or `None` when the call should end
    /// with `error`, after `attempts_made` attempts taking `elapsed`.
    pub(crate) fn delay_before_retry(
        &self,
        attempts_made: u32,
        error: &Error,
        elapsed: Duration,
    ) -> Option<Duration> {
        if attempts_made >= self.max_attempts || !is_retryable(error) {
            return None;
        }
        let delay = match error.retry_after() {
            Some(wait) if wait > self.max_retry_after => return None,
            Some(wait) => wait,
            None => self.backoff(attempts_made),
        };
        match self.deadline {
            Some(deadline) if elapsed.saturating_add(delay) >= deadline => None,
            _ => Some(delay),
        }
    }

    /// Full jitter: uniformly random up to the exponential ceiling, so many
    /// clients failing together do not retry together.
    fn backoff(&self, attempts_made: u32) -> Duration {
        let exponent = attempts_made.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// One truth for "may succeed later", shared with [`Error::is_transient`].
fn is_retryable(error: &Error) -> bool {
    error.is_transient()
}
