//! The fake endpoint: `PATCH /users/providers/{providerUserId}`.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header, request::Parts};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Fault, MAX_LOGGED_BODY_BYTES, RecordedRequest, SeedUser,
    response::{Response, json_text, streamed},
    state::{FakeState, FaultRequest},
};
use crate::{
    fragment,
    generated::types::{ProviderUser, UpdateProviderUserRequest},
};

/// What the request log shows of the key's header.
const REDACTED: &str = "[redacted]";

/// The answer for a route the fake does not serve.
pub(crate) async fn not_routed(state: &FakeState, request: &Parts, body: &Bytes) -> Response {
    // Every request on the key counts against its limit, as Upheal's one
    // budget for all user endpoints does; a route the fake does not serve
    // answers 404 once admitted.
    let not_found = async {
        if let Err(refusal) = admit(state, &request.headers) {
            return refusal;
        }
        let fault = state.next_fault(&FaultRequest {
            path: request.uri.path(),
            operation: None,
        });
        if let Some(injected) = injected_answer(fault.as_ref()).await {
            return injected;
        }
        error(
            StatusCode::NOT_FOUND,
            "no such route on the fake Upheal server",
        )
    };
    logged(state, record(request, body), not_found).await
}

/// The fragment's operation on provider user `id` (as the path carries it,
/// decoded).
pub(crate) async fn update_provider_user(
    state: &FakeState,
    request: &Parts,
    id: &str,
    body: &Bytes,
) -> Response {
    let answered = answer(state, id, request.uri.path(), &request.headers, body);
    logged(state, record(request, body), answered).await
}

/// Logs the request on arrival and its status once answered; a client that
/// goes away first leaves the status at 0.
async fn logged(
    state: &FakeState,
    request: RecordedRequest,
    answer: impl std::future::Future<Output = Response>,
) -> Response {
    let index = state.record_arrival(request);
    let response = answer.await;
    state.record_answer(index, response.status().as_u16());
    response
}

async fn answer(
    state: &FakeState,
    id: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if let Err(refusal) = admit(state, headers) {
        return refusal;
    }
    let fault = state.next_fault(&FaultRequest {
        path,
        operation: Some((id, state.resolve(id))),
    });
    if let Some(injected) = injected_answer(fault.as_ref()).await {
        return injected;
    }
    let update = match parse_update(state, headers, body) {
        Ok(update) => update,
        Err(response) => return response,
    };
    let user = match apply(state, id, update).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let mut user = serde_json::to_value(user).expect("a provider user serialises");
    if let Some(Fault::UnknownNoteIdentifier(value)) = fault {
        user["noteIdentifier"] = json!(value);
    }
    super::response::json(StatusCode::OK, &user)
}

/// The key, as the fragment's security scheme carries it, then the
/// per-key rate limit, as the real API orders them.
#[allow(clippy::result_large_err)]
fn admit(state: &FakeState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(key) = api_key(headers) else {
        let wanted = format!(
            "missing API key: send the header {}: {}<API_KEY>",
            fragment::AUTH_HEADER,
            fragment::AUTH_PREFIX
        );
        return Err(error(StatusCode::UNAUTHORIZED, &wanted));
    };
    if key != state.api_key {
        return Err(error(StatusCode::UNAUTHORIZED, "invalid API key"));
    }
    state.admit(key).map_err(|wait| {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        rate_limited(seconds)
    })
}

/// The answer an injected fault gives instead of the normal one; `None` when
/// the request goes on (after a delay, or to have its answer altered).
async fn injected_answer(fault: Option<&Fault>) -> Option<Response> {
    match fault? {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(error(status, "injected fault"))
        }
        Fault::RateLimited { retry_after_secs } => Some(rate_limited(*retry_after_secs)),
        Fault::Delay(delay) => {
            tokio::time::sleep(*delay).await;
            None
        }
        Fault::DropConnection => Some(broken_body(None)),
        Fault::MalformedBody => Some(json_text(StatusCode::OK, "{\"userId\": oops".into())),
        Fault::TruncatedBody => Some(broken_body(Some(b"{\"userId\":\"6f1c2a7e".to_vec()))),
        Fault::OversizedBody(bytes) => Some(endless_body(*bytes)),
        Fault::UnknownNoteIdentifier(_) => None,
        Fault::WrongUser => Some(json_text(StatusCode::OK, someone_else())),
    }
}

/// A provider user nobody addressed, for [`Fault::WrongUser`].
fn someone_else() -> String {
    SeedUser::new("Someone", "Else", "someone.else@example.com")
        .partner_user_id("someone-else")
        .to_json(None)
        .to_string()
}

/// The key from the fragment's auth header. With a scheme prefix
/// (`Bearer `), its name is case-insensitive (RFC 7235 §2.1), so
/// `bearer KEY` works too.
fn api_key(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(fragment::AUTH_HEADER)?.to_str().ok()?;
    let scheme = fragment::AUTH_PREFIX.trim_end();
    if scheme.is_empty() {
        return Some(value);
    }
    let (given, credentials) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| credentials.trim_start())
}

/// The body as the API would read it; stricter than the published schema
/// in two ways, both to catch client bugs: it must be sent as JSON, and it
/// may not carry properties the schema does not name.
#[allow(clippy::result_large_err)]
fn parse_update(
    state: &FakeState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<UpdateProviderUserRequest, Response> {
    if !is_json(headers) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "the body must be sent with Content-Type: application/json",
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("the body is not JSON: {e}"),
        )
    })?;
    let mut violations = state.schema.unknown_properties(&value);
    violations.extend(state.schema.violations(&value));
    if !violations.is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, &violations.join("; ")));
    }
    serde_json::from_value(value).map_err(|e| error(StatusCode::BAD_REQUEST, &e.to_string()))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

async fn apply(
    state: &FakeState,
    id: &str,
    update: UpdateProviderUserRequest,
) -> Result<ProviderUser, Response> {
    let by_uuid = Uuid::try_parse(id)
        .ok()
        .filter(|uuid| state.has_user(*uuid));
    let uuid = match by_uuid {
        Some(uuid) => uuid,
        None => {
            state.count_partner_lookup();
            tokio::time::sleep(state.partner_lookup_latency()).await;
            state
                .find_by_partner_id(id)
                .ok_or_else(|| error(StatusCode::NOT_FOUND, "provider user not found"))?
        }
    };
    state.update(uuid, update).ok_or_else(deactivated)
}

/// The answer the fragment's `x-deactivated-user` describes, so that
/// [`crate::Error::is_deactivated_user`] reads the fake as it reads Upheal.
fn deactivated() -> Response {
    let status = StatusCode::from_u16(fragment::DEACTIVATED_USER_STATUS)
        .expect("build.rs writes a status code of the fragment");
    let marker = fragment::DEACTIVATED_USER_MESSAGE_CONTAINS;
    error(
        status,
        &format!("this provider user is {marker} and cannot be updated"),
    )
}

/// The API's error shape: `{"statusCode": …, "message": …}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({"statusCode": status.as_u16(), "message": message}).to_string();
    json_text(status, body)
}

fn rate_limited(retry_after_secs: u64) -> Response {
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate limit exceeded: 300 requests per minute per API key",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, retry_after_secs.into());
    response
}

/// A 200 streaming `bytes` of padding in chunks, with no `Content-Length`,
/// the way a hostile or broken server would.
fn endless_body(bytes: usize) -> Response {
    const CHUNK: usize = 8 * 1024;
    let chunks =
        (0..bytes.div_ceil(CHUNK)).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; CHUNK])));
    let mut response = streamed(futures_util::stream::iter(chunks));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

/// A 200 whose body stream fails after `prefix`: with no prefix the client
/// sees the connection close before a response, with one a truncated body.
fn broken_body(prefix: Option<Vec<u8>>) -> Response {
    let announced = prefix.as_ref().map_or(0, Vec::len) * 2 + 1;
    let chunks: Vec<Result<Bytes, std::io::Error>> = prefix
        .map(|p| Ok(Bytes::from(p)))
        .into_iter()
        .chain([Err(std::io::Error::other("injected connection drop"))])
        .collect();
    let mut response = streamed(futures_util::stream::iter(chunks));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, announced.into());
    response
}

fn record(request: &Parts, body: &Bytes) -> RecordedRequest {
    let headers: BTreeMap<String, String> = request
        .headers
        .iter()
        .map(|(name, value)| {
            let value = if name == fragment::AUTH_HEADER {
                format!("{}{REDACTED}", fragment::AUTH_PREFIX)
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    RecordedRequest {
        method: request.method.to_string(),
        path: request.uri.path().to_owned(),
        headers,
        body: String::from_utf8_lossy(&body[..body.len().min(MAX_LOGGED_BODY_BYTES)]).into_owned(),
        status: 0,
        received_at: std::time::Instant::now(),
    }
}
