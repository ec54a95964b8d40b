//! What a service's telemetry gets: OpenTelemetry-style attempt spans,
//! metrics through the `metrics` facade (read with its in-memory
//! recorder), and the W3C `traceparent` of the current span.
//!
//! A test binary of its own: tracing caches per-callsite interest
//! process-wide, and these tests install subscribers.
#![cfg(all(feature = "metrics", feature = "traceparent"))]

use std::{sync::Arc, time::Duration};

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde_json::json;
use tracing::Instrument;
use upheal_provider_users::{
    Client, ErrorKind, ProviderUserId, ProviderUserUpdate, RetryPolicy, generated, telemetry::names,
};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

const KEY: &str = "telemetry-key-8c1f2e";

/// One test at a time: a callsite's interest is cached for the process,
/// so a test without a subscriber running beside one with a subscriber
/// could switch the other's spans off.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

const USER: &str = "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

fn user() -> serde_json::Value {
    json!({"userId": USER, "firstName": "Ada", "lastName": "Lovelace",
           "email": "ada@example.com", "defaultNoteTemplateIds": []})
}

/// A server answering 503, then 429 (`Retry-After: 0`), then the user.
async fn flaky_server() -> MockServer {
    let server = MockServer::start().await;
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Mock::given(method(generated::OPERATION_METHOD))
        .respond_with(move |_: &wiremock::Request| {
            match count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => ResponseTemplate::new(503),
                1 => ResponseTemplate::new(429).insert_header("retry-after", "0"),
                _ => ResponseTemplate::new(200).set_body_json(user()),
            }
        })
        .mount(&server)
        .await;
    server
}

fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
        .build()
        .unwrap()
}

async fn update(
    client: &Client,
) -> Result<upheal_provider_users::ProviderUser, upheal_provider_users::Error> {
    client
        .update_provider_user(
            &USER.parse::<ProviderUserId>().unwrap(),
            &ProviderUserUpdate::new().therapy_licence("L-1"),
        )
        .await
}

#[tokio::test]
async fn metrics_count_attempts_429s_waits_and_calls() {
    let _alone = alone().await;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);
    let server = flaky_server().await;
    update(&client_for(&server)).await.unwrap();

    let snapshot = snapshotter.snapshot().into_vec();
    let find = |name: &str, label: Option<(&str, &str)>| -> Vec<&DebugValue> {
        snapshot
            .iter()
            .filter(|(key, ..)| key.key().name() == name)
            .filter(|(key, ..)| {
                label
                    .is_none_or(|(k, v)| key.key().labels().any(|l| l.key() == k && l.value() == v))
            })
            .map(|(.., value)| value)
            .collect()
    };
    for status in ["503", "429", "200"] {
        let attempts = find(
            names::HTTP_REQUEST_DURATION,
            Some(("http.response.status_code", status)),
        );
        assert!(
            matches!(attempts[..], [DebugValue::Histogram(values)] if values.len() == 1),
            "one attempt answered {status}: {attempts:?}"
        );
    }
    assert_eq!(find(names::RATE_LIMITED, None), [&DebugValue::Counter(1)]);
    let calls = find(names::CALL_ATTEMPTS, None);
    assert!(
        matches!(calls[..], [DebugValue::Histogram(v)] if v.len() == 1 && v[0].0 == 3.0),
        "{calls:?}"
    );
    assert_eq!(find(names::CALL_DURATION, Some(("outcome", "ok"))).len(), 1);
    let waits = find(names::BUDGET_WAIT, None);
    assert!(
        matches!(waits[..], [DebugValue::Histogram(v)] if v.len() == 3),
        "{waits:?}"
    );
}

#[tokio::test]
async fn a_failed_call_is_counted_with_its_kind() {
    let _alone = alone().await;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);
    let server = MockServer::start().await;
    Mock::given(method(generated::OPERATION_METHOD))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let error = update(&client_for(&server)).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let snapshot = snapshotter.snapshot().into_vec();
    let outcomes: Vec<String> = snapshot
        .iter()
        .filter(|(key, ..)| key.key().name() == names::CALL_DURATION)
        .flat_map(|(key, ..)| {
            key.key()
                .labels()
                .filter(|l| l.key() == "outcome")
                .map(|l| l.value().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(outcomes, ["NotFound"]);
}

/// Redis that does not answer shows as a gauge at 0 (where the fallback
/// warning is a tracing event, this is a number an alert can watch).
#[tokio::test]
async fn redis_not_answering_shows_in_a_gauge() {
    let _alone = alone().await;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let server = MockServer::start().await;
    Mock::given(method(generated::OPERATION_METHOD))
        .respond_with(ResponseTemplate::new(200).set_body_json(user()))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .rate_limit(Some(
            upheal_provider_users::RateLimit::per_minute(600)
                .redis(format!("redis://127.0.0.1:{port}")),
        ))
        .build()
        .unwrap();
    update(&client).await.unwrap();
    let gauge: Vec<DebugValue> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == names::REDIS_ANSWERING)
        .map(|(.., value)| value)
        .collect();
    assert_eq!(gauge, [DebugValue::Gauge(0.0.into())]);
}

#[path = "support/captured_output.rs"]
mod captured_output;
use captured_output::Captured;

/// Each attempt is a span in OpenTelemetry's HTTP client conventions.
#[tokio::test]
async fn attempt_spans_follow_the_http_client_conventions_and_never_hold_the_key() {
    let _alone = alone().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = flaky_server().await;
    update(&client_for(&server)).await.unwrap();

    let output = captured.text();
    let attempts: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("upheal.http"))
        .collect();
    assert_eq!(attempts.len(), 3, "{output}");
    for (resends, status) in [(0, "503"), (1, "429"), (2, "200")] {
        let line = attempts
            .iter()
            .find(|l| l.contains(&format!("http.request.resend_count={resends}")))
            .unwrap_or_else(|| panic!("attempt {resends} in {output}"));
        assert!(
            line.contains(&format!("http.response.status_code={status}")),
            "{line}"
        );
        assert!(
            line.contains(&format!(
                "http.request.method=\"{}\"",
                generated::OPERATION_METHOD
            )),
            "{line}"
        );
        assert!(
            line.contains(&format!("url.template=\"{}\"", generated::OPERATION_PATH)),
            "{line}"
        );
        assert!(line.contains("server.address=\"127.0.0.1\""), "{line}");
    }
    assert!(
        attempts[0].contains("error.type=\"503\""),
        "{}",
        attempts[0]
    );
    assert!(
        !output.contains(KEY),
        "the key never reaches a span: {output}"
    );
}

/// With `traceparent`, a call inside an OpenTelemetry span carries its
/// trace onward.
#[tokio::test]
async fn the_current_trace_is_sent_as_traceparent() {
    let _alone = alone().await;
    use opentelemetry::trace::{TraceContextExt, TracerProvider};
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    use tracing_subscriber::layer::SubscriberExt;

    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method(generated::OPERATION_METHOD))
        .respond_with(ResponseTemplate::new(200).set_body_json(user()))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let parent = tracing::info_span!("sync job");
    let trace_id = parent.context().span().span_context().trace_id();
    update(&client).instrument(parent).await.unwrap();

    let sent = server.received_requests().await.unwrap();
    let traceparent = sent[0].headers["traceparent"].to_str().unwrap().to_owned();
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], trace_id.to_string(), "the caller's trace goes on");
    assert_eq!((parts[2].len(), parts[3]), (16, "01"));

    // Outside any OpenTelemetry trace, nothing is sent.
    drop(_guard);
    update(&client).await.unwrap();
    let sent = server.received_requests().await.unwrap();
    assert!(sent[1].headers.get("traceparent").is_none());
}
