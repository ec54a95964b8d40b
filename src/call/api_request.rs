//! Any other call to Upheal's partner API, through the same client: the
//! same base URL, key, rate budget and waiting line, timeouts and call
//! deadline, bounded bodies, typed errors with the key redacted, and a
//! tracing span. Partners call Upheal's other user endpoints (create, get,
//! deactivate) from the services that update users, on the same key and
//! its one 300-a-minute budget.

use progenitor_client::{ByteStream, ClientHooks, ClientInfo, Error as RawError, OperationInfo};
use reqwest::{Method, header::CONTENT_TYPE};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    call::{
        Client,
        client::finish_call,
        response_body::{kept_text, read_kept_body},
        response_error,
        retry_loop::{Route, Turn},
    },
    errors::{Error, ErrorKind},
    telemetry,
};

/// What the transport's hooks are told of a request that is not the
/// wrapped operation.
const OPERATION: OperationInfo = OperationInfo {
    operation_id: "request",
};

/// A request to any path of Upheal's partner API, built by
/// [`Client::request`] and sent with [`Self::send`] or [`Self::send_json`].
///
/// Retries follow the client's [`RetryPolicy`](crate::RetryPolicy) for
/// `GET`, `HEAD`, `PUT`, `DELETE` and `OPTIONS` (idempotent by HTTP's
/// definition). A `POST` or `PATCH` is retried only when it certainly was
/// not processed (a 429, or a connection that could not be made), unless
/// you vouch for it with [`Self::idempotent`].
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ApiRequest {
    client: Client,
    method: Method,
    path: String,
    query: Option<String>,
    body: Option<Vec<u8>>,
    idempotent: Option<bool>,
    /// The first input problem, reported by `send` before anything goes.
    problem: Option<Error>,
}

impl Client {
    /// A request to another endpoint of Upheal's partner API on this
    /// client's key: `path` is relative to the base URL (`/users/providers`).
    /// It waits in the same line for the same budget as this client's
    /// updates, so one service's calls never exceed the key's limit together.
    ///
    /// Create a provider user (`POST /users/providers`), get one, and
    /// deactivate one (`DELETE /users/{userId}`), as Upheal's guides do:
    ///
    /// ```no_run
    /// use serde_json::{Value, json};
    /// use upheal_provider_users::{Client, ProviderUser, reqwest::Method};
    ///
    /// # async fn run() -> Result<(), upheal_provider_users::Error> {
    /// let client = Client::builder().api_key("key").build()?;
    /// let created: Value = client
    ///     .request(Method::POST, "/users/providers")
    ///     .json(&json!({
    ///         "firstName": "Ada", "lastName": "Lovelace",
    ///         "email": "ada@example.com", "partnerUserId": "ext-42",
    ///     }))
    ///     .send_json()
    ///     .await?;
    /// let user: ProviderUser = client
    ///     .request(Method::GET, "/users/providers/ext-42")
    ///     .send_json()
    ///     .await?;
    /// client
    ///     .request(Method::DELETE, format!("/users/{}", user.user_id))
    ///     .send()
    ///     .await?;
    /// # let _ = created;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> ApiRequest {
        let path = path.into();
        let problem = path_problem(&path);
        ApiRequest {
            client: self.clone(),
            method,
            path,
            query: None,
            body: None,
            idempotent: None,
            problem,
        }
    }
}

/// A path must stay on the client's host: the key goes with it.
fn path_problem(path: &str) -> Option<Error> {
    let rule = if !path.starts_with('/') || path.starts_with("//") {
        "must start with one `/` and be relative to the base URL (the key is sent only there)"
    } else if path.contains(['?', '#']) {
        "must not hold a query or fragment: give the query with `.query(..)`"
    } else if path.chars().any(|c| c.is_control() || c == ' ') {
        "must not hold spaces or control characters: percent-encode them"
    } else {
        return None;
    };
    Some(Error::invalid_input("path", rule))
}

impl ApiRequest {
    /// Adds `query` to the URL, serialised as a form
    /// (`&[("email", "ada@example.com")]`, or a struct).
    pub fn query(mut self, query: &impl Serialize) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(text) if text.is_empty() => {}
            Ok(text) => {
                self.query = Some(match self.query.take() {
                    Some(before) => format!("{before}&{text}"),
                    None => text,
                })
            }
            Err(e) => self.fail(Error::invalid_input("query", e.to_string())),
        }
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`).
    pub fn json(mut self, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.fail(Error::invalid_input("body", e.to_string())),
        }
        self
    }

    /// Whether repeating the request is harmless, for a `POST` or `PATCH`
    /// whose effect does not add up (it sets values, or carries its own
    /// idempotency key); `true` lets it be retried like a `GET`. `false`
    /// makes any method retried only when it certainly was not processed.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    fn fail(&mut self, problem: Error) {
        self.problem.get_or_insert(problem);
    }

    /// Sends the request (retried as the type's docs say) and returns the
    /// response of a 2xx status, its body not read yet and capped at the
    /// client's `max_response_bytes`. Any other status is an [`Error`] of
    /// its kind, with the API's message and the key redacted.
    pub async fn send(self) -> Result<reqwest::Response, Error> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let span = tracing::info_span!(
            "upheal.request",
            method = %self.method,
            path = %self.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let mut turn = Turn {
            ticket: self.client.pacer().map(|pacer| pacer.ticket()),
            ..Turn::default()
        };
        let idempotent = self
            .idempotent
            .unwrap_or_else(|| is_idempotent(&self.method));
        let may_retry = |error: &Error| {
            idempotent || error.kind() == ErrorKind::RateLimited || error.is_connect_failure()
        };
        let client = &self.client;
        let route = Route {
            method: self.method.as_str(),
            template: &self.path,
        };
        let started = telemetry::Stopwatch::start();
        let calls = client
            .retry_loop()
            .run(route, &mut turn, may_retry, || self.attempt());
        let result = telemetry::in_span(calls, &span).await;
        let status = |(response, _): &(reqwest::Response, u32)| response.status().as_u16();
        finish_call(&span, started, "request", &result, status, turn.attempts);
        result.map(|(response, _)| response)
    }

    /// [`Self::send`], then the body decoded from JSON. A body that does not
    /// decode is [`ErrorKind::Decode`] with the body kept: the request was
    /// processed.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let redactor = self.client.generated().inner().redactor.clone();
        let response = self.send().await?;
        let status = response.status().as_u16();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                let error = response_error::from_raw(RawError::ResponseBodyError(e), &redactor);
                return Err(error.await.with_status(status));
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "the {status} response does not decode as expected ({e}); it was processed"
                ),
            )
            .with_status(status)
            .with_body(kept_text(&bytes))
            .with_source(e)
            .without_key(&redactor)
        })
    }

    /// One HTTP attempt through the client's hooks (its slot in the
    /// budget, the deadline, the body cap).
    async fn attempt(&self) -> Result<reqwest::Response, Error> {
        let raw = self.client.generated();
        let redactor = &raw.inner().redactor;
        let mut url = format!("{}{}", raw.baseurl(), self.path);
        if let Some(query) = &self.query {
            url.push('?');
            url.push_str(query);
        }
        let mut builder = raw.client().request(self.method.clone(), url);
        if let Some(body) = &self.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut request = match builder.build() {
            Ok(request) => request,
            Err(e) => return Err(Error::invalid_input("path", e.to_string())),
        };
        if let Err(refused) = raw.pre::<ByteStream>(&mut request, &OPERATION).await {
            return Err(response_error::from_raw(refused, redactor).await);
        }
        let response = match raw.exec(request, &OPERATION).await {
            Ok(response) => response,
            Err(e) => {
                return Err(
                    response_error::from_raw(RawError::CommunicationError(e), redactor).await,
                );
            }
        };
        if response.status().is_success() {
            return Ok(response);
        }
        let (status, headers) = (response.status(), response.headers().clone());
        let body = read_kept_body(response.bytes_stream()).await;
        Err(response_error::from_status(status, &headers, body).without_key(redactor))
    }
}

/// Methods HTTP defines as idempotent (RFC 9110 §9.2.2).
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

#[cfg(test)]
mod tests {
    use super::path_problem;

    #[test]
    fn a_path_must_stay_on_the_clients_host() {
        assert!(path_problem("/users/providers").is_none());
        assert!(path_problem("/users/providers/ext%2042").is_none());
        for bad in [
            "users",
            "//evil.example/x",
            "https://evil.example/x",
            "/a?b=c",
            "/a b",
            "/a#f",
        ] {
            let problem = path_problem(bad).unwrap();
            assert_eq!(problem.field(), Some("path"), "{bad}");
        }
    }
}
