//! Faults a test can make the fake server produce on purpose.

use std::time::Duration;

/// What the fake does instead of (or before) answering normally.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and a small JSON error body.
    Status(u16),
    /// Answer 429 with `Retry-After: <seconds>`.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the connection without a complete response.
    DropConnection,
    /// Answer 200 with a body that is not JSON.
    MalformedBody,
    /// Answer 200 announcing a full body but sending only half of it.
    TruncatedBody,
    /// Apply the update, then answer 200 with `noteIdentifier` set to a value
    /// this crate does not know.
    UnknownNoteIdentifier(String),
    /// Answer 200 streaming this many bytes of padding without a
    /// `Content-Length`: far larger than any provider user.
    OversizedBody(usize),
}
