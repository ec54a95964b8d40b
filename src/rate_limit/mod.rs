//! The client-side budget that keeps calls under the key's limit: held in
//! the process ([`local`]) or, with the `redis` feature, in Redis and shared
//! by every process on the key ([`redis`]); optionally slowed further by
//! 429s it meets ([`adaptive`]).

mod adaptive;
mod local;
#[cfg(feature = "redis")]
mod redis;
mod window_count;

use std::{sync::Arc, time::Duration};

use tokio::time::Instant;

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
        }))
    }
}

/// Runs a [`RateLimit`] for one client and its clones.
#[derive(Debug)]
pub(crate) struct Pacer {
    budget: Budget,
    adaptive: Option<adaptive::Adaptive>,
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

/// Sleeps until `at`, unless that is past `deadline`. A free slot (`at` not
/// in the future) costs no timer at all.
pub(super) async fn wait_until(
    at: Instant,
    deadline: Option<Instant>,
) -> Result<(), DeadlinePassed> {
    if deadline.is_some_and(|deadline| at > deadline) {
        return Err(DeadlinePassed);
    }
    if at > Instant::now() {
        tokio::time::sleep_until(at).await;
    }
    Ok(())
}

impl Pacer {
    /// Waits until one request may be sent, or fails at once when that
    /// would be after the call's `deadline`.
    pub(crate) async fn acquire(&self, deadline: Option<Instant>) -> Result<(), DeadlinePassed> {
        loop {
            if let Some(adaptive) = &self.adaptive {
                adaptive.wait_turn(deadline).await?;
            }
            match &self.budget {
                Budget::Local(local) => local.acquire(deadline).await?,
                #[cfg(feature = "redis")]
                Budget::Shared(shared) => {
                    shared
                        .acquire(deadline, |news| self.heard_of_429(news))
                        .await?
                }
            }
            // A 429 may have come while the budget kept this request waiting:
            // sending it now would land inside the `Retry-After` pause.
            if self
                .adaptive
                .as_ref()
                .is_none_or(|adaptive| adaptive.let_go())
            {
                return Ok(());
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
