//! Everything the fake server remembers, behind one short-held lock.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Mutex, MutexGuard},
    time::Duration,
};

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    Counters, Fault, RecordedRequest, SeedUser, key_rate_limit::KeyRateLimit,
    request_log::RequestLog, request_schema::RequestSchema,
};
use crate::{
    generated::types::{ProviderUser, UpdateProviderUserRequest},
    rate_limit::RateLimit,
    values::ProviderUserUpdate,
};

/// Which requests an injected fault is for.
#[derive(Clone, Debug)]
pub(crate) enum FaultTarget {
    /// The next requests for the fragment's operation.
    Operation,
    /// The next requests for the operation that address this user.
    User(Uuid),
    /// The next requests for the operation with this id (decoded), for a
    /// user not seeded (yet).
    Id(String),
    /// The next requests for this path, on any route.
    Path(String),
}

/// What a fault is matched against.
pub(crate) struct FaultRequest<'a> {
    pub(crate) path: &'a str,
    /// For the fragment's operation: the id in its path, decoded, and the
    /// seeded user it names.
    pub(crate) operation: Option<(&'a str, Option<Uuid>)>,
}

impl FaultTarget {
    fn matches(&self, request: &FaultRequest) -> bool {
        match self {
            Self::Operation => request.operation.is_some(),
            Self::User(uuid) => request
                .operation
                .is_some_and(|(_, user)| user == Some(*uuid)),
            Self::Id(id) => request.operation.is_some_and(|(given, _)| given == id),
            Self::Path(path) => request.path == path,
        }
    }
}

pub(crate) struct FakeState {
    pub(crate) api_key: String,
    /// When the fake started: the admin API's request times count from it.
    pub(crate) started: std::time::Instant,
    pub(crate) schema: RequestSchema,
    inner: Mutex<Inner>,
}

struct Inner {
    users: HashMap<Uuid, SeedUser>,
    /// Per user, the request properties with generated setters that it was
    /// given: [`SeedUser`] has a field for each property the hand-written
    /// layer knows, these follow the fragment.
    more: HashMap<Uuid, Map<String, Value>>,
    faults: VecDeque<(FaultTarget, Fault)>,
    log: RequestLog,
    counters: Counters,
    rate_limit: Option<KeyRateLimit>,
    partner_lookup_latency: Duration,
}

impl FakeState {
    pub(crate) fn new(
        api_key: String,
        rate_limit: Option<RateLimit>,
        partner_lookup_latency: Duration,
        log_capacity: usize,
    ) -> Self {
        Self {
            api_key,
            started: std::time::Instant::now(),
            schema: RequestSchema::from_fragment(),
            inner: Mutex::new(Inner {
                users: HashMap::new(),
                more: HashMap::new(),
                faults: VecDeque::new(),
                log: RequestLog::new(log_capacity),
                counters: Counters::default(),
                rate_limit: rate_limit.map(KeyRateLimit::new),
                partner_lookup_latency,
            }),
        }
    }

    /// No `await` ever happens while this guard is held.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn seed(&self, user: SeedUser) -> Uuid {
        let id = user.user_id;
        let mut inner = self.lock();
        inner.users.insert(id, user);
        inner.more.remove(&id);
        id
    }

    pub(crate) fn remove(&self, id: Uuid) -> bool {
        let mut inner = self.lock();
        inner.more.remove(&id);
        inner.users.remove(&id).is_some()
    }

    pub(crate) fn user(&self, id: Uuid) -> Option<ProviderUser> {
        let inner = self.lock();
        inner
            .users
            .get(&id)
            .map(|user| user.to_provider_user(inner.more.get(&id)))
    }

    pub(crate) fn stored_user(&self, id: Uuid) -> Option<Value> {
        let inner = self.lock();
        inner
            .users
            .get(&id)
            .map(|user| user.to_json(inner.more.get(&id)))
    }

    pub(crate) fn has_user(&self, id: Uuid) -> bool {
        self.lock().users.contains_key(&id)
    }

    pub(crate) fn set_active(&self, id: Uuid, active: bool) -> bool {
        self.lock()
            .users
            .get_mut(&id)
            .map(|u| u.active = active)
            .is_some()
    }

    pub(crate) fn set_partner_user_id(&self, id: Uuid, partner_user_id: Option<String>) -> bool {
        self.lock()
            .users
            .get_mut(&id)
            .map(|u| u.partner_user_id = partner_user_id)
            .is_some()
    }

    pub(crate) fn find_by_partner_id(&self, partner_user_id: &str) -> Option<Uuid> {
        self.lock()
            .users
            .values()
            .find(|u| u.partner_user_id.as_deref() == Some(partner_user_id))
            .map(|u| u.user_id)
    }

    /// Applies the fields present; `None` when the user is deactivated.
    pub(crate) fn update(
        &self,
        id: Uuid,
        update: UpdateProviderUserRequest,
    ) -> Option<ProviderUser> {
        let mut inner = self.lock();
        let more = generated_properties(&update);
        let user = inner.users.get_mut(&id).filter(|u| u.active)?;
        if let Some(ids) = update.default_note_template_ids {
            user.default_note_template_ids = ids;
        }
        if let Some(npi) = update.national_provider_identifier {
            user.national_provider_identifier = Some(npi);
        }
        if let Some(licence) = update.therapy_licence {
            user.therapy_licence = Some(licence);
        }
        if let Some(note_identifier) = update.note_identifier {
            user.note_identifier = Some(note_identifier);
        }
        let stored = inner.more.entry(id).or_default();
        stored.extend(more);
        let user = inner.users[&id].to_provider_user(inner.more.get(&id));
        inner.counters.updates_applied += 1;
        Some(user)
    }

    pub(crate) fn inject(&self, target: FaultTarget, fault: Fault, times: usize) {
        self.lock()
            .faults
            .extend(std::iter::repeat_n((target, fault), times));
    }

    /// The first fault injected for this request, taken from the queue:
    /// faults aimed elsewhere wait for their own requests.
    pub(crate) fn next_fault(&self, request: &FaultRequest) -> Option<Fault> {
        let mut inner = self.lock();
        let index = inner
            .faults
            .iter()
            .position(|(target, _)| target.matches(request))?;
        inner.faults.remove(index).map(|(_, fault)| fault)
    }

    /// The seeded user `id` names (as a request's path carries it once
    /// decoded): an Upheal UUID, else a partner id, as an update looks it up.
    pub(crate) fn resolve(&self, id: &str) -> Option<Uuid> {
        Uuid::try_parse(id)
            .ok()
            .filter(|uuid| self.has_user(*uuid))
            .or_else(|| self.find_by_partner_id(id))
    }

    pub(crate) fn admit(&self, key: &str) -> Result<(), Duration> {
        let mut inner = self.lock();
        let verdict = inner
            .rate_limit
            .as_mut()
            .map_or(Ok(()), |limit| limit.admit(key));
        if verdict.is_err() {
            inner.counters.rate_limited += 1;
        }
        verdict
    }

    pub(crate) fn partner_lookup_latency(&self) -> Duration {
        self.lock().partner_lookup_latency
    }

    pub(crate) fn set_partner_lookup_latency(&self, latency: Duration) {
        self.lock().partner_lookup_latency = latency;
    }

    pub(crate) fn count_partner_lookup(&self) {
        self.lock().counters.partner_lookups += 1;
    }

    /// Logs a request on arrival, before any fault or delay, so that a
    /// request the client gave up on is still counted; returns its
    /// sequence number.
    pub(crate) fn record_arrival(&self, request: RecordedRequest) -> u64 {
        let mut inner = self.lock();
        inner.counters.requests += 1;
        inner.log.push(request)
    }

    pub(crate) fn record_answer(&self, sequence: u64, status: u16) {
        let mut inner = self.lock();
        *inner.counters.by_status.entry(status).or_default() += 1;
        inner.log.answer(sequence, status);
    }

    /// Forgets the requests, counters, faults and the key's rate-limit
    /// window; users and settings stay.
    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        inner.faults.clear();
        inner.log.clear();
        inner.counters = Counters::default();
        if let Some(limit) = inner.rate_limit.as_mut() {
            limit.reset();
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.to_vec()
    }

    pub(crate) fn counters(&self) -> Counters {
        self.lock().counters.clone()
    }
}

/// The request's values of properties with generated setters: what the
/// fragment added beyond the fields [`SeedUser`] has.
fn generated_properties(update: &UpdateProviderUserRequest) -> Map<String, Value> {
    let Ok(Value::Object(body)) = serde_json::to_value(update) else {
        return Map::new();
    };
    let generated = ProviderUserUpdate::generated_properties();
    body.into_iter()
        .filter(|(name, _)| generated.iter().any(|property| property.name == name))
        .collect()
}
