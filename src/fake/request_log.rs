//! What the fake server received, for tests to inspect.

use std::collections::BTreeMap;

/// One request as the fake received it, with the API key redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// Headers, lower-case names; `authorization` reads `Bearer [redacted]`.
    pub headers: BTreeMap<String, String>,
    /// The raw body as text.
    pub body: String,
    /// The status the fake answered with; 0 while unanswered, or when the
    /// client went away first (e.g. it timed out during an injected delay).
    pub status: u16,
}

/// Running totals since the fake started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Every request received.
    pub requests: u64,
    /// Requests that needed the (slower) lookup by `partnerUserId`.
    pub partner_lookups: u64,
    /// Requests that succeeded (2xx).
    pub updates_applied: u64,
    /// Requests answered 429 by the rate limiter (not by injected faults).
    pub rate_limited: u64,
    /// Answers by status code.
    pub by_status: BTreeMap<u16, u64>,
}
