//! An embedded fake Upheal server: what stripe-mock is to Stripe users, but
//! in-process. The crate's own tests, the quickstart and your tests run
//! against it over real HTTP on `127.0.0.1`.
//!
//! It serves `PATCH /users/providers/{providerUserId}` as the fragment in
//! `openapi/` describes it: bearer auth, lookup by UUID or `partnerUserId`,
//! request bodies validated against the fragment's own schema, absent fields
//! left unchanged, `[]` clearing the template list, 404 for unknown users,
//! 400 for deactivated ones, a per-key rate limit with `Retry-After`, and
//! fault injection.
//!
//! ```
//! use upheal_provider_users::{NoteIdentifier, ProviderUserId, ProviderUserUpdate};
//! use upheal_provider_users::fake::{FakeUpheal, SeedUser};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeUpheal::start().await?;
//! let uuid = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1"));
//!
//! let update = ProviderUserUpdate::new().note_identifier(NoteIdentifier::Coach);
//! let user = fake.client().update_provider_user(&ProviderUserId::partner("ext-1")?, &update).await?;
//! assert_eq!(user.user_id, uuid.to_string());
//! assert_eq!(fake.counters().partner_lookups, 1);
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, doc(cfg(feature = "fake")))]

mod admin;
mod connection_limits;
mod fault;
mod handler;
mod key_rate_limit;
mod request_log;
mod request_schema;
mod response;
mod router;
mod seed_user;
mod state;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use connection_limits::ConnectionLimits;
pub use connection_limits::{DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS};
pub use fault::Fault;
pub use request_log::{Counters, RecordedRequest};
pub use seed_user::SeedUser;
use state::{FakeState, FaultTarget};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::{call::Client, generated::types::ProviderUser, rate_limit::RateLimit};

/// The prefix of the API key each fake accepts unless configured otherwise
/// (a fresh suffix per fake: [`FakeUpheal::api_key`]). Not a secret.
pub const FAKE_API_KEY: &str = "fake-upheal-api-key";
/// Upheal's published limit, the fake's default.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 300;
/// How many of the most recent requests [`FakeUpheal::requests`] keeps by
/// default; each keeps at most [`MAX_LOGGED_BODY_BYTES`] of its body.
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 1_000;
/// How much of each request body the log keeps.
pub const MAX_LOGGED_BODY_BYTES: usize = 64 * 1024;

/// A running fake Upheal server. It stops when dropped or on
/// [`FakeUpheal::shutdown`].
pub struct FakeUpheal {
    address: SocketAddr,
    /// The key's limit the fake enforces, which [`Self::client`] paces by.
    rate_limit: Option<RateLimit>,
    base_url: String,
    state: Arc<FakeState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Configures a [`FakeUpheal`] before it starts.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct FakeUphealBuilder {
    address: SocketAddr,
    api_key: String,
    rate_limit: Option<RateLimit>,
    partner_lookup_latency: Duration,
    users: Vec<SeedUser>,
    request_log_capacity: usize,
    limits: ConnectionLimits,
}

impl Default for FakeUphealBuilder {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            // Each fake its own key, so tests sharing a Redis never share a
            // budget (or its 429 news) by accident.
            api_key: format!("{FAKE_API_KEY}-{}", Uuid::new_v4().simple()),
            rate_limit: Some(RateLimit::per_minute(DEFAULT_RATE_LIMIT_PER_MINUTE)),
            partner_lookup_latency: Duration::ZERO,
            users: Vec::new(),
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
            limits: ConnectionLimits::default(),
        }
    }
}

impl FakeUphealBuilder {
    /// Where to listen; default `127.0.0.1:0` (a free port).
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().address(([127, 0, 0, 1], 8080).into()).start().await?;
    /// assert_eq!(fake.base_url(), "http://127.0.0.1:8080");
    /// # Ok(()) }
    /// ```
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// The one API key the fake accepts; by default a fresh one per fake
    /// (`fake-upheal-api-key-` and 32 hex digits), so that fakes never share
    /// a Redis budget by accident. [`FakeUpheal::api_key`] says which.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().api_key("test-key").start().await?;
    /// assert_eq!(fake.api_key(), "test-key");
    /// # Ok(()) }
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Requests per minute per key before 429 (default 300); `None` disables it.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().rate_limit_per_minute(Some(60)).start().await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_per_minute(mut self, limit: Option<u32>) -> Self {
        self.rate_limit = limit.map(RateLimit::per_minute);
        self
    }

    /// Any budget, e.g. a short window for tests that must cross it quickly;
    /// `None` disables the limit.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use std::time::Duration;
    /// use upheal_provider_users::RateLimit;
    ///
    /// // A strict 10-a-second window, or `None` for no limit at all.
    /// let fake = FakeUpheal::builder()
    ///     .rate_limit(Some(RateLimit::new(10, Duration::from_secs(1))))
    ///     .start()
    ///     .await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Extra latency of a lookup by `partnerUserId` (default none).
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use std::time::Duration;
    ///
    /// let fake = FakeUpheal::builder()
    ///     .partner_lookup_latency(Duration::from_millis(50))
    ///     .start()
    ///     .await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn partner_lookup_latency(mut self, latency: Duration) -> Self {
        self.partner_lookup_latency = latency;
        self
    }

    /// How many of the most recent requests the log keeps (default
    /// [`DEFAULT_REQUEST_LOG_CAPACITY`]); older ones are dropped, while
    /// [`FakeUpheal::counters`] still counts every request.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().request_log_capacity(10_000).start().await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.request_log_capacity = capacity;
        self
    }

    /// Users present from the start.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder()
    ///     .users([SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1")])
    ///     .start()
    ///     .await?;
    /// assert!(fake.find_partner_user_id("ext-1").is_some());
    /// # Ok(()) }
    /// ```
    pub fn users(mut self, users: impl IntoIterator<Item = SeedUser>) -> Self {
        self.users.extend(users);
        self
    }

    /// How long a client has to send a request's headers (also between
    /// requests on a kept-alive connection) before the fake closes the
    /// connection; default [`DEFAULT_HEADER_READ_TIMEOUT`] (10 s). A
    /// half-sent request never holds a connection for ever.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use std::time::Duration;
    ///
    /// let fake = FakeUpheal::builder()
    ///     .header_read_timeout(Duration::from_secs(2))
    ///     .start()
    ///     .await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// The most connections served at once; more wait in the listen queue
    /// until one closes. Default [`DEFAULT_MAX_CONNECTIONS`] (128): well
    /// under common descriptor limits, so stuck clients cannot exhaust them.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().max_connections(32).start().await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().rate_limit(None).start().await?;
    /// println!("listening on {}", fake.base_url());
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> std::io::Result<FakeUpheal> {
        let state = Arc::new(FakeState::new(
            self.api_key,
            self.rate_limit.clone(),
            self.partner_lookup_latency,
            self.request_log_capacity,
        ));
        for user in self.users {
            state.seed(user);
        }
        let listener = tokio::net::TcpListener::bind(self.address).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Arc::clone(&state);
        let limits = self.limits;
        let task = tokio::spawn(connection_limits::serve(listener, app, limits, async {
            let _ = stopped.await;
        }));
        Ok(FakeUpheal {
            address,
            rate_limit: self.rate_limit,
            base_url: format!("http://{address}"),
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl FakeUpheal {
    /// Starts a fake with the defaults on a free loopback port.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// println!("listening on {} with key {}", fake.base_url(), fake.api_key());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Configures a fake before starting it.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::builder().rate_limit(None).start().await?;
    /// # let _ = fake;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> FakeUphealBuilder {
        FakeUphealBuilder::default()
    }

    /// The URL to give [`crate::ClientBuilder::base_url`].
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// assert!(fake.base_url().starts_with("http://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address the fake listens on.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// assert!(fake.address().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The API key the fake accepts.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// // Point a client written in any language at the fake with this key.
    /// println!("UPHEAL_API_KEY={}", fake.api_key());
    /// # Ok(()) }
    /// ```
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// A [`ClientBuilder`](crate::ClientBuilder) already pointed at this fake
    /// with its key, to adjust before building.
    ///
    /// Unlike [`Client::builder`], it does **not** pace requests at the
    /// production limit (300 per minute would make a 50-update test take
    /// 10 s): the fake enforces its own limit, and a test of pacing sets
    /// one with [`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit).
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use upheal_provider_users::RetryPolicy;
    ///
    /// let fake = FakeUpheal::start().await?;
    /// let client = fake.client_builder().retry_policy(RetryPolicy::none()).build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> crate::call::ClientBuilder {
        Client::builder()
            .api_key(self.api_key())
            .base_url(self.base_url())
            .rate_limit(None)
    }

    /// A client pointed at this fake with its key, paced by the fake's own
    /// limit (300 a minute unless set otherwise), so that
    /// [`Client::budget`] is `Some` and code that shares the budget is
    /// tested with one; `None` when the fake has no limit. For a client
    /// that is not paced, see [`Self::client_builder`].
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use upheal_provider_users::{ProviderUserId, ProviderUserUpdate};
    ///
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    /// fake.client()
    ///     .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new().therapy_licence("LPC-1"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> Client {
        self.client_builder()
            .rate_limit(self.rate_limit.clone())
            .build()
            .expect("a loopback URL and a fixed key always build")
    }

    /// Adds (or replaces) a user; returns its Upheal UUID.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1"));
    /// assert_eq!(fake.find_partner_user_id("ext-1"), Some(ada));
    /// # Ok(()) }
    /// ```
    pub fn seed(&self, user: SeedUser) -> Uuid {
        self.state.seed(user)
    }

    /// Removes a user; `false` if there was none.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    /// assert!(fake.remove(ada));
    /// assert!(fake.user(ada).is_none());
    /// # Ok(()) }
    /// ```
    pub fn remove(&self, id: Uuid) -> bool {
        self.state.remove(id)
    }

    /// The Upheal UUID of the user with this `partnerUserId`, if any.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// assert_eq!(fake.find_partner_user_id("ext-nobody"), None);
    /// # Ok(()) }
    /// ```
    pub fn find_partner_user_id(&self, partner_user_id: &str) -> Option<Uuid> {
        self.state.find_by_partner_id(partner_user_id)
    }

    /// The user as the fake now holds it.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    /// assert_eq!(fake.user(ada).unwrap().first_name, "Ada");
    /// # Ok(()) }
    /// ```
    pub fn user(&self, id: Uuid) -> Option<ProviderUser> {
        self.state.user(id)
    }

    /// Everything the fake holds for a user, as JSON in the API's names:
    /// also the request properties with
    /// [generated setters](crate::ProviderUserUpdate::generated_properties)
    /// it was sent, which [`ProviderUser`] has no field for until the
    /// fragment's response gains them.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    /// assert_eq!(fake.stored_user(ada).unwrap()["email"], "ada@example.com");
    /// # Ok(()) }
    /// ```
    pub fn stored_user(&self, id: Uuid) -> Option<serde_json::Value> {
        self.state.stored_user(id)
    }

    /// Deactivates (`false`) or reactivates a user; `false` if there is none.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    /// assert!(fake.set_active(ada, false)); // updates to Ada now fail: deactivated
    /// # Ok(()) }
    /// ```
    pub fn set_active(&self, id: Uuid, active: bool) -> bool {
        self.state.set_active(id, active)
    }

    /// Reassigns (or removes) a user's `partnerUserId`; `false` if there is none.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1"));
    /// assert!(fake.set_partner_user_id(ada, Some("ext-2")));
    /// assert_eq!(fake.find_partner_user_id("ext-2"), Some(ada));
    /// # Ok(()) }
    /// ```
    pub fn set_partner_user_id(&self, id: Uuid, partner_user_id: Option<&str>) -> bool {
        self.state
            .set_partner_user_id(id, partner_user_id.map(str::to_owned))
    }

    /// Makes the next `times` requests that pass authentication and the
    /// rate limit suffer `fault`, in the order injected.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use upheal_provider_users::fake::Fault;
    ///
    /// let fake = FakeUpheal::start().await?;
    /// fake.inject(Fault::Status(503), 2); // the next two requests fail with 503
    /// # Ok(()) }
    /// ```
    pub fn inject(&self, fault: Fault, times: usize) {
        self.state.inject(FaultTarget::Operation, fault, times);
    }

    /// Like [`Self::inject`], for the next `times` requests that address
    /// the user `id` names (by its UUID or its partner id, whichever form
    /// the request uses); requests for other users go on normally, so a
    /// test of a batch can fail one item and watch the others.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use upheal_provider_users::{ErrorKind, ProviderUserId, ProviderUserUpdate};
    /// use upheal_provider_users::fake::{FakeUpheal, Fault, SeedUser};
    ///
    /// let fake = FakeUpheal::start().await?;
    /// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1"));
    /// let bob = fake.seed(SeedUser::new("Bob", "Byron", "bob@example.com"));
    /// fake.inject_for(&ProviderUserId::partner("ext-1")?, Fault::Status(403), 1);
    /// let client = fake.client();
    /// let update = ProviderUserUpdate::new().therapy_licence("L-1");
    /// client.update_provider_user(&ProviderUserId::upheal(bob), &update).await?;
    /// let refused = client.update_provider_user(&ProviderUserId::upheal(ada), &update).await;
    /// assert_eq!(refused.unwrap_err().kind(), ErrorKind::Forbidden);
    /// # Ok(()) }
    /// ```
    pub fn inject_for(&self, id: &crate::values::ProviderUserId, fault: Fault, times: usize) {
        let raw = match (id.as_upheal(), id.as_partner()) {
            (Some(uuid), _) => uuid.to_string(),
            (None, partner) => partner.unwrap_or_default().to_owned(),
        };
        let target = match self.state.resolve(&raw) {
            Some(uuid) => FaultTarget::User(uuid),
            None => FaultTarget::Id(raw),
        };
        self.state.inject(target, fault, times);
    }

    /// Like [`Self::inject`], for the next `times` requests to `path` (as
    /// sent, e.g. `/users/providers`), on any route: the fake counts and
    /// answers Upheal's other endpoints 404, and a fault aimed at one of
    /// them answers instead, for tests of calls made with
    /// [`Client::request`](crate::Client::request).
    pub fn inject_at_path(&self, path: impl Into<String>, fault: Fault, times: usize) {
        self.state
            .inject(FaultTarget::Path(path.into()), fault, times);
    }

    /// Changes the extra latency of lookups by `partnerUserId`.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// use std::time::Duration;
    ///
    /// let fake = FakeUpheal::start().await?;
    /// fake.set_partner_lookup_latency(Duration::from_millis(200));
    /// # Ok(()) }
    /// ```
    pub fn set_partner_lookup_latency(&self, latency: Duration) {
        self.state.set_partner_lookup_latency(latency);
    }

    /// Every request received so far, oldest first, key redacted.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// for request in fake.requests() {
    ///     println!("{} {} -> {}", request.method, request.path, request.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Totals since start.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// assert_eq!(fake.counters().requests, 0);
    /// # Ok(()) }
    /// ```
    pub fn counters(&self) -> Counters {
        self.state.counters()
    }

    /// Stops accepting connections and waits for the server task to end.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[allow(unused_imports)]
    /// # use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    /// let fake = FakeUpheal::start().await?;
    /// fake.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(task) = self.signal_stop() {
            let _ = task.await;
        }
    }

    /// Tells the server to stop (once) and hands back its task.
    fn signal_stop(&mut self) -> Option<tokio::task::JoinHandle<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take()
    }
}

impl Drop for FakeUpheal {
    fn drop(&mut self) {
        if let Some(task) = self.signal_stop() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for FakeUpheal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeUpheal")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}
