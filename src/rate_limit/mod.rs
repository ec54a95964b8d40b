//! The client-side budget that keeps calls under the key's limit: held in
//! the process ([`local`]) or, with the `redis` feature, in Redis and shared
//! by every process on the key ([`redis`]); optionally slowed further by
//! 429s it meets ([`adaptive`]).

mod adaptive;
mod budget;
mod dispatcher;
mod fair_queue;
mod local;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_connection;
#[cfg(feature = "redis")]
mod redis_connector;
#[cfg(feature = "redis")]
mod redis_scripts;
#[cfg(feature = "redis")]
mod redis_trouble;
mod sharing;
mod window_count;

use std::{sync::Arc, time::Duration};

use tokio::time::Instant;

pub use budget::Budget;
pub(crate) use fair_queue::Ticket;
pub use sharing::{RedisStatus, Sharing};

use crate::errors::Error;

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
                Store::Shared(Box::new(redis::SharedBudget::new(self, shared, api_key)?))
            }
            None => Store::Local(local::LocalBudget::new(self, 1.0)),
        };
        #[cfg(not(feature = "redis"))]
        let budget = {
            let _ = api_key;
            Store::Local(local::LocalBudget::new(self, 1.0))
        };
        Ok(Arc::new(Pacer {
            budget,
            adaptive: self.adaptive.then(|| adaptive::Adaptive::new(self)),
            queue: fair_queue::FairQueue::default(),
            dispatcher: dispatcher::Dispatcher::default(),
            lateness: local::pacing(self, 1.0).0,
        }))
    }
}

/// Runs a [`RateLimit`] for one client and its clones: callers wait in one
/// line, first come first served, and a dispatcher task hands each slot to
/// the front of the line when the budget gives it (see [`fair_queue`] and
/// [`dispatcher`]).
#[derive(Debug)]
pub(crate) struct Pacer {
    budget: Store,
    adaptive: Option<adaptive::Adaptive>,
    queue: fair_queue::FairQueue,
    dispatcher: dispatcher::Dispatcher,
    /// How late a handed slot may still be used: the budget's interval.
    /// Later, it would count in a window the budget did not give it to.
    lateness: Duration,
}

/// Where a pacer's budget is kept: in this process or in Redis.
#[derive(Debug)]
enum Store {
    Local(local::LocalBudget),
    #[cfg(feature = "redis")]
    Shared(Box<redis::SharedBudget>),
}

impl Store {
    /// The budget held in this process, if it is one.
    fn local(&self) -> Option<&local::LocalBudget> {
        match self {
            Self::Local(local) => Some(local),
            #[cfg(feature = "redis")]
            Self::Shared(_) => None,
        }
    }
}

/// What the budget says when asked for the next slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum NextSlot {
    /// A slot is taken for the moment given (now, or later: a place
    /// reserved in a shared budget's order).
    Taken(Instant),
    /// Nothing was taken; ask again then.
    FreeAt(Instant),
}

/// The call's deadline would pass before the pacer let its request go.
#[derive(Debug)]
pub(crate) struct DeadlinePassed;

/// How often a caller that waits without a deadline makes sure a
/// dispatcher still runs (its runtime may have shut down meanwhile).
const DISPATCHER_CHECK: Duration = Duration::from_secs(1);

impl Pacer {
    /// A place in line for a call arriving now; the call keeps it for its
    /// retries.
    pub(crate) fn ticket(&self) -> Ticket {
        self.queue.ticket()
    }

    /// Waits until one request may be sent, first come first served by
    /// `ticket` (a new one when `None`), or fails when that would be after
    /// `deadline`: at once when the deadline has passed or the dispatcher
    /// already knows the next slot is later, else when the deadline passes
    /// in line. A caller that fails or is dropped has spent no slot (one
    /// handed to it goes to the next caller).
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        deadline: Option<Instant>,
        ticket: Option<Ticket>,
    ) -> Result<(), DeadlinePassed> {
        if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
            return Err(DeadlinePassed);
        }
        if self.queue.is_idle() && self.try_take_alone() {
            return Ok(());
        }
        let ticket = ticket.unwrap_or_else(|| self.ticket());
        loop {
            let Some(mut place) = self.queue.join(ticket, deadline) else {
                return Err(DeadlinePassed);
            };
            self.dispatcher.call(self);
            let answer = loop {
                let check = Instant::now() + DISPATCHER_CHECK;
                let until = deadline.map_or(check, |deadline| deadline.min(check));
                match tokio::time::timeout_at(until, place.answer()).await {
                    Ok(answer) => break answer,
                    Err(_) if deadline.is_some_and(|deadline| deadline <= Instant::now()) => {
                        // A slot that came as the deadline passed is used.
                        break place.answer_now().or(Some(fair_queue::Answer::TooLate));
                    }
                    Err(_) => self.dispatcher.call(self),
                }
            };
            match answer {
                Some(fair_queue::Answer::Slot(slot)) if slot.is_fresh(self.lateness) => {
                    return Ok(());
                }
                Some(fair_queue::Answer::TooLate) => return Err(DeadlinePassed),
                // Held unpolled past its moment (its slot is spent), or the
                // dispatcher stopped: in line again, with the same ticket.
                Some(fair_queue::Answer::Slot(_)) | None => continue,
            }
        }
    }

    /// With nobody in line, a slot free now is taken without the
    /// dispatcher (a local budget only: a shared one keeps its order in
    /// Redis).
    fn try_take_alone(&self) -> bool {
        let Some(local) = self.budget.local() else {
            return false;
        };
        if self
            .adaptive
            .as_ref()
            .is_some_and(|a| a.not_before().is_some())
        {
            return false;
        }
        local.try_take().is_ok() && self.adaptive.as_ref().is_none_or(|a| a.let_go())
    }

    /// The dispatcher's step: one slot for the front of the line.
    async fn serve_front(&self) {
        if let Some(spare) = self.queue.take_spare(|slot| slot.is_fresh(self.lateness)) {
            self.hand_out(spare);
            return;
        }
        match self.next_slot().await {
            NextSlot::Taken(at) => {
                self.queue.set_next_slot_not_before(Some(at));
                self.queue.turn_away_deadlines_before(at);
                self.pause_until(at).await;
                self.queue.set_next_slot_not_before(None);
                // A 429 may have paused everyone meanwhile: sending now
                // would land inside the pause (the slot is lost; rare).
                if self.adaptive.as_ref().is_none_or(|a| a.let_go()) {
                    self.hand_out(fair_queue::Slot { at });
                }
            }
            NextSlot::FreeAt(at) => {
                self.queue.set_next_slot_not_before(Some(at));
                self.queue.turn_away_deadlines_before(at);
                self.pause_until(at).await;
            }
        }
    }

    fn hand_out(&self, slot: fair_queue::Slot) {
        if let Err(slot) = self.queue.hand_out(slot) {
            self.queue.keep_spare(slot);
        }
    }

    /// Sleeps until `at`; a budget in Redis keeps this process's
    /// membership fresh meanwhile.
    async fn pause_until(&self, at: Instant) {
        #[cfg(feature = "redis")]
        if let Store::Shared(shared) = &self.budget {
            while let Some(check) = shared.check_due().filter(|check| *check < at) {
                tokio::time::sleep_until(check).await;
                shared.check().await;
            }
        }
        tokio::time::sleep_until(at).await;
    }

    /// When an idle dispatcher must next look at the budget (a budget in
    /// Redis: its heartbeat); `None` for a local one.
    fn idle_check_at(&self) -> Option<Instant> {
        match &self.budget {
            Store::Local(_) => None,
            #[cfg(feature = "redis")]
            Store::Shared(shared) => shared.check_due(),
        }
    }

    async fn idle_check(&self) {
        #[cfg(feature = "redis")]
        if let Store::Shared(shared) = &self.budget {
            shared.check().await;
        }
    }

    /// The next slot from every gate: adaptive pacing's pause or rate
    /// first, then the budget.
    async fn next_slot(&self) -> NextSlot {
        if let Some(at) = self.adaptive.as_ref().and_then(|a| a.not_before()) {
            return NextSlot::FreeAt(at);
        }
        match &self.budget {
            Store::Local(local) => match local.try_take() {
                Ok(()) => NextSlot::Taken(Instant::now()),
                Err(at) => NextSlot::FreeAt(at),
            },
            #[cfg(feature = "redis")]
            Store::Shared(shared) => shared.next_slot(|news| self.heard_of_429(news)).await,
        }
    }

    /// Where the budget is held and, for one in Redis, how long it has
    /// been paced locally because Redis did not answer.
    pub(crate) fn sharing(&self) -> Sharing {
        match &self.budget {
            Store::Local(_) => Sharing::Local,
            #[cfg(feature = "redis")]
            Store::Shared(shared) => {
                let (fallback_time, fallback_share) = shared.fallback_report();
                Sharing::Redis {
                    fallback_time,
                    fallback_share,
                }
            }
        }
    }

    /// For a budget in Redis: whether Redis answers now, since when, and
    /// how many processes share the key.
    #[cfg(feature = "redis")]
    pub(crate) fn redis_status(&self) -> Option<RedisStatus> {
        match &self.budget {
            Store::Local(_) => None,
            Store::Shared(shared) => Some(shared.status()),
        }
    }

    /// Takes this process out of the processes sharing the key in Redis
    /// (a no-op for a local budget).
    pub(crate) async fn leave(&self) {
        #[cfg(feature = "redis")]
        if let Store::Shared(shared) = &self.budget {
            shared.leave().await;
        }
    }

    /// Tells the pacer that Upheal answered 429 (with its `Retry-After`),
    /// and through a shared budget every other process on the key.
    pub(crate) fn throttled(&self, retry_after: Option<Duration>) {
        if let Some(adaptive) = &self.adaptive {
            adaptive.throttled(retry_after);
        }
        #[cfg(feature = "redis")]
        if let Store::Shared(shared) = &self.budget {
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

impl Drop for Pacer {
    fn drop(&mut self) {
        self.dispatcher.stop();
        #[cfg(feature = "redis")]
        if let Store::Shared(shared) = &self.budget {
            shared.leave_in_background();
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
    async fn wait_of_a_fresh_caller(pacer: &Arc<Pacer>) -> Duration {
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

    /// A caller at the front of the line whose future is polled once and
    /// then held (a `select!` busy elsewhere) costs at most the slot handed
    /// to it: the others go on at the budget's rate. Before: it held every
    /// other caller for as long as it was not polled.
    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_is_not_polled_does_not_hold_the_line() {
        let pacer = pacer(10, Duration::from_secs(1));
        // Spend the one free slot, so the held caller has to wait in line.
        assert_eq!(wait_of_a_fresh_caller(&pacer).await, Duration::ZERO);
        let mut held = Box::pin(pacer.acquire(None, None));
        let polled_once = futures_util::poll!(held.as_mut());
        assert!(polled_once.is_pending(), "it waits for its slot");
        let started = Instant::now();
        let others: Vec<_> = (0..20)
            .map(|_| {
                let pacer = Arc::clone(&pacer);
                tokio::spawn(async move { pacer.acquire(None, None).await.unwrap() })
            })
            .collect();
        for other in others {
            other.await.unwrap();
        }
        // 20 slots after the held one's: 21 intervals of 101.5 ms (and the
        // timer's millisecond rounding).
        let took = started.elapsed();
        assert!(took <= Duration::from_millis(2_200), "{took:?}");
        // Polled at last, long after its slot's moment: it lines up again
        // (its slot is spent), and gets the next one.
        let late = Instant::now();
        held.await.unwrap();
        assert!(
            late.elapsed() <= Duration::from_millis(102),
            "{:?}",
            late.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_already_past_fails_at_once_and_spends_nothing() {
        let pacer = pacer(10, Duration::from_secs(1));
        let past = Instant::now();
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(pacer.acquire(Some(past), None).await.is_err());
        assert_eq!(
            wait_of_a_fresh_caller(&pacer).await,
            Duration::ZERO,
            "the free slot is still there"
        );
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
