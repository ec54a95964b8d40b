//! The call in progress as the transport hooks see it, and what the hooks
//! answer when they refuse to send: the one place the client (which opens a
//! call), the hooks (which read it) and the error mapping (which recognises
//! the refusals) all depend on, so none of them depends on another for it.

use tokio::time::Instant;

use crate::{call::bulk_stop::BulkStop, rate_limit::Ticket};

tokio::task_local! {
    /// What the transport hooks need to know of the call in progress.
    pub(crate) static CALL: CallScope;
}

/// The call in progress, as the transport hooks see it.
#[derive(Clone, Debug)]
pub(crate) struct CallScope {
    /// When the call must end (the retry policy's deadline): the hooks
    /// bound the limiter's wait and the attempt's own timeout by it,
    /// without a timer of their own.
    pub(crate) deadline: Option<Instant>,
    /// The call's place in the rate limiter's line, kept across retries.
    pub(crate) ticket: Option<Ticket>,
    /// The attempt's slot was taken before the call started (a bulk run
    /// admits each item before its deadline starts to run).
    pub(crate) slot_taken: bool,
    /// The bulk run's stop: once pulled, the hooks send nothing.
    pub(crate) stop: Option<BulkStop>,
}

/// What `pre` returns when the call's deadline passes before the request
/// may go (the limiter's slot is later); recognised by the error mapping.
pub(crate) const DEADLINE_PASSED: &str =
    "the client's rate budget has no slot for this request before the call's deadline";

/// What `pre` returns when the call's bulk run was stopped before the
/// request went; recognised by the error mapping.
pub(crate) const STOPPED: &str = "the bulk run was stopped before this request was sent";
