//! The client partners call: validated, retried, identity-checked updates.

use std::{fmt, sync::Arc};

use futures_util::{FutureExt, TryFutureExt};
use progenitor_client::ClientInfo;
use uuid::Uuid;

use crate::{
    call::{
        ClientBuilder, RetryPolicy,
        partner_id_cache::PartnerIdCache,
        response_error,
        retry_loop::{RetryLoop, Route, Turn},
    },
    errors::{Error, ErrorKind},
    generated::{
        self,
        types::{ProviderUser, UpdateProviderUserRequest},
    },
    rate_limit::{Budget, Pacer},
    telemetry,
    values::{ProviderUserId, ProviderUserUpdate},
};

/// A client for Upheal's "update provider user by id v2" endpoint.
///
/// Cheap to clone (one `Arc`): clones share the connection pool, the rate
/// limiter and the partner-id cache, so build one per API key and pass
/// clones around. `Send + Sync`.
///
/// ```no_run
/// use upheal_provider_users::{Client, NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate};
///
/// # async fn run() -> Result<(), upheal_provider_users::Error> {
/// let client = Client::builder().api_key(std::env::var("UPHEAL_API_KEY").unwrap()).build()?;
/// let id = ProviderUserId::partner("ext-42")?;
/// let update = ProviderUserUpdate::new()
///     .note_identifier(NoteIdentifier::Clinician)
///     .national_provider_identifier(Npi::new("1234567893")?);
/// let user = client.update_provider_user(&id, &update).await?;
/// println!("{} {} now has NPI {:?}", user.first_name, user.last_name, user.national_provider_identifier);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) raw: generated::Client,
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) partner_ids: Option<PartnerIdCache>,
}

impl Client {
    /// Starts configuring a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Arc<ClientInner>) -> Self {
        Self { inner }
    }

    /// The pacer every attempt of this client (and its clones) waits for.
    pub(crate) fn pacer(&self) -> Option<&Arc<Pacer>> {
        self.inner.raw.inner().limiter.as_ref()
    }

    /// The rate budget this client paces with, as a handle for a partner's
    /// other Upheal calls on the same key (they spend the same 300 a
    /// minute); `None` when the client has no rate limit. See [`Budget`].
    ///
    /// ```
    /// use upheal_provider_users::Client;
    ///
    /// let client = Client::builder().api_key("key").build()?;
    /// let budget = client.budget().expect("a limit of 300 a minute by default");
    /// # let _ = budget;
    /// # Ok::<(), upheal_provider_users::Error>(())
    /// ```
    pub fn budget(&self) -> Option<Budget> {
        self.pacer().cloned().map(Budget::new)
    }

    /// The attempts of this client's calls: its retry policy over its
    /// transport.
    pub(crate) fn retry_loop(&self) -> RetryLoop<'_> {
        RetryLoop {
            policy: &self.inner.retry,
            transport: self.inner.raw.inner(),
        }
    }

    /// The normalised base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The generated client underneath, as an escape hatch: it sends through
    /// the same connection pool, authentication, rate limiter and body cap,
    /// but without validation, retries or the identity check.
    pub fn generated(&self) -> &generated::Client {
        &self.inner.raw
    }

    /// Applies `update` to the user `id` addresses and returns the user as
    /// Upheal now holds it.
    ///
    /// Nothing is sent when the update is invalid
    /// ([`ErrorKind::InvalidInput`]). Transient failures are retried under
    /// the client's [`RetryPolicy`] (safe: the update sets absolute values).
    /// The returned user is checked to be the one addressed
    /// ([`ErrorKind::IdentityMismatch`] otherwise).
    pub async fn update_provider_user(
        &self,
        id: &ProviderUserId,
        update: &ProviderUserUpdate,
    ) -> Result<ProviderUser, Error> {
        let request = update.validated_request()?;
        self.update_request(id, request, Turn::default()).await
    }

    /// A validated update, traced, for one call or one item of a bulk run.
    pub(crate) async fn update_request(
        &self,
        id: &ProviderUserId,
        request: &UpdateProviderUserRequest,
        mut turn: Turn,
    ) -> Result<ProviderUser, Error> {
        let span = tracing::info_span!(
            "upheal.update_provider_user",
            operation = "updateProviderUserByIdV2",
            id_form = id.form(),
            cached = tracing::field::Empty,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let started = telemetry::Stopwatch::start();
        let result = telemetry::in_span(self.update_validated(id, request, &mut turn), &span).await;
        finish_call(
            &span,
            started,
            "updateProviderUserByIdV2",
            &result,
            |_| 200,
            turn.attempts,
        );
        span.in_scope(|| tracing::debug!(attempts = turn.attempts, "upheal call finished"));
        result.map(|user| *user)
    }

    async fn update_validated(
        &self,
        id: &ProviderUserId,
        request: &UpdateProviderUserRequest,
        turn: &mut Turn,
    ) -> Result<Box<ProviderUser>, Error> {
        if turn.ticket.is_none() {
            turn.ticket = self.pacer().map(|pacer| pacer.ticket());
        }
        if let Some((partner_id, uuid)) = self.cached_target(id) {
            tracing::Span::current().record("cached", true);
            match self
                .send_with_retries(&ProviderUserId::upheal(uuid), request, turn)
                .await
            {
                Err(e) if e.kind() == ErrorKind::NotFound => self.forget(partner_id),
                result => return self.check_cached_identity(id, partner_id, result),
            }
        }
        let (user, attempts) = self.send_with_retries(id, request, turn).await?;
        let user = check_identity(id, user, attempts).map_err(|e| self.without_key(e))?;
        self.remember(id, &user);
        Ok(user)
    }

    /// The HTTP attempts for one update, under the retry policy; the user
    /// and how many attempts it took.
    async fn send_with_retries(
        &self,
        target: &ProviderUserId,
        request: &UpdateProviderUserRequest,
        turn: &mut Turn,
    ) -> Result<(Box<ProviderUser>, u32), Error> {
        let mut buffer = [0; uuid::fmt::Hyphenated::LENGTH];
        let path_id = target.path_text(&mut buffer);
        // Every failure the policy calls transient may be retried: the
        // update sets absolute values.
        let route = Route {
            method: crate::fragment::OPERATION_METHOD,
            template: crate::fragment::OPERATION_PATH,
        };
        self.retry_loop()
            .run(route, turn, |_| true, || self.attempt(path_id, request))
            .await
    }

    /// One HTTP attempt, its error body read (bounded) and classified.
    ///
    /// Chained rather than written as an `async fn`: a value awaited into a
    /// binding keeps its room beside the future it waits on, so the
    /// generated request's answer (and, unboxed, the error body's reader)
    /// would be held beside the request's own future, and every call's
    /// future would grow by them and be dearer to move.
    ///
    /// The user is boxed as soon as it is decoded: unboxed, its 288 bytes
    /// were copied on the way up through every layer (a dozen copies a
    /// call, more than the allocation costs), and only the caller's
    /// `update_provider_user` unboxes it.
    fn attempt<'a>(
        &'a self,
        path_id: &'a str,
        request: &'a UpdateProviderUserRequest,
    ) -> impl Future<Output = Result<Box<ProviderUser>, Error>> + 'a {
        let redactor = &self.inner.raw.inner().redactor;
        self.inner
            .raw
            .update_provider_user_by_id_v2(path_id, request)
            .map_ok(|answer| Box::new(answer.into_inner()))
            // Boxed: an error body is read rarely.
            .or_else(move |raw| Box::pin(response_error::from_raw(raw, redactor)).map(Err))
    }

    fn cached_target<'a>(&self, id: &'a ProviderUserId) -> Option<(&'a str, Uuid)> {
        let partner_id = id.as_partner()?;
        let uuid = self.inner.partner_ids.as_ref()?.get(partner_id)?;
        Some((partner_id, uuid))
    }

    fn remember(&self, id: &ProviderUserId, user: &ProviderUser) {
        let (Some(cache), Some(partner_id)) = (&self.inner.partner_ids, id.as_partner()) else {
            return;
        };
        if let Ok(uuid) = Uuid::try_parse(&user.user_id) {
            cache.insert(partner_id, uuid);
        }
    }

    fn forget(&self, partner_id: &str) {
        if let Some(cache) = &self.inner.partner_ids {
            cache.remove(partner_id);
        }
    }

    /// Errors built here from a response (an identity mismatch names the
    /// user the server returned, which may echo the key) pass the same
    /// redaction as errors from the transport.
    fn without_key(&self, error: Error) -> Error {
        error.without_key(&self.inner.raw.inner().redactor)
    }

    /// A call made by a cached UUID must still return the user with the
    /// requested partner id; otherwise the id was reassigned since it was
    /// cached, so the entry goes and the caller hears about it.
    fn check_cached_identity(
        &self,
        id: &ProviderUserId,
        partner_id: &str,
        result: Result<(Box<ProviderUser>, u32), Error>,
    ) -> Result<Box<ProviderUser>, Error> {
        let checked = result
            .and_then(|(user, attempts)| check_identity(id, user, attempts))
            .map_err(|e| self.without_key(e));
        if checked
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::IdentityMismatch)
        {
            self.forget(partner_id);
        }
        checked
    }
}

/// A 200 whose user is not the one addressed: the update reached someone,
/// so the error keeps the status and the attempts that got there.
fn check_identity(
    id: &ProviderUserId,
    user: Box<ProviderUser>,
    attempts: u32,
) -> Result<Box<ProviderUser>, Error> {
    if id.identifies(&user) {
        return Ok(user);
    }
    Err(mismatch(id, *user, attempts))
}

#[cold]
fn mismatch(id: &ProviderUserId, user: ProviderUser, attempts: u32) -> Error {
    let got = match (id.as_upheal(), &user.partner_user_id) {
        (Some(_), _) => format!("userId `{}`", user.user_id),
        (None, Some(partner)) => format!("partnerUserId `{partner}` (userId `{}`)", user.user_id),
        (None, None) => format!("userId `{}`, which has no partnerUserId", user.user_id),
    };
    tracing::error!(
        id_form = id.form(),
        "response names a different provider user"
    );
    Error::new(
        ErrorKind::IdentityMismatch,
        format!("addressed provider user `{id}` but the response is for {got}"),
    )
    .with_status(200)
    .with_attempts(attempts)
    .with_returned_user(user)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"[redacted]")
            .field("retry", &self.inner.retry)
            .field("partner_id_cache", &self.inner.partner_ids.is_some())
            .finish_non_exhaustive()
    }
}

/// Ends a call: its metrics (`outcome` is `ok` or the error's kind), and
/// its span's attempts and status, recorded once, at the end (a field
/// recorded on every retry is printed once per value by
/// `tracing-subscriber`'s fmt layer).
pub(crate) fn finish_call<T>(
    span: &tracing::Span,
    started: telemetry::Stopwatch,
    operation: &'static str,
    result: &Result<T, Error>,
    ok_status: impl FnOnce(&T) -> u16,
    attempts: u32,
) {
    let (outcome, status) = match result {
        Ok(value) => ("ok", ok_status(value)),
        Err(e) => (e.kind().name(), e.status().unwrap_or(0)),
    };
    telemetry::call_finished(started, operation, outcome, attempts);
    span.record("attempts", attempts);
    span.record("status", status);
}
