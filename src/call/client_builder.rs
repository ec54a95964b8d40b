//! Configuration of a [`Client`], checked once in [`ClientBuilder::build`].

use std::{num::NonZeroUsize, sync::Arc, time::Duration};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    call::{
        Client, RetryPolicy, base_url, client::ClientInner, partner_id_cache::PartnerIdCache, tls,
        transport::Transport,
    },
    errors::{Error, key_redactor::KeyRedactor},
    fragment::{AUTH_HEADER, AUTH_PREFIX},
    generated,
    rate_limit::RateLimit,
};

/// Default cap on a response body: a provider user is a few hundred bytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Default time for a whole request, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const USER_AGENT_VALUE: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Builds a [`Client`]. Only the API key is required.
///
/// ```
/// use std::time::Duration;
/// use upheal_provider_users::Client;
///
/// let client = Client::builder()
///     .api_key("secret-key")
///     .base_url("https://api.upheal.io/")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert!(!format!("{client:?}").contains("secret-key"));
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    base_url: String,
    allow_insecure_http: bool,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    prefer_native_tls: bool,
    extra_roots: Vec<Vec<u8>>,
    retry: RetryPolicy,
    rate_limit: Option<RateLimit>,
    partner_id_cache: Option<(NonZeroUsize, Duration)>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: base_url::DEFAULT_BASE_URL.to_owned(),
            allow_insecure_http: false,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            prefer_native_tls: false,
            extra_roots: Vec::new(),
            retry: RetryPolicy::default(),
            rate_limit: Some(RateLimit::upheal_default()),
            partner_id_cache: None,
        }
    }
}

impl ClientBuilder {
    /// The partner API key, sent as the fragment's security scheme says
    /// (today `Authorization: Bearer <key>`; the header is
    /// [`generated::AUTH_HEADER`], the text before the key
    /// [`generated::AUTH_PREFIX`]). Required. It is held as a secret: no `Debug`, `Display`, error or log shows it.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// Where to send requests; default `https://api.upheal.io`. A trailing
    /// `/` is tolerated and a path stem (a proxy prefix) is kept. Plain
    /// `http` is accepted only for loopback hosts, see
    /// [`Self::allow_insecure_http`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Accepts a plain `http` base URL to a non-loopback host, which sends
    /// the API key in clear text. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Time for one whole HTTP attempt, response body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The most bytes read from one response body (default 1 MiB); a larger
    /// body fails with [`crate::ErrorKind::ResponseTooLarge`] after reading
    /// no more than this.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Uses the platform TLS library even when `rustls` is also compiled in.
    #[cfg(feature = "native-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "native-tls")))]
    pub fn use_native_tls(mut self) -> Self {
        self.prefer_native_tls = true;
        self
    }

    /// Trusts the PEM certificate(s) in `pem` as roots, in addition to the
    /// platform's: for a private development host or a TLS-inspecting
    /// proxy. Checked in [`Self::build`] (`InvalidInput`, field
    /// `root_certificate`).
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.extra_roots.push(pem.as_ref().to_vec());
        self
    }

    /// How transient failures are retried (default: [`RetryPolicy::default`];
    /// [`RetryPolicy::none`] turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Paces requests so that this client and all its clones stay within
    /// `limit` (default: Upheal's 300 per minute per key); `None` turns the
    /// limiter off. The budget is this process's alone unless it is held in
    /// Redis (`RateLimit::redis`, feature `redis`), which every process on
    /// the key then shares.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Remembers, for up to `capacity` partner ids and for `ttl`, which Upheal
    /// UUID each resolved to, and addresses those users by UUID, sparing
    /// Upheal's extra lookup. Off by default.
    ///
    /// Every response is still identity-checked: if a cached partner id was
    /// reassigned to another user meanwhile, the call fails with
    /// [`crate::ErrorKind::IdentityMismatch`] and the entry is dropped, but
    /// the update has then been applied to the user the UUID names. A 404 by
    /// cached UUID falls back once to the partner id. Enable it only when
    /// partner ids are not reassigned within `ttl`.
    pub fn partner_id_cache(mut self, capacity: NonZeroUsize, ttl: Duration) -> Self {
        self.partner_id_cache = Some((capacity, ttl));
        self
    }

    /// Checks the configuration and builds the client (and its connection pool).
    pub fn build(self) -> Result<Client, Error> {
        let base_url = base_url::parse(&self.base_url, self.allow_insecure_http)?;
        let (headers, redactor) = default_headers(self.api_key.as_ref())?;
        let http = tls::configure(
            reqwest::Client::builder(),
            self.prefer_native_tls,
            &self.extra_roots,
        )?
        .default_headers(headers);
        let http = if base_url.starts_with("http://") {
            // The key travels in clear over plain http: never to a proxy
            // (`HTTP_PROXY`, `ALL_PROXY`), only straight to the host named.
            http.no_proxy()
        } else {
            // https may go through `HTTPS_PROXY`/`ALL_PROXY`, always as a
            // CONNECT tunnel: the proxy sees the host name, not the key.
            http
        };
        let http = http
            // A redirect would re-send the update somewhere the caller did
            // not choose; the API documents none.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| {
                Error::new(
                    crate::errors::ErrorKind::Transport,
                    format!("cannot build the HTTP client ({e})"),
                )
            })?;
        let transport = Transport {
            max_response_bytes: self.max_response_bytes,
            limiter: self
                .rate_limit
                .as_ref()
                .map(|limit| limit.pacer(redactor.key()))
                .transpose()?,
            redactor,
            attempt_timeout: self.timeout,
            server_address: server_address(&base_url),
        };
        let raw = generated::Client::new_with_client(&base_url, http, transport);
        Ok(Client::from_inner(Arc::new(ClientInner {
            raw,
            base_url,
            retry: self.retry,
            partner_ids: self
                .partner_id_cache
                .map(|(capacity, ttl)| PartnerIdCache::new(capacity, ttl)),
        })))
    }
}

/// The base URL's host (`server.address` in telemetry).
fn server_address(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The headers every request carries, and the redactor for the key they hold.
fn default_headers(api_key: Option<&SecretString>) -> Result<(HeaderMap, KeyRedactor), Error> {
    let key = api_key
        .ok_or_else(|| {
            Error::invalid_setting("api_key", "an API key is required: call `.api_key(..)`")
        })?
        .expose_secret()
        .trim();
    if key.is_empty() {
        return Err(Error::invalid_setting(
            "api_key",
            "the API key is empty (or only whitespace); pass the key itself",
        ));
    }
    let mut authorization =
        HeaderValue::from_str(&format!("{AUTH_PREFIX}{key}")).map_err(|_| {
            // The key itself is never part of the message.
            Error::invalid_setting(
                "api_key",
                "contains characters that cannot go in an HTTP header",
            )
        })?;
    authorization.set_sensitive(true);
    let mut headers = HeaderMap::with_capacity(2);
    // The fragment's security scheme says which header (build.rs checks
    // that it is a valid, lower-case header name).
    headers.insert(HeaderName::from_static(AUTH_HEADER), authorization);
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    Ok((headers, KeyRedactor::new(key)))
}
