//! Pacing that adapts to 429s this client cannot foresee: another system
//! spends the same key. A 429 means the window is full, so what this client
//! let go over the last window is its share: the rate drops to β of that
//! (AWS's adaptive retry mode cuts from its measured send rate the same
//! way), `Retry-After` is honoured by every request, and a CUBIC curve
//! recovers back towards the budget (with its constant scaled to the
//! budget's window instead of fixed in requests per second).

use std::{
    sync::{Mutex, MutexGuard},
    time::Duration,
};

use tokio::time::Instant;

use super::{RateLimit, local::PACING_SHARE, window_count::WindowCount};

/// The rate kept after a 429, as a share of what the client sent over the
/// window that 429 closed.
const BETA: f64 = 0.7;
/// The slowest the controller goes, as a share of the budget.
const MIN_SHARE: f64 = 0.02;

#[derive(Debug)]
pub(super) struct Adaptive {
    /// The budget's own pacing rate, in requests per second: never exceeded.
    max_rate: f64,
    /// The budget's window: what a 429's share is measured over, and the
    /// longest `Retry-After` honoured.
    window: Duration,
    min_rate: f64,
    /// CUBIC's constant: a client cut from the full budget is back at it one
    /// window later, for any budget (a sliding window reports an excess
    /// only once it has filled, so a faster recovery overshoots again; two
    /// windows measured no better); a smaller share is back sooner,
    /// `K = window · ∛(W_max / max_rate)` (scaling the constant to the
    /// share instead measured no better: BENCHMARKS.md).
    cubic: f64,
    /// See [`same_event`].
    same_event: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The share this client kept at the last 429 (CUBIC's `W_max`), and
    /// when that 429 came.
    w_max: f64,
    last_throttle: Option<Instant>,
    next_slot: Instant,
    paused_until: Instant,
    /// What this client let go over the last window: its real share of the
    /// budget once a 429 says the window is full.
    sent: WindowCount,
}

/// 429s closer together than this are one event (a burst of requests in
/// flight meets the same exhausted window), for this client and for the
/// news processes share through Redis. A whole window here was measured
/// worse: the rate then stays too high for too long.
pub(super) fn same_event(limit: &RateLimit) -> Duration {
    limit.per / 20
}

impl Adaptive {
    pub(super) fn new(limit: &RateLimit) -> Self {
        let window = limit.per.as_secs_f64();
        let max_rate = f64::from(limit.requests) * PACING_SHARE / window;
        let now = Instant::now();
        Self {
            max_rate,
            window: limit.per,
            min_rate: max_rate * MIN_SHARE,
            cubic: max_rate * (1.0 - BETA) / window.powi(3),
            same_event: same_event(limit),
            state: Mutex::new(State {
                w_max: max_rate,
                last_throttle: None,
                next_slot: now,
                paused_until: now,
                sent: WindowCount::new(limit.per, now),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The allowed rate `now`: the budget's until a 429 comes, then CUBIC:
    /// `C (t - K)³ + W_max`, starting at `β W_max`.
    fn rate(&self, state: &State, now: Instant) -> f64 {
        let Some(throttled_at) = state.last_throttle else {
            return self.max_rate;
        };
        let t = now.duration_since(throttled_at).as_secs_f64();
        let k = (state.w_max * (1.0 - BETA) / self.cubic).cbrt();
        (self.cubic * (t - k).powi(3) + state.w_max).clamp(self.min_rate, self.max_rate)
    }

    /// The rate a 429 says this client may keep: a 429 means the window is
    /// full, and what this client let go over it is its share (whatever the
    /// foreign consumer took is the rest). The allowed rate alone overstates
    /// it whenever the client was not sending as fast as it was allowed, or
    /// the window filled only now (the first 429 after a start at the full
    /// budget): cutting from there needed a second cut, and a second 429.
    /// Whether this client sent less than the floor over the last window:
    /// then it is not the cause of a 429 (something else filled the key's
    /// window) and slowing it down frees nothing for anyone. It waits out
    /// the `Retry-After` like every request, and keeps its rate, so a
    /// worker that sent two requests into someone else's burst is not held
    /// to one request per 10 s for the next minute.
    fn barely_sent(&self, state: &mut State, now: Instant) -> bool {
        f64::from(state.sent.in_window(now)) < self.min_rate * self.window.as_secs_f64()
    }

    fn share_when_full(&self, state: &mut State, now: Instant) -> f64 {
        let measured = f64::from(state.sent.in_window(now)) / self.window.as_secs_f64();
        self.rate(state, now).min(measured).max(self.min_rate)
    }

    /// When the controller next lets a request go, if that is later than
    /// now (slower than the budget, or paused by a `Retry-After`); at full
    /// rate it adds nothing. Takes nothing: see [`Self::let_go`].
    pub(super) fn not_before(&self) -> Option<Instant> {
        let state = self.lock();
        let now = Instant::now();
        let at = if self.rate(&state, now) >= self.max_rate {
            state.paused_until
        } else {
            state.next_slot.max(state.paused_until)
        };
        (at > now).then_some(at)
    }

    /// Called when the budget gave a request its slot: `false` when a 429
    /// paused everyone meanwhile (the request must not go inside the
    /// pause), else it counts as sent and the next slot is one interval
    /// at the current rate later.
    pub(super) fn let_go(&self) -> bool {
        let mut state = self.lock();
        let now = Instant::now();
        if state.paused_until > now {
            return false;
        }
        state.sent.record(now);
        let interval = Duration::from_secs_f64(1.0 / self.rate(&state, now));
        state.next_slot = state.next_slot.max(now) + interval;
        true
    }

    /// A 429: lower the rate (once per burst of them) and pause every
    /// request for the `Retry-After`.
    pub(super) fn throttled(&self, retry_after: Option<Duration>) {
        self.throttled_at(Instant::now(), retry_after);
    }

    /// A 429 another process on the key met at `at` (news through the
    /// shared budget): the same cut and pause as one's own, so the
    /// processes slow down together instead of one at a time. The cut is
    /// from this process's own share, so together they keep β of what they
    /// sent; news of a 429 already counted (one's own, reported back) is
    /// the same event and cuts nothing, and old news (heard after an idle
    /// spell, with no share of that window to keep) only pauses.
    #[cfg(feature = "redis")]
    pub(super) fn throttled_elsewhere(&self, at: Instant, pause_left: Option<Duration>) {
        self.throttled_at(at, pause_left);
    }

    /// A 429 met `at`, asking every request to wait `pause` from now
    /// (bounded by a window first: an absurd `Retry-After` must neither
    /// hold the client for ever nor overflow the clock).
    fn throttled_at(&self, at: Instant, pause: Option<Duration>) {
        let mut state = self.lock();
        let now = Instant::now();
        let fresh = now.saturating_duration_since(at) < self.same_event;
        let new_event = fresh
            && state
                .last_throttle
                .is_none_or(|last| at.saturating_duration_since(last) >= self.same_event);
        if new_event && !self.barely_sent(&mut state, now) {
            let rate_before = self.rate(&state, now);
            state.w_max = self.share_when_full(&mut state, now);
            state.last_throttle = Some(at.min(now));
            tracing::debug!(
                rate_before,
                share_kept = state.w_max,
                rate_now = self.rate(&state, now),
                "upheal answered 429: adaptive pacing slows down (requests per second)"
            );
        }
        if let Some(pause) = pause {
            state.paused_until = state.paused_until.max(now + pause.min(self.window));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Adaptive, BETA};
    use crate::rate_limit::RateLimit;

    fn adaptive_100_per_10s() -> Adaptive {
        Adaptive::new(&RateLimit::new(100, Duration::from_secs(10)))
    }

    fn rate_now(adaptive: &Adaptive) -> f64 {
        adaptive.rate(&adaptive.lock(), Instant::now())
    }

    /// Lets requests go at `rate` per second for one window; returns how many.
    async fn send_for_a_window(adaptive: &Adaptive, rate: f64) -> u32 {
        let gap = Duration::from_secs_f64(1.0 / rate);
        let mut sent = 0;
        let end = Instant::now() + adaptive.window;
        while Instant::now() + gap < end {
            tokio::time::advance(gap).await;
            assert!(adaptive.let_go());
            sent += 1;
        }
        sent
    }

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < expected * 0.06
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_cuts_the_rate_which_recovers_to_the_budget_and_no_further() {
        let adaptive = adaptive_100_per_10s();
        let full = adaptive.max_rate;
        assert_eq!(rate_now(&adaptive), full);
        let sent = send_for_a_window(&adaptive, full).await;
        let share = f64::from(sent) / 10.0;
        adaptive.throttled(None);
        assert!(
            close(rate_now(&adaptive), share * BETA),
            "{}",
            rate_now(&adaptive)
        );
        // A second 429 of the same burst does not cut again.
        adaptive.throttled(None);
        assert!(close(rate_now(&adaptive), share * BETA));
        tokio::time::advance(Duration::from_secs(4)).await;
        let recovering = rate_now(&adaptive);
        assert!(
            recovering > share * BETA && recovering < share,
            "{recovering}"
        );
        // A window after the 429, back at the share that met it.
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(close(rate_now(&adaptive), share));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(rate_now(&adaptive), full, "never above the budget");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_keeps_what_the_client_sent_not_what_it_was_allowed() {
        // Something else took the rest of the window: the client sent at a
        // third of its budget when the 429 came.
        let adaptive = adaptive_100_per_10s();
        let sent = send_for_a_window(&adaptive, adaptive.max_rate / 3.0).await;
        adaptive.throttled(None);
        let kept = f64::from(sent) / 10.0 * BETA;
        assert!(
            close(rate_now(&adaptive), kept),
            "{} vs {kept}",
            rate_now(&adaptive)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_to_a_client_that_barely_sent_only_pauses_it() {
        // Fewer requests than the floor into a window someone else
        // filled: not the cause.
        let adaptive = adaptive_100_per_10s();
        let floor_requests = (adaptive.min_rate * 10.0).ceil() as u32;
        for _ in 1..floor_requests {
            assert!(adaptive.let_go());
        }
        adaptive.throttled(Some(Duration::from_secs(1)));
        assert_eq!(rate_now(&adaptive), adaptive.max_rate, "no cut");
        let resume = adaptive.not_before().expect("paused");
        assert_eq!(resume - Instant::now(), Duration::from_secs(1));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(adaptive.not_before(), None, "back at once, at full rate");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_after_more_than_the_floor_slows_to_at_least_the_floor() {
        let adaptive = adaptive_100_per_10s();
        let floor_requests = (adaptive.min_rate * 10.0).ceil() as u32;
        for _ in 0..floor_requests {
            assert!(adaptive.let_go());
        }
        adaptive.throttled(None);
        let rate = rate_now(&adaptive);
        assert!(
            rate < adaptive.max_rate && rate >= adaptive.min_rate,
            "{rate}"
        );
    }

    #[cfg(feature = "redis")]
    #[tokio::test(start_paused = true)]
    async fn news_of_a_429_elsewhere_cuts_once_and_old_news_only_pauses() {
        let adaptive = adaptive_100_per_10s();
        let sent = send_for_a_window(&adaptive, adaptive.max_rate).await;
        let share = f64::from(sent) / 10.0;
        adaptive.throttled(None);
        // Its own 429, reported back through Redis a moment later: the same
        // event, no second cut.
        tokio::time::advance(Duration::from_millis(100)).await;
        let reported = Instant::now() - Duration::from_millis(90);
        adaptive.throttled_elsewhere(reported, None);
        assert!(close(rate_now(&adaptive), share * BETA));

        let fresh = adaptive_100_per_10s();
        send_for_a_window(&fresh, fresh.max_rate).await;
        // Heard of long after (this process was idle): it pauses, no cut.
        let long_ago = Instant::now() - Duration::from_secs(5);
        fresh.throttled_elsewhere(long_ago, Some(Duration::from_secs(1)));
        assert_eq!(rate_now(&fresh), fresh.max_rate);
        assert!(!fresh.let_go());
        // Heard of at once: cut.
        fresh.throttled_elsewhere(Instant::now(), None);
        assert!(rate_now(&fresh) < fresh.max_rate * BETA + 0.1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_every_request() {
        let adaptive = adaptive_100_per_10s();
        let started = Instant::now();
        adaptive.throttled(Some(Duration::from_secs(2)));
        let resume = adaptive.not_before().expect("paused");
        assert_eq!(resume - started, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_the_budget_held_through_a_429_is_not_let_go_inside_the_pause() {
        let adaptive = adaptive_100_per_10s();
        adaptive.throttled(Some(Duration::from_secs(2)));
        assert!(!adaptive.let_go());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(adaptive.let_go());
    }
}
