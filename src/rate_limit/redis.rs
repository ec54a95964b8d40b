//! A budget held in Redis, shared by every client on the same API key and
//! the same Redis, across threads, clones and processes.
//!
//! **Order, not a race.** Each process's dispatcher reserves the next slot
//! in the key's order (one atomic step, `RESERVE_SLOT`) and holds at most
//! one reservation at a time; Redis gives each reservation a later moment
//! than the ones before it. Processes with callers waiting therefore take
//! turns, whatever their distance to Redis: when processes raced to take
//! a slot the moment it freed, the one with the shortest round trip won
//! nearly every time and a farther one starved.
//!
//! **Members.** Every step (and a heartbeat while idle) marks this process
//! live in the key's member hash, with the share of the budget it takes on
//! its own when it cannot reach Redis. A member silent for longer than
//! `LIVE_FOR` may be pacing itself on that share, so the live ones stretch
//! their interval to leave it room, until it returns or is forgotten. A
//! process that loses Redis waits until the others must have noticed
//! (`LIVE_FOR` after its last step that may have landed, and a margin)
//! before it sends on its own share: together they never exceed the key.
//!
//! Redis slow or down never hangs a call beyond one step (250 ms), and a
//! step's outcome never waits for a connection after the first.
//!
//! The same step brings back the news of the last 429 any process on the
//! key met (each reports its own in the background), so adaptive pacing in
//! every process slows down and pauses together.

use std::{
    fmt,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::time::Instant;

use super::{
    NextSlot, RateLimit, adaptive,
    local::{LocalBudget, pacing},
    redis_connection::{RedisConnection, RedisTarget},
    redis_connector::RedisConnector,
    redis_scripts::{HEARTBEAT, REPORT_429, RESERVE_SLOT, script},
};
use crate::errors::Error;

/// The longest one Redis step on an open connection may take before the
/// call goes on under the fallback limiter.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// The longest the first call waits for the first connection (a TLS
/// handshake to a managed Redis in another region takes a few round trips).
/// Only the first: once the budget has fallen back, connections are made
/// in the background and no call waits for one.
const FIRST_CONNECT_WAIT: Duration = Duration::from_secs(2);
/// How often a process tells Redis it is live while it takes no slot.
const HEARTBEAT_EVERY: Duration = Duration::from_millis(500);
/// A member not seen for longer than this may be pacing on its own share.
const LIVE_FOR: Duration = Duration::from_secs(2);
/// How late a step that timed out may still land in Redis (and mark this
/// process live there): a process that lost Redis sends on its own share
/// only once `LIVE_FOR` has passed since then.
const LANDING_MARGIN: Duration = Duration::from_secs(1);
/// How often a client in fallback tries Redis again (a `PING` on a
/// connection made in the background, then a step).
const RETRY_REDIS_EVERY: Duration = Duration::from_millis(100);
/// The fallback's default share of the budget: with up to 4 processes on
/// the key falling back together, the key's limit still holds.
pub(super) const DEFAULT_FALLBACK_SHARE: f64 = 0.25;
/// How long the others leave room for a silent member by default.
pub(super) const DEFAULT_MEMBER_TIMEOUT: Duration = Duration::from_secs(120);
/// The HMAC key that turns an API key into its Redis key: a fixed domain
/// separator (every process must derive the same name); the API key, a
/// high-entropy secret, cannot be recovered from the name.
const KEY_DERIVATION_CONTEXT: &[u8] = b"upheal-provider-users/shared-rate-budget/v1";

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
    member_timeout: Duration,
}

impl SharedBudgetSettings {
    fn new(urls: Vec<String>, cluster: bool) -> Self {
        Self {
            urls,
            cluster,
            root_pem: None,
            namespace: "default".to_owned(),
            fallback_share: DEFAULT_FALLBACK_SHARE,
            member_timeout: DEFAULT_MEMBER_TIMEOUT,
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
            .field("member_timeout", &self.member_timeout)
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
    /// the braces are its cluster hash tag); beside it, under the same name
    /// followed by `:members`, the processes sharing it, and by
    /// `:last-429`, the news of the last 429 on the key (kept for one
    /// window).
    /// A malformed URL fails [`crate::ClientBuilder::build`]; an unreachable
    /// Redis does not: calls then run under the fallback (see
    /// [`Self::redis_fallback_share`]) until Redis answers again. That is
    /// told as a `tracing` `WARN` event (install a subscriber to see it),
    /// as metrics with the `metrics` feature, and by
    /// [`Budget::redis_status`](crate::Budget::redis_status): see
    /// [`guide::shared_budget`](crate::guide::shared_budget#where-you-hear-of-redis-trouble).
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
    /// this crate installs the one its TLS feature compiles (once): `ring`
    /// with `rustls-ring`, aws-lc-rs with `rustls` (the default). With
    /// `native-tls` alone, install one yourself, or building the client
    /// fails naming `rate_limit.redis`.
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

    /// The share of the budget one process uses on its own while it
    /// cannot reach Redis (default 0.25); clamped to between 1% and 100%.
    ///
    /// The processes still on Redis leave each silent process this share
    /// (its own setting, which it registered), so a fleet where some
    /// processes lose Redis stays within the key's limit. A process starts
    /// on its share only once the others must have noticed its silence
    /// (about 3 s after its last step reached Redis); until then its calls
    /// wait. When the silent processes' shares add up to more than the
    /// budget, the live ones go on at their own fallback share.
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

    /// How long the processes on Redis leave room for a process that went
    /// silent (default 2 minutes; at least 10 s). Within it, a process cut
    /// off from Redis paces on its fallback share and the fleet stays
    /// within the key's limit; a process apart for longer is taken for
    /// gone, and the key may then exceed its limit by that share. The
    /// cost of a longer timeout: a process that dies without dropping its
    /// client (a crash, a runtime torn down) holds its share that long. A
    /// client dropped on a running runtime, or
    /// [`Budget::leave`](crate::Budget::leave), gives it back at once.
    pub fn redis_member_timeout(mut self, timeout: Duration) -> Self {
        if let Some(shared) = &mut self.shared {
            shared.member_timeout = timeout.clamp(Duration::from_secs(10), super::MAX_WINDOW);
        }
        self
    }
}

pub(super) struct SharedBudget {
    key: String,
    /// Where the news of the last 429 on the key is kept.
    news_key: String,
    /// The processes sharing the key.
    members_key: String,
    /// This process's name among them (random; never the API key).
    member: String,
    interval_us: u64,
    tolerance_us: u64,
    /// Whether this client reads the news of 429s (only adaptive pacing
    /// acts on it: without it, the step skips the read).
    wants_news: bool,
    window: Duration,
    /// Requests per window.
    requests: u32,
    reserve: redis::Script,
    heartbeat: redis::Script,
    report_script: redis::Script,
    /// 429s closer together than this are one event ([`adaptive::same_event`]).
    same_event: Duration,
    connector: RedisConnector,
    fallback: LocalBudget,
    fallback_share: f64,
    member_timeout: Duration,
    health: Mutex<Health>,
}

/// What this process knows of its standing in Redis.
#[derive(Debug)]
struct Health {
    /// Whether a step has been tried at all (the first waits for the
    /// first connection).
    tried: bool,
    /// When the last step that may have reached Redis was sent (it may
    /// have marked this process live there).
    last_maybe_landed: Option<Instant>,
    /// When a step or heartbeat was last sent.
    last_step: Option<Instant>,
    /// Since when Redis has not answered, and when to try again.
    apart: Option<(Instant, Instant)>,
    /// When Redis last started answering (or the budget was built).
    answering_since: Instant,
    /// Fallback spells that ended.
    fallback_ended: Duration,
    warned: bool,
    /// Members seen by the last step: live and silent.
    members: (u32, u32),
}

/// How a step failed: whether it may still have landed in Redis, and
/// whether the connection is still good.
enum StepError {
    /// Redis answered with an error: the step did not run, and the
    /// connection works.
    Refused(String),
    /// No connection: nothing was sent.
    NotSent(String),
    /// No answer: the step may have run.
    Unknown(String),
}

impl StepError {
    /// No answer in time: the step may have run only if it was sent (the
    /// wait may have been for the connection).
    fn timed_out(on_the_wire: &AtomicBool) -> Self {
        let why = "no answer in time".to_owned();
        if on_the_wire.load(Ordering::Relaxed) {
            Self::Unknown(why)
        } else {
            Self::NotSent(why)
        }
    }

    fn from_redis(e: &redis::RedisError) -> Self {
        if e.code().is_some() {
            Self::Refused(e.to_string())
        } else {
            Self::Unknown(e.to_string())
        }
    }
}

/// What one reservation brought back.
struct Reserved {
    wait: Duration,
    news: Option<ThrottleNews>,
    members: (u32, u32),
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
        let interval_us = duration_us(interval).max(1);
        let key = redis_key(&settings.namespace, api_key);
        Ok(Self {
            news_key: format!("{key}:last-429"),
            members_key: format!("{key}:members"),
            key,
            member: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
            interval_us,
            tolerance_us: interval_us.saturating_mul(u64::from(burst.get() - 1)),
            wants_news: limit.adaptive,
            window: limit.per,
            requests: limit.requests,
            reserve: script(RESERVE_SLOT),
            heartbeat: script(HEARTBEAT),
            report_script: script(REPORT_429),
            same_event: adaptive::same_event(limit),
            connector: RedisConnector::new(target),
            fallback: LocalBudget::new(limit, settings.fallback_share),
            fallback_share: settings.fallback_share,
            member_timeout: settings.member_timeout,
            health: Mutex::new(Health {
                tried: false,
                last_maybe_landed: None,
                last_step: None,
                apart: None,
                answering_since: Instant::now(),
                fallback_ended: Duration::ZERO,
                warned: false,
                members: (0, 0),
            }),
        })
    }

    fn health(&self) -> MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next slot: reserved in Redis's order, or, while Redis does not
    /// answer, from the local fallback. `news` hears first of the last 429
    /// on the key, so a pause it started holds this request too.
    pub(super) async fn next_slot(&self, news: impl FnOnce(ThrottleNews)) -> NextSlot {
        if !self.may_ask_redis().await {
            return self.fallback_slot();
        }
        let step_wait = if std::mem::replace(&mut self.health().tried, true) {
            REDIS_TIMEOUT
        } else {
            FIRST_CONNECT_WAIT
        };
        let sent = Instant::now();
        let on_the_wire = AtomicBool::new(false);
        let outcome = tokio::time::timeout(step_wait, self.reserve(&on_the_wire))
            .await
            .unwrap_or_else(|_| Err(StepError::timed_out(&on_the_wire)));
        match outcome {
            Ok(reserved) => {
                self.answered(sent, reserved.members);
                if let Some(last_429) = reserved.news {
                    news(last_429);
                }
                // The wait comes from a store other programs can write:
                // bounded before it meets the clock. Counted from the
                // answer, so the slot is never earlier than Redis meant.
                NextSlot::Taken(Instant::now() + reserved.wait.min(self.window))
            }
            Err(why) => {
                self.fall_back(sent, why);
                self.fallback_slot()
            }
        }
    }

    /// Whether this step may go to Redis: always while it answers; while
    /// apart, only when a retry is due and the connection answers a PING
    /// within a step's bound (a step sent down a link that is too slow
    /// would mark this process live in Redis while it paces on its own).
    async fn may_ask_redis(&self) -> bool {
        let due = match self.health().apart {
            None => return true,
            Some((_, retry_at)) => Instant::now() >= retry_at,
        };
        if !due {
            return false;
        }
        self.retry_later();
        let Some(mut connection) = self.connector.ready() else {
            // Reconnecting is the background's business.
            self.connector.start();
            return false;
        };
        let ping = redis::cmd("PING");
        let answered =
            tokio::time::timeout(REDIS_TIMEOUT, ping.query_async::<String>(&mut connection)).await;
        let fast = matches!(answered, Ok(Ok(_)));
        if !fast && !matches!(answered, Ok(Err(ref e)) if e.code().is_some()) {
            self.connector.forget();
            self.connector.start();
        }
        fast
    }

    /// A slot from the local fallback; none at all until the others must
    /// have seen this process go silent.
    fn fallback_slot(&self) -> NextSlot {
        let (grace_end, retry_at) = {
            let health = self.health();
            let grace_end = health
                .last_maybe_landed
                .map(|landed| landed + LIVE_FOR + LANDING_MARGIN);
            (grace_end, health.apart.map(|(_, retry)| retry))
        };
        let now = Instant::now();
        let ask_again = |at: Instant| NextSlot::FreeAt(retry_at.map_or(at, |retry| at.min(retry)));
        if let Some(grace_end) = grace_end.filter(|end| *end > now) {
            return ask_again(grace_end);
        }
        match self.fallback.try_take() {
            Ok(()) => NextSlot::Taken(now),
            Err(free_at) => ask_again(free_at),
        }
    }

    /// The connection for a step about to be sent: `on_the_wire` is set
    /// once there is one, so a timeout can tell a step that may have run
    /// from one still waiting for its connection.
    async fn step_connection(
        &self,
        on_the_wire: &AtomicBool,
    ) -> Result<RedisConnection, StepError> {
        let connection = self
            .connector
            .connection()
            .await
            .map_err(StepError::NotSent)?;
        on_the_wire.store(true, Ordering::Relaxed);
        Ok(connection)
    }

    /// One reservation in Redis; `on_the_wire` is set once it is sent.
    async fn reserve(&self, on_the_wire: &AtomicBool) -> Result<Reserved, StepError> {
        let mut connection = self.step_connection(on_the_wire).await?;
        let mut step = self.reserve.key(&self.key);
        step.key(&self.news_key)
            .key(&self.members_key)
            .arg(self.interval_us)
            .arg(self.tolerance_us)
            .arg(u8::from(self.wants_news))
            .arg(&self.member)
            .arg(self.fallback_ppm())
            .arg(duration_us(LIVE_FOR))
            .arg(duration_us(self.member_timeout))
            .arg(duration_us(self.window))
            .arg(self.requests);
        let (wait_us, age_us, pause_left_us, live, silent): (u64, i64, u64, u32, u32) = step
            .invoke_async(&mut connection)
            .await
            .map_err(|e| StepError::from_redis(&e))?;
        let news = u64::try_from(age_us)
            .ok()
            .map(Duration::from_micros)
            .map(|age| ThrottleNews {
                age,
                pause_left: Duration::from_micros(pause_left_us),
            });
        Ok(Reserved {
            wait: Duration::from_micros(wait_us),
            news,
            members: (live, silent),
        })
    }

    fn fallback_ppm(&self) -> u32 {
        (self.fallback_share * 1e6).round() as u32
    }

    /// When the dispatcher should next look at Redis while it has no step
    /// to make: the heartbeat, or the next try while apart. `None` before
    /// the first step.
    pub(super) fn check_due(&self) -> Option<Instant> {
        let health = self.health();
        match health.apart {
            Some((_, retry_at)) => Some(retry_at),
            None => health.last_step.map(|step| step + HEARTBEAT_EVERY),
        }
    }

    /// The heartbeat: keeps this process live among the members while it
    /// takes no slot; while apart, tries Redis again.
    pub(super) async fn check(&self) {
        // Apart and not answering yet: the next try is already scheduled.
        if !self.may_ask_redis().await {
            return;
        }
        let sent = Instant::now();
        let on_the_wire = AtomicBool::new(false);
        let beat = async {
            let mut connection = self.step_connection(&on_the_wire).await?;
            let mut step = self.heartbeat.key(&self.members_key);
            step.arg(&self.member)
                .arg(self.fallback_ppm())
                .arg(duration_us(self.member_timeout));
            step.invoke_async::<i64>(&mut connection)
                .await
                .map_err(|e| StepError::from_redis(&e))
        };
        match tokio::time::timeout(REDIS_TIMEOUT, beat).await {
            Ok(Ok(_)) => {
                let members = self.health().members;
                self.answered(sent, members);
            }
            Ok(Err(why)) => self.fall_back(sent, why),
            Err(_) => self.fall_back(sent, StepError::timed_out(&on_the_wire)),
        }
    }

    /// Takes this process out of the members at once (a process that
    /// stops sharing gives its room back instead of leaving it held until
    /// it is forgotten).
    pub(super) async fn leave(&self) {
        let Some(mut connection) = self.connector.ready() else {
            return;
        };
        let forget = self.forget_this_member();
        let _ =
            tokio::time::timeout(REDIS_TIMEOUT, forget.query_async::<i64>(&mut connection)).await;
    }

    /// The command that takes this process out of the members.
    fn forget_this_member(&self) -> redis::Cmd {
        let mut forget = redis::cmd("HDEL");
        forget.arg(&self.members_key).arg(&self.member);
        forget
    }

    /// [`Self::leave`], from a `Drop`: in the background, when a runtime
    /// and an open connection are there.
    pub(super) fn leave_in_background(&self) {
        let (Ok(runtime), Some(mut connection)) = (
            tokio::runtime::Handle::try_current(),
            self.connector.ready(),
        ) else {
            return;
        };
        let forget = self.forget_this_member();
        runtime.spawn(tokio::time::timeout(REDIS_TIMEOUT, async move {
            let _ = forget.query_async::<i64>(&mut connection).await;
        }));
    }

    /// Tells the other processes on the key that this one met a 429, in the
    /// background: the request that met it does not wait on Redis, and a
    /// Redis that does not answer only loses the news.
    pub(super) fn report_429(&self, retry_after: Option<Duration>) {
        if self.health().apart.is_some() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Only on a connection the budget already made: reporting never
        // connects (a Redis that is down is the fallback's business).
        let Some(connection) = self.connector.ready() else {
            return;
        };
        let (script, key) = (self.report_script.clone(), self.news_key.clone());
        let same_event_us = duration_us(self.same_event);
        // Bounded like adaptive pacing's own pause (a window): an absurd
        // `Retry-After` must not hold every process, nor overflow Redis's
        // integers on the way back.
        let pause_us = retry_after.map_or(0, |wait| duration_us(wait.min(self.window)));
        let lifetime_ms = duration_us(self.window) / 1000 + 1;
        runtime.spawn(tokio::time::timeout(
            REDIS_TIMEOUT,
            report(
                script,
                key,
                connection,
                [same_event_us, pause_us, lifetime_ms],
            ),
        ));
    }

    fn retry_later(&self) {
        if let Some((_, retry_at)) = &mut self.health().apart {
            *retry_at = Instant::now() + RETRY_REDIS_EVERY;
        }
    }

    /// How long calls have been paced by the fallback so far, and at what
    /// share of the budget.
    pub(super) fn fallback_report(&self) -> (Duration, f64) {
        let health = self.health();
        let running = health
            .apart
            .map_or(Duration::ZERO, |(since, _)| since.elapsed());
        (health.fallback_ended + running, self.fallback_share)
    }

    /// Whether Redis answers now, since when, and the members it showed.
    pub(super) fn status(&self) -> super::sharing::RedisStatus {
        let health = self.health();
        let (answering, since) = match health.apart {
            Some((since, _)) => (false, since),
            None => (true, health.answering_since),
        };
        super::sharing::RedisStatus {
            answering,
            since: since.into_std(),
            live_processes: health.members.0,
            silent_processes: health.members.1,
        }
    }

    fn answered(&self, sent: Instant, members: (u32, u32)) {
        let mut health = self.health();
        health.last_maybe_landed = Some(sent);
        health.last_step = Some(sent);
        health.members = members;
        if let Some((since, _)) = health.apart.take() {
            health.fallback_ended += since.elapsed();
            health.answering_since = Instant::now();
            health.warned = false;
            tracing::info!("the shared rate budget in Redis answers again");
            crate::telemetry::redis_answering(true);
            crate::telemetry::redis_fallback_ended(since.elapsed());
        }
    }

    fn fall_back(&self, sent: Instant, why: StepError) {
        let connection_works = matches!(why, StepError::Refused(_));
        let why = {
            let mut health = self.health();
            health.last_step = Some(sent);
            let why = match why {
                StepError::Refused(why) | StepError::NotSent(why) => why,
                StepError::Unknown(why) => {
                    health.last_maybe_landed = Some(sent);
                    why
                }
            };
            let now = Instant::now();
            if health.apart.is_none() {
                crate::telemetry::redis_answering(false);
            }
            let since = health.apart.map_or(now, |(since, _)| since);
            health.apart = Some((since, now + RETRY_REDIS_EVERY));
            if std::mem::replace(&mut health.warned, true) {
                None
            } else {
                Some(why)
            }
        };
        // Reconnecting starts now, so a Redis that restarted is found at
        // the first retry; a connection Redis answered on is kept.
        if !connection_works {
            self.connector.forget();
            self.connector.start();
        }
        if let Some(why) = why {
            let (cause, fix) = super::redis_trouble::explain(&why);
            tracing::warn!(
                reason = why,
                "the shared rate budget in Redis is unreachable: {cause}; pacing locally at {:.0}% of the budget until it answers again (after {} s, so that the other processes on the key have made room). To fix: {fix}",
                self.fallback_share * 100.0,
                (LIVE_FOR + LANDING_MARGIN).as_secs()
            );
        }
    }
}

/// Reports one 429 on `connection` (see [`REPORT_429`]).
async fn report(
    script: redis::Script,
    key: String,
    mut connection: RedisConnection,
    [same_event_us, pause_us, lifetime_ms]: [u64; 3],
) {
    let mut report = script.key(&key);
    report.arg(same_event_us).arg(pause_us).arg(lifetime_ms);
    let _ = report.invoke_async::<i64>(&mut connection).await;
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
