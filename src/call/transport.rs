//! What the generated client carries for the hand-written hooks
//! ([`transport_hooks`](super::transport_hooks)): kept apart from them, so
//! that the generated code, which names this type, imports nothing that
//! imports it back.

use std::{sync::Arc, time::Duration};

use crate::{errors::key_redactor::KeyRedactor, rate_limit::Pacer};

/// The generated [`Client`](crate::generated::Client)'s inner value: the
/// per-client settings the hand-written hooks apply to every HTTP attempt
/// (the rate limiter, the body cap, the key's redactor, the attempt
/// timeout), shared by all clones of a [`crate::Client`]. It has nothing to
/// call: it is public only because the generated client names it.
#[derive(Clone, Debug)]
pub struct Transport {
    pub(crate) max_response_bytes: usize,
    pub(crate) limiter: Option<Arc<Pacer>>,
    /// Removes this client's key from what errors keep.
    pub(crate) redactor: KeyRedactor,
    /// The client's per-attempt timeout; an attempt near the call's
    /// deadline gets the shorter of the two.
    pub(crate) attempt_timeout: Duration,
    /// The base URL's host, for telemetry (`server.address`).
    pub(crate) server_address: String,
}
