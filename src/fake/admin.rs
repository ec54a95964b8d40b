//! The fake's control API under `/__admin/` (WireMock's convention), so
//! that a standalone fake (`upheal-provider-users fake-server`) can be
//! steered and read from a test suite in any language: seed users, inject
//! faults (aimed or not), read the request log and the counters, reset.
//! Its requests are neither authenticated, counted nor logged: the fake
//! listens on loopback, for tests.

use std::{sync::Arc, time::Duration};

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Fault, SeedUser,
    state::{FakeState, FaultTarget},
};

/// The control routes, to merge beside the fake's own.
pub(crate) fn routes() -> axum::Router<Arc<FakeState>> {
    axum::Router::new()
        .route("/__admin/users", post(seed_users))
        .route("/__admin/faults", post(inject_fault))
        .route("/__admin/requests", get(requests))
        .route("/__admin/counters", get(counters))
        .route("/__admin/reset", post(reset))
}

/// One user or a list of them, as `fake-server --seed` reads them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Users {
    One(Box<SeedUser>),
    Many(Vec<SeedUser>),
}

async fn seed_users(State(state): State<Arc<FakeState>>, body: String) -> Response {
    let users = match serde_json::from_str::<Users>(&body) {
        Ok(Users::One(user)) => vec![*user],
        Ok(Users::Many(users)) => users,
        Err(e) => return refused(format!("a seed user or a list of them: {e}")),
    };
    let ids: Vec<String> = users
        .into_iter()
        .map(|user| state.seed(user).to_string())
        .collect();
    (StatusCode::CREATED, Json(json!({ "userIds": ids }))).into_response()
}

/// `{"fault": {"kind": "status", "status": 503}, "times": 2}`, aimed with
/// `"providerUserId"` (a UUID or partner id) or `"path"` if wanted.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    fault: FaultSpec,
    #[serde(default = "once")]
    times: usize,
    provider_user_id: Option<String>,
    path: Option<String>,
}

fn once() -> usize {
    1
}

/// A [`Fault`] as JSON.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
enum FaultSpec {
    Status {
        status: u16,
    },
    #[serde(rename_all = "camelCase")]
    RateLimited {
        retry_after_secs: u64,
    },
    Delay {
        ms: u64,
    },
    DropConnection,
    MalformedBody,
    TruncatedBody,
    OversizedBody {
        bytes: usize,
    },
    UnknownNoteIdentifier {
        value: String,
    },
    WrongUser,
}

impl From<FaultSpec> for Fault {
    fn from(spec: FaultSpec) -> Self {
        match spec {
            FaultSpec::Status { status } => Fault::Status(status),
            FaultSpec::RateLimited { retry_after_secs } => Fault::RateLimited { retry_after_secs },
            FaultSpec::Delay { ms } => Fault::Delay(Duration::from_millis(ms)),
            FaultSpec::DropConnection => Fault::DropConnection,
            FaultSpec::MalformedBody => Fault::MalformedBody,
            FaultSpec::TruncatedBody => Fault::TruncatedBody,
            FaultSpec::OversizedBody { bytes } => Fault::OversizedBody(bytes),
            FaultSpec::UnknownNoteIdentifier { value } => Fault::UnknownNoteIdentifier(value),
            FaultSpec::WrongUser => Fault::WrongUser,
        }
    }
}

async fn inject_fault(State(state): State<Arc<FakeState>>, body: String) -> Response {
    let request = match serde_json::from_str::<FaultRequest>(&body) {
        Ok(request) => request,
        Err(e) => return refused(format!("a fault to inject: {e}")),
    };
    let target = match (request.provider_user_id, request.path) {
        (Some(_), Some(_)) => return refused("aim at a providerUserId or a path, not both".into()),
        (Some(id), None) => match state.resolve(&id) {
            Some(uuid) => FaultTarget::User(uuid),
            None => FaultTarget::Id(id),
        },
        (None, Some(path)) => FaultTarget::Path(path),
        (None, None) => FaultTarget::Operation,
    };
    state.inject(target, request.fault.into(), request.times);
    StatusCode::NO_CONTENT.into_response()
}

/// The request log, oldest first; `receivedAtMs` counts from the fake's
/// start, and the key's header reads as redacted.
async fn requests(State(state): State<Arc<FakeState>>) -> Json<Value> {
    let log: Vec<Value> = state
        .requests()
        .into_iter()
        .map(|request| {
            json!({
                "method": request.method,
                "path": request.path,
                "headers": request.headers,
                "body": request.body,
                "status": request.status,
                "receivedAtMs": request
                    .received_at
                    .saturating_duration_since(state.started)
                    .as_secs_f64() * 1000.0,
            })
        })
        .collect();
    Json(Value::Array(log))
}

async fn counters(State(state): State<Arc<FakeState>>) -> Json<Value> {
    let counters = state.counters();
    let by_status: serde_json::Map<String, Value> = counters
        .by_status
        .iter()
        .map(|(status, count)| (status.to_string(), json!(count)))
        .collect();
    Json(json!({
        "requests": counters.requests,
        "partnerLookups": counters.partner_lookups,
        "updatesApplied": counters.updates_applied,
        "rateLimited": counters.rate_limited,
        "byStatus": by_status,
    }))
}

async fn reset(State(state): State<Arc<FakeState>>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

fn refused(why: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "statusCode": 400, "message": why })),
    )
        .into_response()
}
