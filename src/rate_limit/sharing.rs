//! How a rate budget is held (in this process or through Redis) and how
//! well sharing it goes: what [`Budget`](super::Budget) reports and the
//! limiter computes, kept apart so that neither imports the other for it.

use std::{fmt, time::Duration};

/// Where a [`Budget`](crate::Budget) is held, and how well sharing it has gone.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Sharing {
    /// In this process, for the client and its clones.
    Local,
    /// In Redis, for every process on the key.
    Redis {
        /// How long calls have been paced locally since the client was
        /// built, because Redis did not answer (zero: shared throughout).
        fallback_time: Duration,
        /// The share of the budget a process takes while Redis does not
        /// answer ([`RateLimit::redis_fallback_share`](crate::RateLimit::redis_fallback_share)).
        fallback_share: f64,
    },
}

impl fmt::Display for Sharing {
    /// "paced in this process", "shared through Redis", or "Redis
    /// unavailable for 12 s: paced locally at 25% of the budget".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local => f.write_str("paced in this process"),
            Self::Redis { fallback_time, .. } if fallback_time.is_zero() => {
                f.write_str("shared through Redis")
            }
            Self::Redis {
                fallback_time,
                fallback_share,
            } => write!(
                f,
                "Redis unavailable for {} s: paced locally at {:.0}% of the budget",
                fallback_time.as_secs().max(1),
                fallback_share * 100.0
            ),
        }
    }
}

/// Whether a budget held in Redis reaches it now: see
/// [`Budget::redis_status`](crate::Budget::redis_status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisStatus {
    pub(crate) answering: bool,
    pub(crate) since: std::time::Instant,
    pub(crate) live_processes: u32,
    pub(crate) silent_processes: u32,
}

impl RedisStatus {
    /// Whether the last step this process made in Redis was answered in
    /// time (false: it paces on its fallback share now).
    pub fn answering(&self) -> bool {
        self.answering
    }

    /// Since when Redis has been answering, or silent.
    pub fn since(&self) -> std::time::Instant {
        self.since
    }

    /// The processes on the key that Redis last showed live, this one
    /// included (0 before the first step).
    pub fn live_processes(&self) -> u32 {
        self.live_processes
    }

    /// The processes on the key gone silent that the live ones leave room
    /// for (they may be pacing on their fallback share).
    pub fn silent_processes(&self) -> u32 {
        self.silent_processes
    }
}

impl fmt::Display for RedisStatus {
    /// "Redis answering for 12 s (2 processes live, 1 silent)" or "Redis
    /// silent for 3 s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = self.since.elapsed().as_secs();
        if self.answering {
            write!(
                f,
                "Redis answering for {since} s ({} processes live, {} silent)",
                self.live_processes, self.silent_processes
            )
        } else {
            write!(f, "Redis silent for {since} s")
        }
    }
}
