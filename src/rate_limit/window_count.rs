//! How many requests this client let go over the last window: what adaptive
//! pacing takes as its share of the budget when a 429 says the window is
//! full. Counted in buckets, so the memory is fixed whatever the budget.

use std::time::Duration;

use tokio::time::Instant;

/// Buckets per window: the count is exact to within one bucket's span.
const BUCKETS: usize = 20;

#[derive(Debug)]
pub(super) struct WindowCount {
    started: Instant,
    bucket_span: Duration,
    counts: [u32; BUCKETS],
    /// The bucket `now` fell in at the last update, counted from `started`.
    current: u64,
}

impl WindowCount {
    pub(super) fn new(window: Duration, now: Instant) -> Self {
        Self {
            started: now,
            bucket_span: (window / BUCKETS as u32).max(Duration::from_nanos(1)),
            counts: [0; BUCKETS],
            current: 0,
        }
    }

    /// One request let go `now`.
    pub(super) fn record(&mut self, now: Instant) {
        let bucket = self.advance_to(now);
        self.counts[bucket] = self.counts[bucket].saturating_add(1);
    }

    /// The requests let go over the window ending `now`.
    pub(super) fn in_window(&mut self, now: Instant) -> u32 {
        self.advance_to(now);
        self.counts.iter().fold(0, |sum, &n| sum.saturating_add(n))
    }

    /// Empties the buckets time has left behind and returns `now`'s.
    fn advance_to(&mut self, now: Instant) -> usize {
        let elapsed = now.saturating_duration_since(self.started).as_nanos();
        let bucket = u64::try_from(elapsed / self.bucket_span.as_nanos()).unwrap_or(u64::MAX);
        if bucket > self.current {
            let stale = (bucket - self.current).min(BUCKETS as u64);
            for step in 1..=stale {
                self.counts[((self.current + step) % BUCKETS as u64) as usize] = 0;
            }
            self.current = bucket;
        }
        (self.current % BUCKETS as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::WindowCount;

    #[test]
    fn counts_what_the_last_window_let_go_and_forgets_older() {
        let window = Duration::from_secs(10);
        let start = Instant::now();
        let mut count = WindowCount::new(window, start);
        for second in 0..10 {
            count.record(start + Duration::from_secs(second));
        }
        assert_eq!(count.in_window(start + Duration::from_millis(9_900)), 10);
        // Half a window later, the first half has left it.
        assert_eq!(count.in_window(start + Duration::from_millis(14_900)), 5);
        // Long after, nothing is left, however far the clock jumped.
        assert_eq!(count.in_window(start + Duration::from_secs(3_600)), 0);
        count.record(start + Duration::from_secs(3_600));
        assert_eq!(count.in_window(start + Duration::from_secs(3_601)), 1);
    }

    #[test]
    fn a_clock_before_the_start_counts_in_the_first_bucket() {
        let start = Instant::now() + Duration::from_secs(5);
        let mut count = WindowCount::new(Duration::from_secs(1), start);
        count.record(Instant::now());
        assert_eq!(count.in_window(Instant::now()), 1);
    }
}
