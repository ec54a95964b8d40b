//! A budget held in this process, shared by a client and its clones.

use std::{num::NonZeroU32, sync::Mutex, time::Duration};

use tokio::time::Instant;

use super::RateLimit;

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

/// GCRA (the generic cell rate algorithm), the same step the Redis script
/// runs: `tat` is the theoretical arrival time of the next request. It
/// runs on tokio's clock, so the pacer and its waits agree under tokio's
/// paused time too (a test can drive it without real sleeps).
#[derive(Debug)]
pub(super) struct LocalBudget {
    interval: Duration,
    /// How far ahead of now `tat` may be while a slot is still free: the
    /// burst, less the one request every slot is.
    tolerance: Duration,
    tat: Mutex<Instant>,
}

impl LocalBudget {
    /// GCRA admits at most `burst + floor(per / interval)` requests in any
    /// window of length `per`: with a burst of 1% (at least one) and pacing
    /// at 98.5%, that is at most 99.5% of `requests` (for budgets of 100 or
    /// more; smaller ones still never exceed the budget). `share` scales
    /// the budget (a fallback takes part of it).
    pub(super) fn new(limit: &RateLimit, share: f64) -> Self {
        let (interval, burst) = pacing(limit, share);
        Self {
            interval,
            tolerance: interval.saturating_mul(burst.get() - 1),
            tat: Mutex::new(Instant::now()),
        }
    }

    /// Takes a slot if one is free now (one short lock, no timer);
    /// otherwise says when the next one frees, and takes nothing: a caller
    /// that then gives up has spent nothing.
    pub(super) fn try_take(&self) -> Result<(), Instant> {
        let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let next = (*tat).max(now);
        let free_at = next.checked_sub(self.tolerance).unwrap_or(now);
        if free_at > now {
            return Err(free_at);
        }
        *tat = next + self.interval;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::LocalBudget;
    use crate::rate_limit::RateLimit;

    #[tokio::test(start_paused = true)]
    async fn a_slot_is_taken_only_when_free_and_a_refusal_spends_nothing() {
        let budget = LocalBudget::new(&RateLimit::new(10, Duration::from_secs(1)), 1.0);
        budget.try_take().unwrap();
        let free_at = budget.try_take().unwrap_err();
        // However often it is refused, the next slot does not move.
        for _ in 0..1000 {
            assert_eq!(budget.try_take().unwrap_err(), free_at);
        }
        tokio::time::sleep_until(free_at).await;
        budget.try_take().unwrap();
        let interval = budget.try_take().unwrap_err() - free_at;
        assert!(interval > Duration::from_millis(100), "{interval:?}");
        assert!(interval < Duration::from_millis(103), "{interval:?}");
    }
}
