//! What the fake server received, for tests to inspect.

use std::collections::{BTreeMap, VecDeque};

/// One request as the fake received it, with the API key redacted.
///
/// ```no_run
/// # #[allow(unused_imports)]
/// # use upheal_provider_users::fake::SeedUser;
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use upheal_provider_users::{ProviderUserId, ProviderUserUpdate, fake::FakeUpheal};
///
/// let fake = FakeUpheal::start().await?;
/// let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
/// let update = ProviderUserUpdate::new().therapy_licence("LPC-1");
/// fake.client().update_provider_user(&ProviderUserId::upheal(ada), &update).await?;
/// let request = fake.requests().pop().unwrap();
/// assert_eq!(request.method, "PATCH");
/// assert_eq!(request.body, r#"{"therapyLicence":"LPC-1"}"#);
/// // `authorization: Bearer [redacted]` as the fragment's scheme is today
/// use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
/// assert_eq!(request.headers[AUTH_HEADER], format!("{AUTH_PREFIX}[redacted]"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// Headers, lower-case names; the key's header
    /// ([`AUTH_HEADER`](crate::generated::AUTH_HEADER)) reads
    /// `Bearer [redacted]` (its prefix, then `[redacted]`).
    pub headers: BTreeMap<String, String>,
    /// The raw body as text.
    pub body: String,
    /// The status the fake answered with; 0 while unanswered, or when the
    /// client went away first (e.g. it timed out during an injected delay).
    pub status: u16,
    /// When the request arrived: the gaps between requests show how a
    /// client (or a fleet sharing a budget) paced itself.
    pub received_at: std::time::Instant,
}

/// Running totals since the fake started.
///
/// ```no_run
/// # #[allow(unused_imports)]
/// # use upheal_provider_users::fake::SeedUser;
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use upheal_provider_users::fake::FakeUpheal;
///
/// let fake = FakeUpheal::start().await?;
/// // ... run the code under test against fake.base_url() ...
/// let counters = fake.counters();
/// assert_eq!(counters.rate_limited, 0, "the code under test paced itself");
/// println!("{} requests, {} by partner id", counters.requests, counters.partner_lookups);
/// # Ok(()) }
/// ```
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

/// The most recent requests, oldest first, at most `capacity` of them: a
/// long-running standalone fake must not grow without bound.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    /// The sequence number of `entries[0]`.
    first: u64,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
            first: 0,
        }
    }

    /// Adds a request, dropping the oldest when full; returns its sequence
    /// number, for [`Self::answer`].
    pub(crate) fn push(&mut self, request: RecordedRequest) -> u64 {
        let sequence = self.first + self.entries.len() as u64;
        self.entries.push_back(request);
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
            self.first += 1;
        }
        sequence
    }

    /// Forgets every request; sequence numbers go on.
    pub(crate) fn clear(&mut self) {
        self.first += self.entries.len() as u64;
        self.entries.clear();
    }

    /// Records the status of request `sequence`, if it is still kept.
    pub(crate) fn answer(&mut self, sequence: u64, status: u16) {
        let Some(offset) = sequence.checked_sub(self.first) else {
            return;
        };
        if let Some(request) = usize::try_from(offset)
            .ok()
            .and_then(|offset| self.entries.get_mut(offset))
        {
            request.status = status;
        }
    }

    pub(crate) fn to_vec(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }
}
