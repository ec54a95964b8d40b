//! A budget held in Redis, shared by every client on the same API key and
//! the same Redis, across threads, clones and processes.
//!
//! One atomic server-side step per request (a GCRA in a Lua script): it
//! reads the theoretical arrival time, reserves the next slot and returns
//! how long to wait for it, so no two processes can take the same slot.
//! Redis unreachable or slow never hangs a call and never lifts the limit:
//! the client falls back to a local limiter at a share of the budget, warns
//! once, and tries Redis again every second.

use std::{
    fmt,
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::time::Instant;

use super::{DeadlinePassed, RateLimit, local::LocalBudget, local::pacing, wait_until};
use crate::Error;

/// The longest one Redis step (or a connection attempt) may take before the
/// call goes on under the fallback limiter.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// How often a client in fallback tries Redis again.
const RETRY_REDIS_EVERY: Duration = Duration::from_secs(1);
/// The fallback's default share of the budget: with up to 4 processes on
/// the key falling back together, the key's limit still holds.
pub(super) const DEFAULT_FALLBACK_SHARE: f64 = 0.25;
/// The HMAC key that turns an API key into its Redis key: a fixed domain
/// separator (every process must derive the same name); the API key, a
/// high-entropy secret, cannot be recovered from the name.
const KEY_DERIVATION_CONTEXT: &[u8] = b"upheal-provider-users/shared-rate-budget/v1";

/// Reserve the next slot: `KEYS[1]` holds the theoretical arrival time (µs,
/// Redis's clock); `ARGV[1]` is the interval and `ARGV[2]` the tolerance
/// (burst), in µs. Returns the wait in µs before the reserved slot.
const RESERVE_SLOT: &str = r"
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return math.floor(wait)
";

/// How a [`RateLimit`] reaches Redis.
#[derive(Clone, PartialEq)]
pub(super) struct SharedBudgetSettings {
    url: String,
    namespace: String,
    fallback_share: f64,
}

/// The URL may carry a password: never shown.
impl fmt::Debug for SharedBudgetSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBudgetSettings")
            .field("url", &"[redacted]")
            .field("namespace", &self.namespace)
            .field("fallback_share", &self.fallback_share)
            .finish()
    }
}

impl RateLimit {
    /// Holds this budget in Redis (≥ 6, or Valkey) at `url` (e.g.
    /// `redis://127.0.0.1:6379/0`, `rediss://…` for TLS), shared by every
    /// client with the same API key and the same Redis, in any process.
    ///
    /// The Redis key is `upheal-provider-users:{namespace}:budget:{hash}`,
    /// `hash` being an HMAC-SHA256 of the API key (never the key itself).
    /// A malformed URL fails [`crate::ClientBuilder::build`]; an unreachable
    /// Redis does not: calls then run under the fallback (see
    /// [`Self::redis_fallback_share`]) until Redis answers again.
    pub fn redis(mut self, url: impl Into<String>) -> Self {
        self.shared = Some(SharedBudgetSettings {
            url: url.into(),
            namespace: "default".to_owned(),
            fallback_share: DEFAULT_FALLBACK_SHARE,
        });
        self
    }

    /// Separates budgets on one Redis (e.g. `staging` and `production`
    /// with different keys anyway, or two tenants); default `default`.
    /// Without [`Self::redis`] first, it does nothing.
    pub fn redis_namespace(mut self, namespace: impl Into<String>) -> Self {
        if let Some(shared) = &mut self.shared {
            shared.namespace = namespace.into();
        }
        self
    }

    /// The share of the budget one process uses while Redis is unreachable
    /// (default 0.25: up to four processes falling back together stay within
    /// the key's limit); clamped to between 1% and 100%.
    pub fn redis_fallback_share(mut self, share: f64) -> Self {
        if let Some(shared) = &mut self.shared {
            shared.fallback_share = if share.is_nan() {
                DEFAULT_FALLBACK_SHARE
            } else {
                share.clamp(0.01, 1.0)
            };
        }
        self
    }
}

pub(super) struct SharedBudget {
    client: redis::Client,
    key: String,
    interval_us: u64,
    tolerance_us: u64,
    script: redis::Script,
    connection: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
    fallback: LocalBudget,
    /// When Redis may next be tried while falling back.
    retry_at: Mutex<Option<Instant>>,
    warned: AtomicBool,
}

impl fmt::Debug for SharedBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBudget")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl SharedBudget {
    pub(super) fn new(
        limit: &RateLimit,
        settings: &SharedBudgetSettings,
        api_key: &str,
    ) -> Result<Self, Error> {
        let client = redis::Client::open(settings.url.as_str()).map_err(|e| {
            // redis's message names the problem, never the password.
            Error::invalid_setting(
                "rate_limit.redis",
                format!("is not a usable Redis URL ({e})"),
            )
        })?;
        let (interval, burst) = pacing(limit, 1.0);
        let interval_us = u64::try_from(interval.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        Ok(Self {
            client,
            key: redis_key(&settings.namespace, api_key),
            interval_us,
            tolerance_us: interval_us.saturating_mul(u64::from(burst.get() - 1)),
            script: redis::Script::new(RESERVE_SLOT),
            connection: tokio::sync::Mutex::new(None),
            fallback: LocalBudget::new(limit, settings.fallback_share),
            retry_at: Mutex::new(None),
            warned: AtomicBool::new(false),
        })
    }

    pub(super) async fn acquire(&self, deadline: Option<Instant>) -> Result<(), DeadlinePassed> {
        if self.falling_back() {
            return self.fallback.acquire(deadline).await;
        }
        match tokio::time::timeout(REDIS_TIMEOUT, self.reserve()).await {
            Ok(Ok(wait)) => {
                self.recovered();
                // A free slot costs no timer (tokio's would round a zero
                // sleep up to its next millisecond tick).
                wait_until(Instant::now() + wait, deadline).await
            }
            Ok(Err(e)) => {
                self.fall_back(&e.to_string()).await;
                self.fallback.acquire(deadline).await
            }
            Err(_) => {
                self.fall_back("no answer in time").await;
                self.fallback.acquire(deadline).await
            }
        }
    }

    /// One atomic step in Redis: the wait before this request's slot.
    async fn reserve(&self) -> redis::RedisResult<Duration> {
        let mut connection = {
            let mut slot = self.connection.lock().await;
            if slot.is_none() {
                *slot = Some(self.client.get_multiplexed_async_connection().await?);
            }
            slot.clone().expect("connected above")
        };
        let wait_us: u64 = self
            .script
            .key(&self.key)
            .arg(self.interval_us)
            .arg(self.tolerance_us)
            .invoke_async(&mut connection)
            .await?;
        Ok(Duration::from_micros(wait_us))
    }

    fn falling_back(&self) -> bool {
        let retry_at = self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        retry_at.is_some_and(|at| Instant::now() < at)
    }

    async fn fall_back(&self, why: &str) {
        *self.connection.lock().await = None;
        *self.retry_at.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + RETRY_REDIS_EVERY);
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                reason = why,
                "the shared rate budget in Redis is unreachable; pacing locally at a share of the budget until it answers again"
            );
        }
    }

    fn recovered(&self) {
        let mut retry_at = self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        if retry_at.take().is_some() {
            tracing::info!("the shared rate budget in Redis answers again");
            self.warned.store(false, Ordering::Relaxed);
        }
    }
}

/// `upheal-provider-users:{namespace}:budget:{hmac}`; the HMAC's first 16
/// bytes in hex identify the API key without revealing it.
fn redis_key(namespace: &str, api_key: &str) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(KEY_DERIVATION_CONTEXT)
        .expect("HMAC takes a key of any length");
    mac.update(api_key.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("upheal-provider-users:{namespace}:budget:{hex}")
}

#[cfg(test)]
mod tests {
    use super::redis_key;

    #[test]
    fn the_redis_key_names_the_api_key_without_revealing_it() {
        let key = redis_key("prod", "sk-live-abcdef");
        assert!(key.starts_with("upheal-provider-users:prod:budget:"));
        assert!(!key.contains("sk-live"));
        assert_eq!(key, redis_key("prod", "sk-live-abcdef"), "stable");
        assert_ne!(key, redis_key("prod", "sk-live-abcdeg"));
        assert_ne!(key, redis_key("staging", "sk-live-abcdef"));
    }
}
