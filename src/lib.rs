#![doc = include_str!("front_page.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_message;
mod api_request;
mod base_url;
mod batch_check;
mod budget;
mod bulk;
mod bulk_stop;
mod client;
mod client_builder;
mod echo_decoding;
mod error;
mod error_for_test;
#[cfg(feature = "fake")]
pub mod fake;
mod forward_compatible_enum;
mod fragment;
mod fragment_constraint;
pub mod generated;
mod generated_property;
pub mod guide;
mod hidden_character;
#[cfg(feature = "schemars")]
mod json_schema;
mod key_redactor;
mod note_identifier;
mod npi;
mod partner_id_cache;
mod provider_user;
mod provider_user_id;
mod provider_user_update;
mod quoted_value;
mod rate_limit;
mod response_body;
mod response_error;
mod retry_policy;
pub mod telemetry;
mod tls;
mod transport;

pub use api_request::ApiRequest;
pub use base_url::DEFAULT_BASE_URL;
pub use batch_check::{BatchProblem, FieldValue, check_batch, check_updates};
pub use budget::{Budget, RedisStatus, Sharing};
pub use bulk_stop::BulkStop;
pub use client::Client;
pub use client_builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::{Error, ErrorKind};
pub use generated::types::ProviderUser;
pub use generated_property::{GeneratedProperty, PropertyShape};
pub use note_identifier::NoteIdentifier;
pub use npi::Npi;
pub use provider_user_id::{MAX_PARTNER_ID_CHARS, ProviderUserId};
pub use provider_user_update::{MAX_TEXT_CHARS, ProviderUserUpdate};
pub use rate_limit::RateLimit;
pub use retry_policy::RetryPolicy;
/// Kept for code written against 0.2 previews: the generated client's
/// inner value lives at [`generated::Transport`].
#[doc(hidden)]
pub use transport::Transport;

/// The trait of what [`Client::update_many_unordered`] returns, for code
/// that names the stream's type.
pub use futures_util::Stream;
/// The HTTP client crate the client is built on: [`ApiRequest::send`]
/// returns its `Response`, and [`Client::request`] takes its `Method`.
pub use reqwest;
/// The UUID crate [`ProviderUserId::upheal`] and [`ProviderUser::user_uuid`]
/// use, so a dependent names the same `Uuid` without a version to match.
pub use uuid;
