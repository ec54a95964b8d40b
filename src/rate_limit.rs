//! The client-side limiter that keeps a bulk run under the key's limit.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultDirectRateLimiter, Quota};

/// A request budget: `requests` per `per`.
///
/// Upheal allows 300 requests per minute per API key, shared by all V1 and V2
/// user endpoints; that is the client's default.
///
/// ```
/// use upheal_provider_users::{Client, RateLimit};
///
/// // Two services share one key: each takes half of the budget.
/// let client = Client::builder()
///     .api_key("key")
///     .rate_limit(Some(RateLimit::per_minute(150)))
///     .build()?;
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    requests: u32,
    per: Duration,
}

/// The share of the budget the client paces at, and the share it may send
/// at once so that a request that woke up late catches up instead of losing
/// its slot. Together they stay 0.5% under the budget: slack for network
/// jitter reordering arrivals at a strict sliding window.
const PACING_SHARE: f64 = 0.985;
const BURST_SHARE: f64 = 0.01;

/// The shortest and longest windows a budget can have; [`RateLimit::new`]
/// clamps to them, so that every budget can be paced without overflow.
const MIN_WINDOW: Duration = Duration::from_millis(1);
const MAX_WINDOW: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// The shortest interval the pacer can represent.
const MIN_PERIOD: Duration = Duration::from_nanos(1);

impl RateLimit {
    /// `requests` per `per`. Never panics, whatever the values: `requests`
    /// is at least 1 and `per` is clamped to between 1 ms and 365 days (a
    /// budget of `u32::MAX` per second paces at one request per nanosecond,
    /// which is no limit in practice).
    pub fn new(requests: u32, per: Duration) -> Self {
        Self {
            requests: requests.max(1),
            per: per.clamp(MIN_WINDOW, MAX_WINDOW),
        }
    }

    /// `requests` per minute.
    pub fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    /// Upheal's published limit: 300 per minute.
    pub fn upheal_default() -> Self {
        Self::per_minute(300)
    }

    /// Requests allowed per window.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The window.
    pub fn per(&self) -> Duration {
        self.per
    }

    /// GCRA admits at most `burst + floor(per / period)` requests in any
    /// window of length `per`: with a burst of 1% (at least one) and pacing
    /// at 98.5%, that is at most 99.5% of `requests` (for budgets of 100 or
    /// more; smaller ones still never exceed the budget).
    pub(crate) fn limiter(&self) -> Arc<DefaultDirectRateLimiter> {
        let requests = f64::from(self.requests);
        let period =
            Duration::try_from_secs_f64(self.per.as_secs_f64() / (requests * PACING_SHARE))
                .unwrap_or(MAX_WINDOW)
                .max(MIN_PERIOD);
        let burst =
            NonZeroU32::new((requests * BURST_SHARE).floor() as u32).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .expect("the period is positive")
            .allow_burst(burst);
        Arc::new(DefaultDirectRateLimiter::direct(quota))
    }
}
