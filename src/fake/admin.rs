//! The fake's control API under `/__admin/` (WireMock's convention), so
//! that a standalone fake (`upheal-provider-users fake-server`) can be
//! steered and read from a test suite in any language: seed users, inject
//! faults (aimed or not), read the request log and the counters, reset.
//! Its requests are neither authenticated, counted nor logged: the fake
//! listens on loopback, for tests.

use std::time::Duration;

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Fault, SeedUser,
    response::{Response, empty, json},
    state::{FakeState, FaultTarget},
};

/// The control API's answer to `method` on `path`; `None` for a request
/// that is not one of its routes (another method included), which the
/// fake then answers as any route it does not serve.
pub(crate) fn answer(
    state: &FakeState,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Option<Response> {
    let text = || std::str::from_utf8(body).ok();
    let not_utf8 = || refused("a UTF-8 body".into());
    let answer = match (method, path) {
        (&Method::POST, "/__admin/users") => {
            text().map_or_else(not_utf8, |body| seed_users(state, body))
        }
        (&Method::POST, "/__admin/faults") => {
            text().map_or_else(not_utf8, |body| inject_fault(state, body))
        }
        (&Method::GET, "/__admin/requests") => requests(state),
        (&Method::GET, "/__admin/counters") => counters(state),
        (&Method::POST, "/__admin/reset") => reset(state),
        _ => return None,
    };
    Some(answer)
}

/// One user or a list of them, as `fake-server --seed` reads them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Users {
    One(Box<SeedUser>),
    Many(Vec<SeedUser>),
}

fn seed_users(state: &FakeState, body: &str) -> Response {
    let users = match serde_json::from_str::<Users>(body) {
        Ok(Users::One(user)) => vec![*user],
        Ok(Users::Many(users)) => users,
        Err(e) => return refused(format!("a seed user or a list of them: {e}")),
    };
    let ids: Vec<String> = users
        .into_iter()
        .map(|user| state.seed(user).to_string())
        .collect();
    json(StatusCode::CREATED, &json!({ "userIds": ids }))
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

fn inject_fault(state: &FakeState, body: &str) -> Response {
    let request = match serde_json::from_str::<FaultRequest>(body) {
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
    empty(StatusCode::NO_CONTENT)
}

/// The request log, oldest first; `receivedAtMs` counts from the fake's
/// start, and the key's header reads as redacted.
fn requests(state: &FakeState) -> Response {
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
    json(StatusCode::OK, &Value::Array(log))
}

fn counters(state: &FakeState) -> Response {
    let counters = state.counters();
    let by_status: serde_json::Map<String, Value> = counters
        .by_status
        .iter()
        .map(|(status, count)| (status.to_string(), json!(count)))
        .collect();
    json(
        StatusCode::OK,
        &json!({
            "requests": counters.requests,
            "partnerLookups": counters.partner_lookups,
            "updatesApplied": counters.updates_applied,
            "rateLimited": counters.rate_limited,
            "byStatus": by_status,
        }),
    )
}

fn reset(state: &FakeState) -> Response {
    state.reset();
    empty(StatusCode::NO_CONTENT)
}

fn refused(why: String) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({ "statusCode": 400, "message": why }),
    )
}
