//! The client-side budget that keeps calls under the key's limit: held in
//! the process ([`local`]) or, with the `redis` feature, in Redis and shared
//! by every process on the key ([`redis`]); optionally slowed further by
//! 429s it meets ([`adaptive`]).

mod adaptive;
mod fair_queue;
mod local;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_connection;
#[cfg(feature = "redis")]
mod redis_connector;
#[cfg(feature = "redis")]
mod redis_trouble;
mod window_count;

use std::{sync::Arc, time::Duration};

use tokio::time::Instant;

pub(crate) use fair_queue::Ticket;

use crate::Error;

/// A request budget: `requests` per `per`.
///
/// Upheal allows 300 requests per minute per API key, shared by all V1 and V2
/// user endpoints; that is the client's default.
///
/// ```
/// use std::time::Duration;
/// use upheal_provider_users::{Client, RateLimit};
///
/// // Another system spends part of the same key: slow down on 429s.
/// let client = Client::builder()
///     .api_key("key")
///     .rate_limit(Some(RateLimit::per_minute(300).adaptive(true)))
///     .build()?;
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
///
/// Several processes on one key share one budget through Redis (feature
/// `redis`), instead of each taking a fixed slice of it:
///
/// ```no_run
/// # #[cfg(feature = "redis")] {
/// use upheal_provider_users::{Client, RateLimit};
///
/// let budget = RateLimit::upheal_default().redis("redis://127.0.0.1:6379/");
/// let client = Client::builder().api_key("key").rate_limit(Some(budget)).build()?;
/// # }
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    requests: u32,
    per: Duration,
    adaptive: bool,
    #[cfg(feature = "redis")]
    shared: Option<redis::SharedBudgetSettings>,
}

/// The shortest and longest windows a budget can have; [`RateLimit::new`]
/// clamps to them, so that every budget can be paced without overflow.
const MIN_WINDOW: Duration = Duration::from_millis(1);
const MAX_WINDOW: Duration = Duration::from_secs(365 * 24 * 60 * 60);

impl RateLimit {
    /// `requests` per `per`. Never panics, whatever the values: `requests`
    /// is at least 1 and `per` is clamped to between 1 ms and 365 days (a
    /// budget of `u32::MAX` per second paces at one request per nanosecond,
    /// which is no limit in practice).
    pub fn new(requests: u32, per: Duration) -> Self {
        Self {
            requests: requests.max(1),
            per: per.clamp(MIN_WINDOW, MAX_WINDOW),
            adaptive: false,
            #[cfg(feature = "redis")]
            shared: None,
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

    /// Slows down when Upheal answers 429 anyway, because something this
    /// client cannot see spends the same key (an older integration, a V1
    /// endpoint). A 429 means the key's window is full, so the rate this
    /// client actually sent over the last window is its share: the rate
    /// drops to 0.7 of that, every request waits out the `Retry-After`, and
    /// the rate recovers gradually (a CUBIC curve, as in the AWS SDKs'
    /// adaptive retry mode). It never goes above the configured budget.
    /// Works with and without Redis; with [`Self::redis`], a 429 any process
    /// on the key meets reaches the others with their next slot, and the
    /// adaptive ones cut and pause with it. Beside a consumer spending 40%
    /// of the key, about 1% of this client's requests met a 429
    /// (BENCHMARKS.md).
    pub fn adaptive(mut self, on: bool) -> Self {
        self.adaptive = on;
        self
    }

    /// Whether [`Self::adaptive`] is on.
    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// The pacer a client runs this budget with, for the key it sends.
    pub(crate) fn pacer(&self, api_key: &str) -> Result<Arc<Pacer>, Error> {
        #[cfg(feature = "redis")]
        let budget = match &self.shared {
            Some(shared) => {
                Budget::Shared(Box::new(redis::SharedBudget::new(self, shared, api_key)?))
            }
            None => Budget::Local(local::LocalBudget::new(self, 1.0)),
        };
        #[cfg(not(feature = "redis"))]
        let budget = {
            let _ = api_key;
            Budget::Local(local::LocalBudget::new(self, 1.0))
        };
        Ok(Arc::new(Pacer {
            budget,
            adaptive: self.adaptive.then(|| adaptive::Adaptive::new(self)),
            queue: fair_queue::FairQueue::default(),
        }))
    }
}

/// Runs a [`RateLimit`] for one client and its clones: callers wait in one
/// line, first come first served, and the one at the front takes a slot
/// only when it is free (see [`fair_queue`]).
#[derive(Debug)]
pub(crate) struct Pacer {
    budget: Budget,
    adaptive: Option<adaptive::Adaptive>,
    queue: fair_queue::FairQueue,
}

#[derive(Debug)]
enum Budget {
    Local(local::LocalBudget),
    #[cfg(feature = "redis")]
    Shared(Box<redis::SharedBudget>),
}

/// The call's deadline would pass before the pacer let its request go.
#[derive(Debug)]
pub(crate) struct DeadlinePassed;

/// Sleeps until `at`, unless that is past `deadline`.
async fn wait_until(at: Instant, deadline: Option<Instant>) -> Result<(), DeadlinePassed> {
    if deadline.is_some_and(|deadline| at > deadline) {
        return Err(DeadlinePassed);
    }
    tokio::time::sleep_until(at).await;
    Ok(())
}

impl Pacer {
    /// A place in line for a call arriving now; the call keeps it for its
    /// retries.
    pub(crate) fn ticket(&self) -> Ticket {
        self.queue.ticket()
    }

    /// Waits until one request may be sent, first come first served by
    /// `ticket` (a new one when `None`), or fails when that would be after
    /// `deadline`: at once when the front of the line already knows its
    /// slot is later, else when the deadline passes in line. A caller that
    /// fails or is dropped has spent no slot.
    pub(crate) async fn acquire(
        &self,
        deadline: Option<Instant>,
        ticket: Option<Ticket>,
    ) -> Result<(), DeadlinePassed> {
        let place = self.queue.join(ticket.unwrap_or_else(|| self.ticket()));
        loop {
            match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, place.reach_front())
                    .await
                    .map_err(|_| DeadlinePassed)?,
                None => place.reach_front().await,
            }
            match self.try_take().await {
                Ok(()) => return Ok(()),
                Err(free_at) => wait_until(free_at, deadline).await?,
            }
        }
    }

    /// One slot if every gate has one free now; otherwise when to ask
    /// again, with nothing taken from any of them.
    async fn try_take(&self) -> Result<(), Instant> {
        if let Some(at) = self.adaptive.as_ref().and_then(|a| a.not_before()) {
            return Err(at);
        }
        match &self.budget {
            Budget::Local(local) => local.try_take()?,
            #[cfg(feature = "redis")]
            Budget::Shared(shared) => shared.try_take(|news| self.heard_of_429(news)).await?,
        }
        // A 429 may have come during the Redis step: sending now would land
        // inside the `Retry-After` pause (the slot is lost; this is rare).
        match &self.adaptive {
            Some(adaptive) if !adaptive.let_go() => {
                Err(adaptive.not_before().unwrap_or_else(Instant::now))
            }
            _ => Ok(()),
        }
    }

    /// Where the budget is held and, for one in Redis, how long it has
    /// been paced locally because Redis did not answer.
    pub(crate) fn sharing(&self) -> crate::budget::Sharing {
        match &self.budget {
            Budget::Local(_) => crate::budget::Sharing::Local,
            #[cfg(feature = "redis")]
            Budget::Shared(shared) => {
                let (fallback_time, fallback_share) = shared.fallback_report();
                crate::budget::Sharing::Redis {
                    fallback_time,
                    fallback_share,
                }
            }
        }
    }

    /// Tells the pacer that Upheal answered 429 (with its `Retry-After`),
    /// and through a shared budget every other process on the key.
    pub(crate) fn throttled(&self, retry_after: Option<Duration>) {
        if let Some(adaptive) = &self.adaptive {
            adaptive.throttled(retry_after);
        }
        #[cfg(feature = "redis")]
        if let Budget::Shared(shared) = &self.budget {
            shared.report_429(retry_after);
        }
    }

    /// Another process on the key met a 429: adaptive pacing slows down
    /// with it (without adaptive pacing the news changes nothing).
    #[cfg(feature = "redis")]
    fn heard_of_429(&self, news: redis::ThrottleNews) {
        if let Some(adaptive) = &self.adaptive {
            let now = Instant::now();
            let pause = (!news.pause_left.is_zero()).then_some(news.pause_left);
            adaptive.throttled_elsewhere(now.checked_sub(news.age).unwrap_or(now), pause);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex},
        time::Duration,
    };

    use tokio::time::Instant;

    use super::{Pacer, RateLimit};

    fn pacer(requests: u32, per: Duration) -> Arc<Pacer> {
        RateLimit::new(requests, per).pacer("key").unwrap()
    }

    /// How long a caller arriving now waits for its slot.
    async fn wait_of_a_fresh_caller(pacer: &Pacer) -> Duration {
        let started = Instant::now();
        pacer.acquire(None, None).await.unwrap();
        started.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_first_come_first_served() {
        let pacer = pacer(10, Duration::from_secs(1));
        let served = Arc::new(Mutex::new(Vec::new()));
        let tickets: Vec<_> = (0..60).map(|_| pacer.ticket()).collect();
        // The budget's one free slot goes to a caller alone in line.
        assert_eq!(wait_of_a_fresh_caller(&pacer).await, Duration::ZERO);
        // Joined in reverse order of arrival: the ticket decides, not the
        // order in which the futures are first polled.
        let waiters = tickets.iter().rev().map(|&ticket| {
            let (pacer, served) = (Arc::clone(&pacer), Arc::clone(&served));
            tokio::spawn(async move {
                // Each can wait 7 s: first come, first served reaches the
                // 60th at about 6 s; any other order fails some.
                let deadline = Instant::now() + Duration::from_secs(7);
                pacer.acquire(Some(deadline), Some(ticket)).await.unwrap();
                served.lock().unwrap().push(ticket);
            })
        });
        for waiter in waiters.collect::<Vec<_>>() {
            waiter.await.unwrap();
        }
        assert_eq!(*served.lock().unwrap(), tickets);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancellation_storm_leaves_the_budget_as_it_found_it() {
        let pacer = pacer(10, Duration::from_secs(1));
        let mut storm = Vec::new();
        for _ in 0..3000 {
            let pacer = Arc::clone(&pacer);
            let give_up = Duration::from_millis(fastrand::u64(0..3000));
            storm.push(tokio::spawn(async move {
                tokio::time::timeout(give_up, pacer.acquire(None, None))
                    .await
                    .is_ok()
            }));
        }
        let mut sent = 0;
        for caller in storm {
            sent += u32::from(caller.await.unwrap());
        }
        // About 3 s at 9.85 a second went out; the rest gave up.
        assert!((25..=35).contains(&sent), "{sent}");
        assert_eq!(pacer.queue.len(), 0, "nobody is left in line");
        tokio::time::sleep(Duration::from_millis(102)).await;
        assert_eq!(
            wait_of_a_fresh_caller(&pacer).await,
            Duration::ZERO,
            "a slot is free at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_storm_spends_no_slot_and_fails_fast_at_the_front() {
        let pacer = pacer(10, Duration::from_secs(1));
        let started = Instant::now();
        let outcomes: Vec<_> = (0..500)
            .map(|_| {
                let pacer = Arc::clone(&pacer);
                tokio::spawn(async move {
                    let deadline = Instant::now() + Duration::from_secs(1);
                    pacer.acquire(Some(deadline), None).await.is_ok()
                })
            })
            .collect();
        let mut sent = 0;
        for outcome in outcomes {
            sent += u32::from(outcome.await.unwrap());
        }
        // 9.85 a second: 10 slots within the 1 s deadline, and the rest
        // failed as soon as the front of the line saw its slot was later.
        assert_eq!(sent, 10);
        assert!(Instant::now() < started + Duration::from_secs(1));
        // Fresh callers wait one interval each, not for the 490 that gave up.
        for _ in 0..3 {
            let wait = wait_of_a_fresh_caller(&pacer).await;
            assert!(wait <= Duration::from_millis(102), "{wait:?}");
        }
    }
}
