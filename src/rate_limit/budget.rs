//! The client's rate budget as a handle, for a partner's other Upheal calls.

use std::{fmt, sync::Arc, time::Duration};

use tokio::time::Instant;

use super::{
    Pacer,
    sharing::{RedisStatus, Sharing},
};
use crate::errors::Error;

/// The rate budget a [`Client`](crate::Client) paces with, for the other
/// Upheal calls a partner makes on the same API key.
///
/// Upheal's user-management endpoints (V1 and V2) share one limit of 300
/// requests per minute per key: `POST /users/check`, `POST
/// /users/providers` and the rest spend the same budget as this crate's
/// updates. Gate them with this handle and every call on the key waits in
/// one line: first come, first served, shared through Redis when the
/// client's [`RateLimit`](crate::RateLimit) is, and slowed by 429s when it
/// is adaptive. A slot is spent only by a caller that gets it: one that
/// gives up (a deadline, a dropped future) spends nothing.
///
/// Cheap to clone (one `Arc`), `Send + Sync`; get it from
/// [`Client::budget`](crate::Client::budget).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use upheal_provider_users::{Client, RateLimit};
///
/// let key = std::env::var("UPHEAL_API_KEY")?;
/// let client = Client::builder()
///     .api_key(&key)
///     .rate_limit(Some(RateLimit::upheal_default()))
///     .build()?;
/// let budget = client.budget().expect("the client has a rate limit");
///
/// // Another Upheal endpoint, called with a plain reqwest client.
/// let http = reqwest::Client::new();
/// budget.acquire().await;
/// let response = http
///     .post("https://api.upheal.io/users/check")
///     .bearer_auth(&key)
///     .json(&serde_json::json!({ "email": "ada@example.com" }))
///     .send()
///     .await?;
/// if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
///     let retry_after = response
///         .headers()
///         .get("retry-after")
///         .and_then(|value| value.to_str().ok()?.parse().ok())
///         .map(std::time::Duration::from_secs);
///     budget.throttled(retry_after);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Budget {
    pacer: Arc<Pacer>,
}

impl Budget {
    pub(crate) fn new(pacer: Arc<Pacer>) -> Self {
        Self { pacer }
    }

    /// Waits for a slot, in line with every other call on the budget, and
    /// takes it: send the request right after.
    pub async fn acquire(&self) {
        // Without a deadline, waiting cannot fail.
        let _ = self.pacer.acquire(None, None).await;
    }

    /// Like [`Self::acquire`], but gives up when the slot would come after
    /// `deadline` (at once when the deadline has passed or the next slot is
    /// already known to be later, else when the deadline passes in line),
    /// with [`ErrorKind::Timeout`] and no slot spent. Takes a
    /// `tokio::time::Instant` or a `std::time::Instant`.
    ///
    /// [`ErrorKind::Timeout`]: crate::ErrorKind::Timeout
    ///
    /// ```no_run
    /// # async fn run(budget: upheal_provider_users::Budget) {
    /// use std::time::{Duration, Instant};
    ///
    /// match budget.acquire_before(Instant::now() + Duration::from_secs(5)).await {
    ///     Ok(()) => { /* send the request now */ }
    ///     Err(e) => eprintln!("no slot within 5 s: {e}"),
    /// }
    /// # }
    /// ```
    pub async fn acquire_before(&self, deadline: impl Into<Instant>) -> Result<(), Error> {
        self.pacer
            .acquire(Some(deadline.into()), None)
            .await
            .map_err(|_| {
                Error::no_slot_before_deadline(
                    "the rate budget has no slot before the deadline; nothing was taken",
                )
            })
    }

    /// Where the budget is held and, for one in Redis, how long Redis has
    /// been unavailable (calls then run under a local share of the budget):
    /// for a run's summary.
    pub fn sharing(&self) -> Sharing {
        self.pacer.sharing()
    }

    /// For a budget in Redis: whether Redis answers *now*, since when, and
    /// how many processes share the key, for a health check or a run's
    /// summary (`None` for a budget held in this process). Unlike
    /// [`Sharing::Redis`]'s `fallback_time`, which adds up every spell
    /// since the client was built, this tells "down now" from "was down".
    ///
    /// ```no_run
    /// # fn check(budget: &upheal_provider_users::Budget) {
    /// if let Some(redis) = budget.redis_status() {
    ///     if !redis.answering() {
    ///         eprintln!("Redis silent for {:?}: pacing on the fallback share", redis.since().elapsed());
    ///     }
    /// }
    /// # }
    /// ```
    pub fn redis_status(&self) -> Option<RedisStatus> {
        #[cfg(feature = "redis")]
        return self.pacer.redis_status();
        #[cfg(not(feature = "redis"))]
        None
    }

    /// Takes this process out of the processes sharing the key in Redis
    /// at once, for a graceful shutdown: the others stop leaving room for
    /// it. Without it, a process that ends without dropping its client on
    /// a running runtime is taken for gone only after
    /// [`RateLimit::redis_member_timeout`](crate::RateLimit::redis_member_timeout).
    /// A call made afterwards joins again. Does nothing for a budget held
    /// in this process.
    pub async fn leave(&self) {
        self.pacer.leave().await;
    }

    /// Reports a 429 met by a call this crate did not make, with its
    /// `Retry-After`: an adaptive budget slows down and pauses every caller
    /// (and, through Redis, tells the other processes on the key), as it
    /// does for its own 429s. Without adaptive pacing it only informs Redis.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        self.pacer.throttled(retry_after);
    }
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget").finish_non_exhaustive()
    }
}
