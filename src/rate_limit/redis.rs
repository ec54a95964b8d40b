//! A budget held in Redis, shared by every client on the same API key and
//! the same Redis, across threads, clones and processes.
//!
//! One atomic server-side step per slot (a GCRA in a Lua script): it takes
//! the slot if it is free now, or returns how long until one is, so no two
//! processes can take the same slot and nobody holds a slot while asleep.
//! Within a process only the caller at the front of the line asks (see
//! `fair_queue`), so Redis sees about one step per slot per process.
//! Redis unreachable or slow never hangs a call and never lifts the limit:
//! the client falls back to a local limiter at a share of the budget, warns
//! once, and tries Redis again every second.
//!
//! The same step brings back the news of the last 429 any process on the
//! key met (each reports its own in the background), so adaptive pacing in
//! every process slows down and pauses together.

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

use super::{
    RateLimit, adaptive,
    local::{LocalBudget, pacing},
    redis_connection::RedisTarget,
    redis_connector::RedisConnector,
};
use crate::Error;

/// The longest one Redis step on an open connection may take before the
/// call goes on under the fallback limiter.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// The longest the first call waits for the first connection (a TLS
/// handshake to a managed Redis in another region takes a few round trips).
/// Only the first: once the budget has fallen back, connections are made
/// in the background and no call waits for one.
const FIRST_CONNECT_WAIT: Duration = Duration::from_secs(2);
/// How often a client in fallback tries Redis again.
const RETRY_REDIS_EVERY: Duration = Duration::from_secs(1);
/// The fallback's default share of the budget: with up to 4 processes on
/// the key falling back together, the key's limit still holds.
pub(super) const DEFAULT_FALLBACK_SHARE: f64 = 0.25;
/// The HMAC key that turns an API key into its Redis key: a fixed domain
/// separator (every process must derive the same name); the API key, a
/// high-entropy secret, cannot be recovered from the name.
const KEY_DERIVATION_CONTEXT: &[u8] = b"upheal-provider-users/shared-rate-budget/v1";

/// Take a slot if one is free now, and never one that is not: `KEYS[1]`
/// holds the theoretical arrival time (µs, Redis's clock); `ARGV[1]` is the
/// interval and `ARGV[2]` the tolerance (burst), in µs; `ARGV[4]` the
/// longest a stored time may run ahead of now (a window: a value written by
/// something else, an older version that reserved ahead or a hand edit, is
/// bounded by it). Returns whether a slot was taken, the wait in µs before
/// one frees when not, and, when `ARGV[3]` is `1` (adaptive pacing
/// listens), the news of the last 429 on the key from `KEYS[2]` (see
/// [`REPORT_429`]): its age in µs (-1: none) and how long the pause it
/// asked for still runs (no slot is taken while it runs).
///
/// Because nothing is reserved ahead, the stored time is never more than
/// one interval plus the tolerance ahead of now: callers that give up,
/// time out or are dropped while they wait leave no trace in it.
const TAKE_SLOT: &str = r"
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local horizon = tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local age = -1
local pause_left = 0
if ARGV[3] == '1' then
  local news = redis.call('HMGET', KEYS[2], 'at', 'until')
  local at = tonumber(news[1])
  if at and at <= now then age = now - at end
  local paused_until = tonumber(news[2])
  if paused_until and paused_until > now then pause_left = paused_until - now end
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
if tat > now + horizon then tat = now + horizon end
local wait = tat - tolerance - now
if wait < pause_left then wait = pause_left end
if wait > 0 then
  return {0, math.floor(wait), math.floor(age), math.floor(pause_left)}
end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {1, 0, math.floor(age), math.floor(pause_left)}
";

/// A 429 met by a process on the key, told to the others: `KEYS[1]` gets
/// `at` (µs, Redis's clock; a 429 within `ARGV[1]` µs of the last one is the
/// same event) and `until`, the end of the pause the `Retry-After` of
/// `ARGV[2]` µs asked for; the news expires after `ARGV[3]` ms.
const REPORT_429: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if not at or now - at >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'at', string.format('%.0f', now))
end
local pause = tonumber(ARGV[2])
if pause > 0 then
  local paused_until = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
  if now + pause > paused_until then
    redis.call('HSET', KEYS[1], 'until', string.format('%.0f', now + pause))
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// What the shared budget knows of the last 429 any process on the key met.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ThrottleNews {
    /// How long ago it came.
    pub(super) age: Duration,
    /// How long the pause its `Retry-After` asked for still runs.
    pub(super) pause_left: Duration,
}

/// How a [`RateLimit`] reaches Redis.
#[derive(Clone, PartialEq)]
pub(super) struct SharedBudgetSettings {
    /// One server's URL, or every cluster node's.
    urls: Vec<String>,
    cluster: bool,
    /// A private CA for `rediss://`, PEM.
    root_pem: Option<Vec<u8>>,
    namespace: String,
    fallback_share: f64,
}

impl SharedBudgetSettings {
    fn new(urls: Vec<String>, cluster: bool) -> Self {
        Self {
            urls,
            cluster,
            root_pem: None,
            namespace: "default".to_owned(),
            fallback_share: DEFAULT_FALLBACK_SHARE,
        }
    }

    fn target(&self) -> redis::RedisResult<RedisTarget> {
        let root_pem = self.root_pem.as_deref();
        if self.cluster {
            RedisTarget::cluster(&self.urls, root_pem)
        } else {
            RedisTarget::server(self.urls.first().map_or("", String::as_str), root_pem)
        }
    }
}

/// The URL may carry a password: never shown.
impl fmt::Debug for SharedBudgetSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBudgetSettings")
            .field("urls", &"[redacted]")
            .field("cluster", &self.cluster)
            .field("root_pem", &self.root_pem.is_some())
            .field("namespace", &self.namespace)
            .field("fallback_share", &self.fallback_share)
            .finish()
    }
}

impl RateLimit {
    /// Holds this budget in Redis (≥ 6, or Valkey) at `url` (e.g.
    /// `redis://127.0.0.1:6379/0`; `redis://user:password@host/0` for an
    /// ACL user, never shown anywhere; `rediss://…` for TLS, see
    /// [`Self::redis_add_root_certificate_pem`] for a private CA), shared
    /// by every client with the same API key and the same Redis, in any
    /// process. For a cluster, see [`Self::redis_cluster`].
    ///
    /// The Redis key is `upheal-provider-users:NAMESPACE:budget:{HASH}`,
    /// `HASH` being an HMAC-SHA256 of the API key (never the key itself;
    /// the braces are its cluster hash tag); the news of the last 429 on
    /// the key is kept for one window beside it, under the same name
    /// followed by `:last-429`.
    /// A malformed URL fails [`crate::ClientBuilder::build`]; an unreachable
    /// Redis does not: calls then run under the fallback (see
    /// [`Self::redis_fallback_share`]) until Redis answers again.
    pub fn redis(mut self, url: impl Into<String>) -> Self {
        self.shared = Some(SharedBudgetSettings::new(vec![url.into()], false));
        self
    }

    /// Holds this budget in a Redis Cluster (or Valkey cluster) reached
    /// through any of `nodes` (`redis://host:port`, `rediss://` for TLS;
    /// a user and password in the URLs are used for every node). The
    /// budget's keys share a hash tag, so both live in one slot and the
    /// one-step script runs on one node. Everything else is as for
    /// [`Self::redis`].
    ///
    /// ```no_run
    /// use upheal_provider_users::RateLimit;
    ///
    /// let budget = RateLimit::upheal_default().redis_cluster([
    ///     "redis://10.0.0.1:6379",
    ///     "redis://10.0.0.2:6379",
    ///     "redis://10.0.0.3:6379",
    /// ]);
    /// # let _ = budget;
    /// ```
    pub fn redis_cluster(mut self, nodes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let nodes = nodes.into_iter().map(Into::into).collect();
        self.shared = Some(SharedBudgetSettings::new(nodes, true));
        self
    }

    /// Trusts the PEM certificate(s) in `pem` as the CA of a `rediss://`
    /// Redis (a managed service's or your own private CA) instead of the
    /// system's roots. Without [`Self::redis`] or [`Self::redis_cluster`]
    /// first, it does nothing. A certificate that cannot be read fails
    /// [`crate::ClientBuilder::build`].
    ///
    /// With `rediss://`, the redis crate uses rustls's process-wide
    /// default crypto provider; when the application has installed none,
    /// this crate installs `ring` as that default (once), since a build
    /// with two providers compiled in cannot pick one by itself.
    pub fn redis_add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        if let Some(shared) = &mut self.shared {
            shared.root_pem = Some(pem.into());
        }
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
    key: String,
    interval_us: u64,
    /// Whether this client reads the news of 429s (only adaptive pacing
    /// acts on it: without it, the reserve step skips the read).
    wants_news: bool,
    tolerance_us: u64,
    /// Where the news of the last 429 on the key is kept.
    news_key: String,
    script: redis::Script,
    /// The longest a slot time read from Redis may lie ahead: a window.
    horizon: Duration,
    report_script: redis::Script,
    /// 429s closer together than this are one event ([`adaptive::same_event`]).
    same_event: Duration,
    /// How long news of a 429 is kept: a window, the time its cut matters.
    news_lifetime: Duration,
    connector: RedisConnector,
    fallback: LocalBudget,
    /// When Redis may next be tried while falling back.
    retry_at: Mutex<Option<Instant>>,
    warned: AtomicBool,
    /// How long the budget has run on the fallback: the spells that ended,
    /// and the start of the one in progress.
    fallback_time: Mutex<(Duration, Option<Instant>)>,
    fallback_share: f64,
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
        let target = settings.target().map_err(|e| {
            // redis's message names the problem, never the password.
            Error::invalid_setting(
                "rate_limit.redis",
                format!("is not a usable Redis URL or certificate ({e})"),
            )
        })?;
        let (interval, burst) = pacing(limit, 1.0);
        let interval_us = u64::try_from(interval.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let key = redis_key(&settings.namespace, api_key);
        Ok(Self {
            news_key: format!("{key}:last-429"),
            key,
            interval_us,
            wants_news: limit.adaptive,
            tolerance_us: interval_us.saturating_mul(u64::from(burst.get() - 1)),
            script: redis::Script::new(TAKE_SLOT),
            horizon: limit.per,
            report_script: redis::Script::new(REPORT_429),
            same_event: adaptive::same_event(limit),
            news_lifetime: limit.per,
            connector: RedisConnector::new(target),
            fallback: LocalBudget::new(limit, settings.fallback_share),
            retry_at: Mutex::new(None),
            warned: AtomicBool::new(false),
            fallback_time: Mutex::new((Duration::ZERO, None)),
            fallback_share: settings.fallback_share,
        })
    }

    /// Takes a slot if one is free now, or says when to ask again; `news`
    /// hears first of the last 429 on the key, so a pause it started holds
    /// this request too. Nothing is reserved ahead: a refused caller has
    /// spent nothing. Redis slow or down holds a call at most one step
    /// (or, for the first call, the first connection): the fallback
    /// answers instead.
    pub(super) async fn try_take(&self, news: impl FnOnce(ThrottleNews)) -> Result<(), Instant> {
        let connected = self.connector.ready().is_some();
        // A connection made in the background ends the spell at once.
        if self.falling_back() && !connected {
            return self.fallback.try_take();
        }
        let step_wait = if connected {
            REDIS_TIMEOUT
        } else if self.in_fallback_spell() {
            // Reconnecting is the background's business: this call goes on
            // the fallback, and a later one finds the connection made.
            self.connector.start();
            self.retry_later();
            return self.fallback.try_take();
        } else {
            FIRST_CONNECT_WAIT
        };
        match tokio::time::timeout(step_wait, self.take()).await {
            Ok(Ok((wait, last_429))) => {
                self.recovered();
                if let Some(last_429) = last_429 {
                    news(last_429);
                }
                match wait {
                    None => Ok(()),
                    // The wait comes from a store other programs can write:
                    // bounded before it meets the clock.
                    Some(wait) => Err(Instant::now() + wait.min(self.horizon)),
                }
            }
            Ok(Err(why)) => {
                self.fall_back(&why);
                self.fallback.try_take()
            }
            Err(_) => {
                self.fall_back("no answer in time");
                self.fallback.try_take()
            }
        }
    }

    /// One atomic step in Redis: `None` when a slot was taken, else the
    /// wait before one frees; and the news of the last 429 on the key, if
    /// Redis still keeps it.
    async fn take(&self) -> Result<(Option<Duration>, Option<ThrottleNews>), String> {
        let mut connection = self.connector.connection().await?;
        let (taken, wait_us, age_us, pause_left_us): (u8, u64, i64, u64) = self
            .script
            .key(&self.key)
            .key(&self.news_key)
            .arg(self.interval_us)
            .arg(self.tolerance_us)
            .arg(u8::from(self.wants_news))
            .arg(duration_us(self.horizon))
            .invoke_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        let news = u64::try_from(age_us)
            .ok()
            .map(Duration::from_micros)
            .map(|age| ThrottleNews {
                age,
                pause_left: Duration::from_micros(pause_left_us),
            });
        let wait = (taken == 0).then(|| Duration::from_micros(wait_us));
        Ok((wait, news))
    }

    /// Tells the other processes on the key that this one met a 429, in the
    /// background: the request that met it does not wait on Redis, and a
    /// Redis that does not answer only loses the news.
    pub(super) fn report_429(&self, retry_after: Option<Duration>) {
        if self.falling_back() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Only on a connection the budget already made: reporting never
        // connects (a Redis that is down is the fallback's business).
        let Some(mut connection) = self.connector.ready() else {
            return;
        };
        let (script, key) = (self.report_script.clone(), self.news_key.clone());
        let same_event_us = duration_us(self.same_event);
        // Bounded like adaptive pacing's own pause (a window): an absurd
        // `Retry-After` must not hold every process, nor overflow Redis's
        // integers on the way back.
        let pause_us = retry_after.map_or(0, |wait| duration_us(wait.min(self.news_lifetime)));
        let lifetime_ms = duration_us(self.news_lifetime) / 1000 + 1;
        let report = async move {
            let mut report = script.key(&key);
            report.arg(same_event_us).arg(pause_us).arg(lifetime_ms);
            let _ = report.invoke_async::<i64>(&mut connection).await;
        };
        runtime.spawn(tokio::time::timeout(REDIS_TIMEOUT, report));
    }

    /// Within a fallback spell, before Redis may be tried again.
    fn falling_back(&self) -> bool {
        let retry_at = self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        retry_at.is_some_and(|at| Instant::now() < at)
    }

    /// Since the last failure, Redis has not answered a step.
    fn in_fallback_spell(&self) -> bool {
        self.retry_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    fn retry_later(&self) {
        *self.retry_at.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + RETRY_REDIS_EVERY);
    }

    /// How long calls have been paced by the fallback so far, and at what
    /// share of the budget.
    pub(super) fn fallback_report(&self) -> (Duration, f64) {
        let (ended, current) = *self.fallback_time.lock().unwrap_or_else(|p| p.into_inner());
        let running = current.map_or(Duration::ZERO, |since| since.elapsed());
        (ended + running, self.fallback_share)
    }

    fn fall_back(&self, why: &str) {
        {
            let mut time = self.fallback_time.lock().unwrap_or_else(|p| p.into_inner());
            time.1.get_or_insert_with(Instant::now);
        }
        self.connector.forget();
        self.retry_later();
        if !self.warned.swap(true, Ordering::Relaxed) {
            let (cause, fix) = super::redis_trouble::explain(why);
            tracing::warn!(
                reason = why,
                "the shared rate budget in Redis is unreachable: {cause}; pacing locally at {:.0}% of the budget until it answers again. To fix: {fix}",
                self.fallback_share * 100.0
            );
        }
    }

    fn recovered(&self) {
        let mut retry_at = self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        if retry_at.take().is_some() {
            let mut time = self.fallback_time.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(since) = time.1.take() {
                time.0 += since.elapsed();
            }
            tracing::info!("the shared rate budget in Redis answers again");
            self.warned.store(false, Ordering::Relaxed);
        }
    }
}

fn duration_us(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// `upheal-provider-users:NAMESPACE:budget:{HMAC}`; the HMAC's first 16
/// bytes in hex identify the API key without revealing it, and the braces
/// make them the key's hash tag: the `:last-429` key beside it lands in the
/// same cluster slot (no CROSSSLOT).
fn redis_key(namespace: &str, api_key: &str) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(KEY_DERIVATION_CONTEXT)
        .expect("HMAC takes a key of any length");
    mac.update(api_key.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("upheal-provider-users:{namespace}:budget:{{{hex}}}")
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
