//! A budget held in this process: GCRA (the `governor` crate), shared by a
//! client and its clones.

use std::{num::NonZeroU32, time::Duration};

use governor::{
    DefaultDirectRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};
use tokio::time::Instant;

use super::{DeadlinePassed, RateLimit, wait_until};

/// The share of the budget the client paces at, and the share it may send
/// at once so that a request that woke up late catches up instead of losing
/// its slot. Together they stay 0.5% under the budget: slack for network
/// jitter reordering arrivals at a strict sliding window.
pub(super) const PACING_SHARE: f64 = 0.985;
pub(super) const BURST_SHARE: f64 = 0.01;
/// The shortest interval the pacer can represent.
const MIN_PERIOD: Duration = Duration::from_nanos(1);

/// The interval between two requests and the burst, for `share` of `limit`.
pub(super) fn pacing(limit: &RateLimit, share: f64) -> (Duration, NonZeroU32) {
    let requests = f64::from(limit.requests) * share.clamp(f64::MIN_POSITIVE, 1.0);
    let period = Duration::try_from_secs_f64(limit.per.as_secs_f64() / (requests * PACING_SHARE))
        .unwrap_or(super::MAX_WINDOW)
        .max(MIN_PERIOD);
    let burst = NonZeroU32::new((requests * BURST_SHARE).floor() as u32).unwrap_or(NonZeroU32::MIN);
    (period, burst)
}

#[derive(Debug)]
pub(super) struct LocalBudget(DefaultDirectRateLimiter);

impl LocalBudget {
    /// GCRA admits at most `burst + floor(per / period)` requests in any
    /// window of length `per`: with a burst of 1% (at least one) and pacing
    /// at 98.5%, that is at most 99.5% of `requests` (for budgets of 100 or
    /// more; smaller ones still never exceed the budget). `share` scales
    /// the budget (a fallback takes part of it).
    pub(super) fn new(limit: &RateLimit, share: f64) -> Self {
        let (period, burst) = pacing(limit, share);
        let quota = Quota::with_period(period)
            .expect("the period is positive")
            .allow_burst(burst);
        Self(DefaultDirectRateLimiter::direct(quota))
    }

    /// A free slot is taken with one atomic step and no timer; otherwise
    /// this waits for the earliest one, within the deadline.
    pub(super) async fn acquire(&self, deadline: Option<Instant>) -> Result<(), DeadlinePassed> {
        loop {
            match self.0.check() {
                Ok(()) => return Ok(()),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    wait_until(Instant::now() + wait, deadline).await?;
                }
            }
        }
    }
}
