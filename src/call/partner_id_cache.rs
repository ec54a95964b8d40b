//! The opt-in memory of which Upheal UUID a `partnerUserId` resolved to.
//!
//! Addressing a user by partner id costs Upheal an extra lookup. With the
//! cache on, after one successful call by partner id the client addresses
//! that user by UUID, still checking every response's identity.

use std::{
    num::NonZeroUsize,
    sync::Mutex,
    time::{Duration, Instant},
};

use lru::LruCache;
use uuid::Uuid;

/// Bounded, expiring map from partner id to Upheal UUID.
#[derive(Debug)]
pub(crate) struct PartnerIdCache {
    ttl: Duration,
    entries: Mutex<LruCache<String, (Uuid, Instant)>>,
}

impl PartnerIdCache {
    pub(crate) fn new(capacity: NonZeroUsize, ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, LruCache<String, (Uuid, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn get(&self, partner_id: &str) -> Option<Uuid> {
        let mut entries = self.entries();
        match entries.get(partner_id) {
            Some(&(uuid, stored)) if stored.elapsed() < self.ttl => Some(uuid),
            Some(_) => {
                entries.pop(partner_id);
                None
            }
            None => None,
        }
    }

    pub(crate) fn insert(&self, partner_id: &str, uuid: Uuid) {
        self.entries()
            .put(partner_id.to_owned(), (uuid, Instant::now()));
    }

    pub(crate) fn remove(&self, partner_id: &str) {
        self.entries().pop(partner_id);
    }
}
