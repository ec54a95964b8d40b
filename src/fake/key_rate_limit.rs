//! The fake's per-API-key rate limit: a strict sliding window, like Upheal's
//! "300 requests per minute per API key".

use std::{
    collections::{HashMap, VecDeque},
    time::Duration,
};

use tokio::time::Instant;

use crate::rate_limit::RateLimit;

#[derive(Debug)]
pub(crate) struct KeyRateLimit {
    limit: RateLimit,
    seen: HashMap<String, VecDeque<Instant>>,
}

impl KeyRateLimit {
    /// Forgets every key's window.
    pub(crate) fn reset(&mut self) {
        self.seen.clear();
    }

    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            seen: HashMap::new(),
        }
    }

    /// Admits one request for `key`, or says how long until one would be.
    pub(crate) fn admit(&mut self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let window = self.limit.per();
        let seen = self.seen.entry(key.to_owned()).or_default();
        while seen
            .front()
            .is_some_and(|&t| now.duration_since(t) >= window)
        {
            seen.pop_front();
        }
        if seen.len() < self.limit.requests() as usize {
            seen.push_back(now);
            return Ok(());
        }
        let oldest = *seen.front().expect("a full window is not empty");
        Err(window - now.duration_since(oldest))
    }
}
