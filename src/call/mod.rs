//! Making a call: the client and its builder, the transport hooks every
//! generated request goes through, retries, response bodies and the errors
//! read from them, and the bulk runs built on single calls.

pub(crate) mod api_request;
pub(crate) mod base_url;
pub(crate) mod bulk;
pub(crate) mod bulk_stop;
pub(crate) mod call_scope;
pub(crate) mod client;
pub(crate) mod client_builder;
pub(crate) mod partner_id_cache;
pub(crate) mod response_body;
pub(crate) mod response_error;
pub(crate) mod retry_loop;
pub(crate) mod retry_policy;
pub(crate) mod tls;
pub(crate) mod transport;
mod transport_hooks;

pub use api_request::ApiRequest;
pub use base_url::DEFAULT_BASE_URL;
pub use bulk_stop::BulkStop;
pub use client::Client;
pub use client_builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use retry_policy::RetryPolicy;
pub use transport::Transport;
