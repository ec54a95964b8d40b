//! The fake's per-API-key rate limit: a sliding window, like Upheal's
//! "300 requests per minute per API key".

use std::{
    collections::{HashMap, VecDeque},
    time::Duration,
};

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(crate) struct KeyRateLimit {
    per_minute: u32,
    seen: HashMap<String, VecDeque<Instant>>,
}

impl KeyRateLimit {
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            seen: HashMap::new(),
        }
    }

    /// Admits one request for `key`, or says how long until one would be.
    pub(crate) fn admit(&mut self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let seen = self.seen.entry(key.to_owned()).or_default();
        while seen
            .front()
            .is_some_and(|&t| now.duration_since(t) >= WINDOW)
        {
            seen.pop_front();
        }
        if seen.len() < self.per_minute as usize {
            seen.push_back(now);
            return Ok(());
        }
        let oldest = *seen.front().expect("a full window is not empty");
        Err(WINDOW - now.duration_since(oldest))
    }
}
