//! The one error type every fallible call returns.
//!
//! Modelled on the AWS SDK: a small `#[non_exhaustive]` [`ErrorKind`] to
//! branch on, plus the metadata an on-call engineer needs (HTTP status, the
//! raw response body, `Retry-After`, attempts made). The API key is never part
//! of an error: it lives only in a header marked sensitive.

use std::{borrow::Cow, error::Error as StdError, fmt, time::Duration};

use crate::{errors::api_message::api_message, generated::types::ProviderUser};

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What went wrong, in the categories a caller acts on differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input was refused before anything was sent; see [`Error::field`].
    InvalidInput,
    /// HTTP 401: the API key is missing or invalid.
    Unauthorized,
    /// HTTP 403: the API key may not do this with these parameters.
    Forbidden,
    /// HTTP 404: no provider user has this id.
    NotFound,
    /// HTTP 400: Upheal refused the request parameters (also, by assumption,
    /// a deactivated user).
    BadRequest,
    /// HTTP 429: over the per-key rate limit; see [`Error::retry_after`].
    RateLimited,
    /// HTTP 5xx: a fault on Upheal's side.
    Server,
    /// The request or the connection timed out.
    Timeout,
    /// The connection failed or broke (DNS, TCP, TLS, reset).
    Transport,
    /// A success response whose body is not a provider user.
    Decode,
    /// The user in the response is not the one that was addressed.
    IdentityMismatch,
    /// A response larger than the client's cap; nothing more was read.
    ResponseTooLarge,
    /// A status the API does not document (e.g. a redirect or 409).
    UnexpectedStatus,
    /// A status the fragment documents that has no kind of its own (say a
    /// `422` added to the fragment's responses); [`Error::status`] has it
    /// and the message quotes what the fragment says of it. Not transient.
    DocumentedStatus,
    /// The server's TLS certificate was refused (an issuer this client
    /// does not trust, expired, issued for another host, a CA certificate
    /// used as the server's own). Not transient: the same certificate is
    /// refused on every attempt, so the call makes one.
    Certificate,
    /// A bulk run was stopped ([`BulkStop`](crate::BulkStop)) before this
    /// item was sent: nothing was sent for it.
    Stopped,
}

impl ErrorKind {
    /// Whether repeating the same call may succeed: the update sets absolute
    /// values, so a retry after a transient fault cannot apply it twice.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::Server | Self::Timeout | Self::Transport
        )
    }

    /// What to do, worded so that it never repeats the message it follows.
    fn advice(self) -> &'static str {
        match self {
            Self::InvalidInput => "fix the input; nothing was sent",
            Self::Unauthorized => "check that it is set and valid for this environment",
            Self::Forbidden => {
                "this API key may not update this user; check the key's organisation"
            }
            Self::NotFound => "check the id and whether it is an Upheal UUID or your partnerUserId",
            Self::BadRequest => {
                "the same request will be refused again; `Error::is_deactivated_user` tells a \
                 deactivated user apart"
            }
            Self::RateLimited => "slow down: the limit is 300 requests per minute per API key",
            Self::Server => "a fault on Upheal's side; the update is safe to retry later",
            Self::Timeout => "the update is safe to retry",
            Self::Transport => "check the network and the base URL; the update is safe to retry",
            Self::Decode => "the raw body is kept in `Error::body`",
            Self::IdentityMismatch => "do not trust this result; investigate before retrying",
            Self::ResponseTooLarge => {
                "raise `ClientBuilder::max_response_bytes` if such a size is expected"
            }
            Self::UnexpectedStatus => "the raw body is kept in `Error::body`",
            Self::DocumentedStatus => {
                "the raw body is kept in `Error::body`; `Error::status` tells which status"
            }
            Self::Certificate => {
                "nothing was sent; retrying cannot help until the certificate or the trust \
                 changes"
            }
            Self::Stopped => "send it in a later run",
        }
    }
}

impl ErrorKind {
    /// The variant's name (`"RateLimited"`), as `Display` writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::InvalidInput => "InvalidInput",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::BadRequest => "BadRequest",
            Self::RateLimited => "RateLimited",
            Self::Server => "Server",
            Self::Timeout => "Timeout",
            Self::Transport => "Transport",
            Self::Decode => "Decode",
            Self::IdentityMismatch => "IdentityMismatch",
            Self::ResponseTooLarge => "ResponseTooLarge",
            Self::UnexpectedStatus => "UnexpectedStatus",
            Self::DocumentedStatus => "DocumentedStatus",
            Self::Certificate => "Certificate",
            Self::Stopped => "Stopped",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error from this crate: what happened, what to do, and the evidence.
///
/// Branch on [`Error::kind`]; log the `Display` text, which says what to do.
///
/// ```
/// use upheal_provider_users::{ErrorKind, Npi};
///
/// let error = Npi::new("12345").unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::InvalidInput);
/// assert_eq!(error.field(), Some("nationalProviderIdentifier"));
/// assert_eq!(error.attempts(), 0); // refused before sending
/// assert!(!error.is_transient());
/// assert!(error.to_string().ends_with("fix the input; nothing was sent"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct Error {
    kind: ErrorKind,
    message: String,
    field: Option<Cow<'static, str>>,
    status: Option<u16>,
    /// What the response showed, when there was one (boxed: most errors
    /// carry none, and a small `Error` keeps `Result`s small).
    response: Option<Box<Evidence>>,
    retry_after: Option<Duration>,
    attempts: u32,
    /// A client setting refused by `ClientBuilder::build`: no call was
    /// being made, so "nothing was sent" would say nothing useful.
    is_setting: bool,
    /// The client's own rate budget had no slot before the call's deadline:
    /// nothing was sent, and retrying within the call cannot help.
    no_slot_before_deadline: bool,
    #[source]
    source: Option<BoxError>,
}

/// What a response showed, kept for the caller.
#[derive(Debug, Default)]
struct Evidence {
    /// The raw body (bounded, the key removed).
    body: Option<String>,
    /// The API's own message in the body, when it has one.
    api_message: Option<String>,
    /// For an identity mismatch: the user the response named.
    returned_user: Option<ProviderUser>,
}

/// How much of a response body an error keeps: enough to diagnose, bounded
/// so a hostile server cannot grow the caller's memory through errors.
pub(crate) const MAX_KEPT_BODY_BYTES: usize = 64 * 1024;
/// How much of the body the `Display` text shows.
const DISPLAYED_BODY_CHARS: usize = 200;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            field: None,
            status: None,
            response: None,
            retry_after: None,
            attempts: 0,
            is_setting: false,
            no_slot_before_deadline: false,
            source: None,
        }
    }

    /// The call's deadline would pass before the client's rate budget let
    /// its request go: nothing was sent.
    pub(crate) fn no_slot_before_deadline(message: impl Into<String>) -> Self {
        let mut error = Self::new(ErrorKind::Timeout, message);
        error.no_slot_before_deadline = true;
        error
    }

    /// A bulk run was stopped before this item was sent.
    pub(crate) fn stopped() -> Self {
        Self::new(
            ErrorKind::Stopped,
            "the run was stopped before this update was sent: nothing was sent for it",
        )
    }

    pub(crate) fn is_no_slot_before_deadline(&self) -> bool {
        self.no_slot_before_deadline
    }

    /// An input refused before sending: `field` is the wire name of the
    /// field (or the builder setting) and `rule` says what it must be.
    pub(crate) fn invalid_input(
        field: impl Into<Cow<'static, str>>,
        rule: impl fmt::Display,
    ) -> Self {
        let mut error = Self::new(ErrorKind::InvalidInput, rule.to_string());
        error.field = Some(field.into());
        error
    }

    /// A client setting refused when the client is built.
    pub(crate) fn invalid_setting(setting: &'static str, rule: impl fmt::Display) -> Self {
        let mut error = Self::invalid_input(setting, rule);
        error.is_setting = true;
        error
    }

    /// The error with this HTTP status, read back by [`Self::status`]. For
    /// tests of code that handles errors, with [`Self::for_test`]; the
    /// client sets it from the response.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn set_field(&mut self, field: Cow<'static, str>) {
        self.field = Some(field);
    }

    pub(crate) fn with_body(mut self, body: Option<String>) -> Self {
        let evidence = self.response.get_or_insert_default();
        evidence.api_message = body.as_deref().and_then(api_message);
        evidence.body = body;
        self
    }

    /// The error with the user a response named, read back by
    /// [`Self::returned_user`] (an [`ErrorKind::IdentityMismatch`]). For
    /// tests, with [`Self::for_test`].
    pub fn with_returned_user(mut self, user: ProviderUser) -> Self {
        self.response.get_or_insert_default().returned_user = Some(user);
        self
    }

    /// An error as the client would report it, for tests of code that
    /// handles errors, without a server: the status the kind implies
    /// (`BadRequest` 400, `Unauthorized` 401, `Forbidden` 403, `NotFound`
    /// 404, `RateLimited` 429, `Server` 500, `UnexpectedStatus` 409,
    /// `DocumentedStatus` 422,
    /// `Decode`, `IdentityMismatch` and `ResponseTooLarge` 200, none for the
    /// others), `message` as the body and [`Self::api_message`] of a
    /// response, one attempt made (none for `InvalidInput`), and
    /// [`Self::is_transient`] as for a real error of that kind. No
    /// `Retry-After`. Add what a branch under test reads with the `with_`
    /// methods, each read back by the accessor of the same name:
    /// [`Self::with_status`], [`Self::with_retry_after`],
    /// [`Self::with_field`], [`Self::with_api_message`],
    /// [`Self::with_returned_user`], [`Self::with_attempts`].
    /// Not for production code: a real error carries more.
    ///
    /// ```
    /// use upheal_provider_users::{Error, ErrorKind};
    ///
    /// let error = Error::for_test(ErrorKind::BadRequest, "this provider user is deactivated");
    /// assert_eq!(error.status(), Some(400));
    /// assert!(error.is_deactivated_user());
    /// assert!(!error.is_transient());
    /// assert!(Error::for_test(ErrorKind::RateLimited, "slow down").is_transient());
    /// ```
    pub fn for_test(kind: ErrorKind, message: impl Into<String>) -> Error {
        let message = message.into();
        let status = match kind {
            ErrorKind::BadRequest => Some(400),
            ErrorKind::Unauthorized => Some(401),
            ErrorKind::Forbidden => Some(403),
            ErrorKind::NotFound => Some(404),
            ErrorKind::RateLimited => Some(429),
            ErrorKind::Server => Some(500),
            ErrorKind::UnexpectedStatus => Some(409),
            ErrorKind::DocumentedStatus => Some(422),
            ErrorKind::Decode | ErrorKind::IdentityMismatch | ErrorKind::ResponseTooLarge => {
                Some(200)
            }
            _ => None,
        };
        let mut error = Self::new(kind, message.clone());
        if let Some(status) = status {
            error = error.with_status(status).with_body(Some(message));
        }
        let attempts = u32::from(!matches!(
            kind,
            ErrorKind::InvalidInput | ErrorKind::Stopped
        ));
        error.with_attempts(attempts)
    }

    pub(crate) fn with_retry_after_header(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Whether the request certainly never reached the server: a
    /// connection that could not be made (refused, or timed out while
    /// connecting). A request that is not idempotent may be retried then.
    pub(crate) fn is_connect_failure(&self) -> bool {
        self.kind == ErrorKind::Transport
            && self
                .source
                .as_deref()
                .and_then(|source| source.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_connect)
    }

    /// The error after this many HTTP attempts, read back by
    /// [`Self::attempts`]. For tests, with [`Self::for_test`].
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// The error with the API key removed from its message and body, and
    /// its source dropped if that would show the key: a server may echo
    /// the `Authorization` header back.
    pub(crate) fn without_key(
        mut self,
        redactor: &crate::errors::key_redactor::KeyRedactor,
    ) -> Self {
        self.message = redactor.redact(std::mem::take(&mut self.message));
        if let Some(evidence) = &mut self.response {
            evidence.body = evidence.body.take().map(|body| redactor.redact(body));
            evidence.api_message = evidence
                .api_message
                .take()
                .map(|text| redactor.redact(text));
            evidence.returned_user = evidence
                .returned_user
                .take()
                .and_then(|user| user_without_key(user, redactor));
        }
        let mut next: Option<&(dyn StdError + 'static)> = self.source.as_deref().map(|e| e as _);
        while let Some(source) = next {
            if redactor.finds_key_in(&source.to_string()) {
                self.source = None;
                break;
            }
            next = source.source();
        }
        self
    }

    /// The category to branch on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What happened, without the field name, status, body excerpt or advice
    /// that the `Display` text adds: for tools that lay errors out themselves
    /// (for [`ErrorKind::InvalidInput`], the rule the input broke).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The raw response body (at most 64 KiB of it), when there was one.
    /// Upheal publishes no error body format, so it is kept as text.
    pub fn body(&self) -> Option<&str> {
        self.response.as_ref()?.body.as_deref()
    }

    /// The API's own message, when the response body carries one: a JSON
    /// body's `message`, `error`, `detail` or `title` (or `error.message`),
    /// else a short plain-text body; at most 300 characters, the API key
    /// removed. Upheal publishes no error format, so this is what a
    /// program can show a person; branch on [`Self::kind`], not on it.
    pub fn api_message(&self) -> Option<&str> {
        self.response.as_ref()?.api_message.as_deref()
    }

    /// Whether Upheal refused the update because the provider user is
    /// deactivated (deactivated users cannot be updated; retrying cannot
    /// help). ASSUMPTION, as the status and wording are not published: the
    /// status and message text the fragment's `x-deactivated-user`
    /// extension states (today a 400 whose [`Self::api_message`], or body,
    /// contains "deactivated" in any case); correcting the fragment
    /// corrects this and the fake server together.
    pub fn is_deactivated_user(&self) -> bool {
        use crate::fragment::{DEACTIVATED_USER_MESSAGE_CONTAINS, DEACTIVATED_USER_STATUS};
        self.status == Some(DEACTIVATED_USER_STATUS)
            && self.api_message().or(self.body()).is_some_and(|text| {
                text.to_lowercase()
                    .contains(DEACTIVATED_USER_MESSAGE_CONTAINS)
            })
    }

    /// For [`ErrorKind::IdentityMismatch`]: the user the response named
    /// (the update reached that user), for an alert with its ids.
    pub fn returned_user(&self) -> Option<&ProviderUser> {
        self.response.as_ref()?.returned_user.as_ref()
    }

    /// For [`ErrorKind::InvalidInput`]: the wire name of the refused field
    /// (e.g. `nationalProviderIdentifier`) or builder setting (e.g. `api_key`).
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// How many HTTP attempts the call made before failing (0 when the input
    /// was refused before sending).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether the same call may succeed later; see [`ErrorKind::is_transient`].
    pub fn is_transient(&self) -> bool {
        self.kind.is_transient()
    }

    fn render(&self) -> String {
        let mut text = match &self.field {
            Some(field) => format!("invalid `{field}`: {}", self.message),
            None => self.message.clone(),
        };
        if let Some(status) = self.status {
            text.push_str(&format!(" (HTTP {status})"));
        }
        if let Some(excerpt) = self.body().map(str::trim).filter(|b| !b.is_empty()) {
            let shown: String = excerpt.chars().take(DISPLAYED_BODY_CHARS).collect();
            let more = if shown.len() < excerpt.len() {
                "…"
            } else {
                ""
            };
            text.push_str(&format!(": {shown}{more}"));
        }
        if self.attempts > 1 {
            text.push_str(&format!(" after {} attempts", self.attempts));
        }
        let advice = if self.is_setting {
            "fix the client's configuration"
        } else {
            self.kind.advice()
        };
        format!("{text}; {advice}")
    }
}

/// A user returned by the server with the key removed from every text it
/// holds (a field may echo the request's header); `None` when it could not
/// be rebuilt without it.
fn user_without_key(
    user: ProviderUser,
    redactor: &crate::errors::key_redactor::KeyRedactor,
) -> Option<ProviderUser> {
    let mut json = serde_json::to_value(&user).ok()?;
    if !redactor.finds_key_in(&json.to_string()) {
        return Some(user);
    }
    redact_strings(&mut json, redactor);
    serde_json::from_value(json).ok()
}

fn redact_strings(
    value: &mut serde_json::Value,
    redactor: &crate::errors::key_redactor::KeyRedactor,
) {
    match value {
        serde_json::Value::String(text) => *text = redactor.redact(std::mem::take(text)),
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| redact_strings(v, redactor))
        }
        serde_json::Value::Object(fields) => {
            fields
                .values_mut()
                .for_each(|v| redact_strings(v, redactor));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, ErrorKind};

    #[test]
    fn errors_for_tests_carry_what_the_client_would_report() {
        let cases = [
            (ErrorKind::InvalidInput, None, false),
            (ErrorKind::Unauthorized, Some(401), false),
            (ErrorKind::Forbidden, Some(403), false),
            (ErrorKind::NotFound, Some(404), false),
            (ErrorKind::BadRequest, Some(400), false),
            (ErrorKind::RateLimited, Some(429), true),
            (ErrorKind::Server, Some(500), true),
            (ErrorKind::Timeout, None, true),
            (ErrorKind::Transport, None, true),
            (ErrorKind::Decode, Some(200), false),
            (ErrorKind::IdentityMismatch, Some(200), false),
            (ErrorKind::ResponseTooLarge, Some(200), false),
            (ErrorKind::UnexpectedStatus, Some(409), false),
            (ErrorKind::DocumentedStatus, Some(422), false),
            (ErrorKind::Certificate, None, false),
            (ErrorKind::Stopped, None, false),
        ];
        for (kind, status, transient) in cases {
            let error = Error::for_test(kind, "what happened");
            assert_eq!(error.kind(), kind);
            assert_eq!(error.status(), status, "{kind}");
            assert_eq!(error.is_transient(), transient, "{kind}");
            assert_eq!(error.api_message().is_some(), status.is_some(), "{kind}");
            let sent = !matches!(kind, ErrorKind::InvalidInput | ErrorKind::Stopped);
            assert_eq!(error.attempts(), u32::from(sent));
            assert!(error.to_string().starts_with("what happened"), "{error}");
            assert!(!error.is_deactivated_user());
        }
    }
}
