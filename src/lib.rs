#![doc = include_str!("front_page.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod errors;
#[cfg(feature = "fake")]
pub mod fake;
mod forward_compatible_enum;
mod fragment;
pub mod generated;
pub mod guide;
mod rate_limit;
pub mod telemetry;
mod values;

/// Kept for code written against 0.2 previews: the generated client's
/// inner value lives at [`generated::Transport`].
#[doc(hidden)]
pub use call::Transport;
pub use call::{
    ApiRequest, BulkStop, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, RetryPolicy,
};
pub use errors::{Error, ErrorKind};
pub use generated::types::ProviderUser;
pub use rate_limit::{Budget, RateLimit, RedisStatus, Sharing};
pub use values::{
    BatchProblem, FieldValue, GeneratedProperty, MAX_PARTNER_ID_CHARS, MAX_TEXT_CHARS,
    NoteIdentifier, Npi, PropertyShape, ProviderUserId, ProviderUserUpdate, check_batch,
    check_updates,
};

/// The trait of what [`Client::update_many_unordered`] returns, for code
/// that names the stream's type.
pub use futures_util::Stream;
/// The HTTP client crate the client is built on: [`ApiRequest::send`]
/// returns its `Response`, and [`Client::request`] takes its `Method`.
pub use reqwest;
/// The UUID crate [`ProviderUserId::upheal`] and [`ProviderUser::user_uuid`]
/// use, so a dependent names the same `Uuid` without a version to match.
pub use uuid;
