//! Pacing that adapts to 429s this client cannot foresee: another system
//! spends the same key. Multiplicative decrease on a 429, `Retry-After`
//! honoured by every request, and a CUBIC recovery back towards the budget
//! (the curve of the AWS SDKs' adaptive retry mode, with its constant scaled
//! to the budget's window instead of fixed in requests per second).

use std::{
    sync::{Mutex, MutexGuard},
    time::Duration,
};

use tokio::time::Instant;

use super::{DeadlinePassed, RateLimit, local::PACING_SHARE, wait_until};

/// The rate kept after a 429, as a share of the rate that met it.
const BETA: f64 = 0.7;
/// The slowest the controller goes, as a share of the budget.
const MIN_SHARE: f64 = 0.02;

#[derive(Debug)]
pub(super) struct Adaptive {
    /// The budget's own pacing rate, in requests per second: never exceeded.
    max_rate: f64,
    min_rate: f64,
    /// CUBIC's constant: back at the rate that met a 429 one window after
    /// it, for any budget (a sliding window reports an excess only once it
    /// has filled, so a faster recovery overshoots again; two windows
    /// measured no better).
    cubic: f64,
    /// 429s closer together than this are one event (a burst of requests in
    /// flight meets the same exhausted window). A whole window here was
    /// measured worse: the rate then stays too high for too long.
    same_event: Duration,
    /// The longest `Retry-After` honoured: a window.
    max_pause: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The rate when the last 429 came, and when.
    w_max: f64,
    last_throttle: Option<Instant>,
    next_slot: Instant,
    paused_until: Instant,
}

impl Adaptive {
    pub(super) fn new(limit: &RateLimit) -> Self {
        let window = limit.per.as_secs_f64();
        let max_rate = f64::from(limit.requests) * PACING_SHARE / window;
        let now = Instant::now();
        Self {
            max_rate,
            min_rate: max_rate * MIN_SHARE,
            cubic: max_rate * (1.0 - BETA) / window.powi(3),
            same_event: limit.per / 20,
            max_pause: limit.per,
            state: Mutex::new(State {
                w_max: max_rate,
                last_throttle: None,
                next_slot: now,
                paused_until: now,
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

    /// Waits for this request's slot when the controller is slower than the
    /// budget (or paused by a `Retry-After`); at full rate it adds nothing.
    pub(super) async fn wait_turn(&self, deadline: Option<Instant>) -> Result<(), DeadlinePassed> {
        loop {
            let slot = {
                let mut state = self.lock();
                let now = Instant::now();
                let rate = self.rate(&state, now);
                if rate >= self.max_rate && state.paused_until <= now {
                    return Ok(());
                }
                let slot = now.max(state.next_slot).max(state.paused_until);
                if deadline.is_some_and(|deadline| slot > deadline) {
                    return Err(DeadlinePassed);
                }
                state.next_slot = slot + Duration::from_secs_f64(1.0 / rate);
                slot
            };
            wait_until(slot, deadline).await?;
            // A 429 that came while this request slept paused everyone: its
            // old slot no longer holds, so it queues again after the pause.
            if self.lock().paused_until <= Instant::now() {
                return Ok(());
            }
        }
    }

    /// A 429: lower the rate (once per burst of them) and pause every
    /// request for the `Retry-After`.
    pub(super) fn throttled(&self, retry_after: Option<Duration>) {
        let mut state = self.lock();
        let now = Instant::now();
        let new_event = state
            .last_throttle
            .is_none_or(|at| now.duration_since(at) >= self.same_event);
        if new_event {
            state.w_max = self.rate(&state, now);
            state.last_throttle = Some(now);
        }
        if let Some(wait) = retry_after {
            state.paused_until = state.paused_until.max(now + wait.min(self.max_pause));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Adaptive, BETA};
    use crate::RateLimit;

    #[tokio::test(start_paused = true)]
    async fn a_429_cuts_the_rate_which_recovers_to_the_budget_and_no_further() {
        let adaptive = Adaptive::new(&RateLimit::new(100, Duration::from_secs(10)));
        let full = adaptive.max_rate;
        let rate_now = || adaptive.rate(&adaptive.lock(), Instant::now());
        assert_eq!(rate_now(), full);
        adaptive.throttled(None);
        assert!((rate_now() - full * BETA).abs() < 1e-9);
        // A second 429 of the same burst does not cut again.
        adaptive.throttled(None);
        assert!((rate_now() - full * BETA).abs() < 1e-9);
        tokio::time::advance(Duration::from_secs(4)).await;
        let recovering = rate_now();
        assert!(
            recovering > full * BETA && recovering < full,
            "{recovering}"
        );
        // A window after the 429, back at the rate that met it.
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!((rate_now() - full).abs() < 1e-6);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(rate_now(), full, "never above the budget");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_every_request() {
        let adaptive = Adaptive::new(&RateLimit::new(100, Duration::from_secs(10)));
        let started = Instant::now();
        adaptive.throttled(Some(Duration::from_secs(2)));
        adaptive.wait_turn(None).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(2));
    }
}
