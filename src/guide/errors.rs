//! # Errors: what each kind means and what to do
//!
//! Every call returns `Result<_, `[`Error`](crate::Error)`>`. Branch on
//! [`Error::kind`](crate::Error::kind) (an [`ErrorKind`](crate::ErrorKind),
//! `#[non_exhaustive]`: keep a `_` arm), log the `Display` text (it ends
//! with what to do), and keep the evidence the error carries.
//!
//! | kind | when | transient | what to do |
//! |---|---|---|---|
//! | `InvalidInput` | refused before sending; [`Error::field`](crate::Error::field) names the field | no | fix the input; nothing was sent |
//! | `BadRequest` | HTTP 400, and a deactivated user ([`Error::is_deactivated_user`](crate::Error::is_deactivated_user)) | no | read [`Error::api_message`](crate::Error::api_message) |
//! | `Unauthorized` | HTTP 401 | no | check the key for this environment |
//! | `Forbidden` | HTTP 403 | no | the key may not update this user |
//! | `NotFound` | HTTP 404 | no | check the id and its form (UUID or partner id) |
//! | `RateLimited` | HTTP 429; [`Error::retry_after`](crate::Error::retry_after) when sent | yes | retried by the client; if it still fails, slow down |
//! | `Server` | HTTP 5xx | yes | retried; safe to retry later |
//! | `DocumentedStatus` | a status the fragment documents with no kind above (e.g. a `422` added to it; [`DOCUMENTED_STATUSES`](crate::generated::DOCUMENTED_STATUSES) lists them) | no | the message quotes the fragment; the raw body is in [`Error::body`](crate::Error::body) |
//! | `UnexpectedStatus` | any other status (redirects are not followed) | no | the raw body is in [`Error::body`](crate::Error::body) |
//! | `Timeout` | no answer in time, the call's deadline, or no rate-budget slot before it | yes | safe to retry (the update sets absolute values) |
//! | `Transport` | connection failed or broke | yes | check the network and base URL |
//! | `Certificate` | the server's TLS certificate was refused (unknown issuer, expired, other host, a CA as the server's own) | no | the message names the problem and the fix; one attempt is made |
//! | `Decode` | a 2xx body that is not a provider user | no | the raw body is kept |
//! | `ResponseTooLarge` | a body over the cap (1 MiB by default) | no | raise `ClientBuilder::max_response_bytes` if expected |
//! | `IdentityMismatch` | the response names another user than addressed | no | alert: [`Error::returned_user`](crate::Error::returned_user) has its ids; the update reached that user |
//!
//! Every error that had a response keeps its [`status`](crate::Error::status),
//! its [`body`](crate::Error::body) (at most 64 KiB) and the API's own
//! [`api_message`](crate::Error::api_message) (a JSON body's `message`,
//! `error`, `detail` or `title`, or a short text body; at most 300
//! characters). [`Error::attempts`](crate::Error::attempts) counts the HTTP
//! attempts made (0: nothing was sent). The API key is removed from all of
//! them, in whatever encoding a server echoed it (JSON-escaped,
//! percent-encoded, base64, another case); a text it can still be decoded
//! from is dropped whole.
//!
//! ## Deactivated users
//!
//! Upheal does not publish how it refuses a deactivated user. The crate
//! assumes a 400 whose message contains "deactivated"; the assumption is
//! written once, in the fragment's `x-deactivated-user` extension, which
//! both [`Error::is_deactivated_user`](crate::Error::is_deactivated_user)
//! and the fake server read: correcting it there corrects both.
//!
//! ## Testing your error handling
//!
//! [`Error::for_test`](crate::Error::for_test) makes an error of any kind as
//! the client would report it (the status the kind implies, the message as
//! body and API message), for unit tests that need no server:
//!
//! ```
//! use upheal_provider_users::{Error, ErrorKind};
//!
//! fn should_retry(e: &Error) -> bool {
//!     e.is_transient() && !e.is_deactivated_user()
//! }
//!
//! assert!(should_retry(&Error::for_test(ErrorKind::Server, "upstream down")));
//! assert!(!should_retry(&Error::for_test(ErrorKind::BadRequest, "user is deactivated")));
//! ```
