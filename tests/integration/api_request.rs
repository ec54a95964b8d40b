//! `Client::request`: Upheal's other endpoints through the same client —
//! its key, budget, retries (by method), errors and body cap.

use std::time::Duration;

use serde_json::{Value, json};
use upheal_provider_users::{
    Client, ErrorKind, ProviderUser, RateLimit, RetryPolicy, reqwest::Method,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};

use crate::common::{API_KEY, UPHEAL_UUID, key_of, user_json};

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .api_key(API_KEY)
        .base_url(server.uri())
        .retry_policy(quick_retries())
        .build()
        .unwrap()
}

/// Answers with each template in turn, the last one from then on.
fn in_turn(server: &MockServer, verb: &str, at: &str, answers: Vec<ResponseTemplate>) -> Mock {
    let _ = server;
    let answers = std::sync::Arc::new(answers);
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(move |_: &wiremock::Request| {
            let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            answers[n.min(answers.len() - 1)].clone()
        })
}

#[tokio::test]
async fn a_get_goes_with_the_clients_key_and_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/providers/ext-42"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(user_json(UPHEAL_UUID, Some("ext-42"))),
        )
        .mount(&server)
        .await;
    let user: ProviderUser = client_for(&server)
        .request(Method::GET, "/users/providers/ext-42")
        .send_json()
        .await
        .unwrap();
    assert_eq!(user.user_id, UPHEAL_UUID);
    let sent = server.received_requests().await.unwrap();
    assert_eq!(key_of(&sent[0].headers), API_KEY);
}

#[tokio::test]
async fn a_query_and_a_json_body_are_sent_as_given() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/users/check"))
        .and(query_param("email", "ada+1@example.com"))
        .and(body_json(json!({"email": "ada+1@example.com"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"exists": true})))
        .mount(&server)
        .await;
    let answer: Value = client_for(&server)
        .request(Method::POST, "/users/check")
        .query(&[("email", "ada+1@example.com")])
        .json(&json!({"email": "ada+1@example.com"}))
        .send_json()
        .await
        .unwrap();
    assert_eq!(answer, json!({"exists": true}));
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn idempotent_methods_are_retried_a_post_only_when_it_was_certainly_not_processed() {
    let server = MockServer::start().await;
    in_turn(
        &server,
        "GET",
        "/g",
        vec![ResponseTemplate::new(503), ResponseTemplate::new(200)],
    )
    .mount(&server)
    .await;
    in_turn(
        &server,
        "POST",
        "/p",
        vec![ResponseTemplate::new(503), ResponseTemplate::new(201)],
    )
    .mount(&server)
    .await;
    in_turn(
        &server,
        "POST",
        "/limited",
        vec![
            ResponseTemplate::new(429).insert_header("retry-after", "0"),
            ResponseTemplate::new(201),
        ],
    )
    .mount(&server)
    .await;
    in_turn(
        &server,
        "POST",
        "/vouched",
        vec![ResponseTemplate::new(503), ResponseTemplate::new(201)],
    )
    .mount(&server)
    .await;
    let client = client_for(&server);

    let got = client.request(Method::GET, "/g").send().await.unwrap();
    assert_eq!(got.status(), 200);
    let error = client.request(Method::POST, "/p").send().await.unwrap_err();
    assert_eq!(
        (error.kind(), error.attempts()),
        (ErrorKind::Server, 1),
        "a 503 may have been processed"
    );
    let created = client
        .request(Method::POST, "/limited")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "a 429 was not processed: retried");
    let vouched = client
        .request(Method::POST, "/vouched")
        .idempotent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(vouched.status(), 201);

    let hits = |at: &'static str| {
        let server = &server;
        async move {
            server
                .received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| r.url.path() == at)
                .count()
        }
    };
    assert_eq!((hits("/g").await, hits("/p").await), (2, 1));
    assert_eq!((hits("/limited").await, hits("/vouched").await), (2, 2));
}

#[tokio::test]
async fn a_post_that_could_not_connect_is_retried() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://{address}"))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client
        .request(Method::POST, "/users/providers")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(
        error.attempts(),
        3,
        "nothing reached a server: every attempt was made"
    );
}

#[tokio::test]
async fn errors_carry_the_api_message_and_never_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": format!("no user here (key {API_KEY})")})),
        )
        .mount(&server)
        .await;
    let error = client_for(&server)
        .request(Method::GET, "/users/providers/nobody")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.status()),
        (ErrorKind::NotFound, Some(404))
    );
    assert!(
        error.api_message().unwrap().contains("no user here"),
        "{error}"
    );
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        error.body().unwrap().to_owned(),
    ] {
        assert!(!shown.contains(API_KEY), "{shown}");
    }
}

#[tokio::test]
async fn a_body_that_does_not_decode_is_a_decode_error_with_the_body_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    let error = client_for(&server)
        .request(Method::GET, "/users/providers/x")
        .send_json::<ProviderUser>()
        .await
        .unwrap_err();
    assert_eq!(
        (error.kind(), error.status()),
        (ErrorKind::Decode, Some(200))
    );
    assert_eq!(error.body(), Some("<html>oops</html>"));
}

#[tokio::test]
async fn a_response_over_the_cap_is_refused_while_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(server.uri())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = client
        .request(Method::GET, "/big")
        .send_json::<Value>()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ResponseTooLarge, "{error}");
}

#[tokio::test]
async fn a_path_off_the_clients_host_is_refused_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    for bad in [
        "https://elsewhere.example/users",
        "//elsewhere.example/users",
        "users",
    ] {
        let error = client.request(Method::GET, bad).send().await.unwrap_err();
        assert_eq!(
            (error.kind(), error.field()),
            (ErrorKind::InvalidInput, Some("path")),
            "{bad}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The other calls spend the client's own budget: after a request on a
/// budget paced at one per half hour, no slot is left within 200 ms —
/// for the budget's other users or for a second request, which ends at
/// once with nothing sent — while a client that sent nothing has one.
#[tokio::test]
async fn other_calls_spend_the_same_budget_as_updates() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let build = || {
        Client::builder()
            .api_key(API_KEY)
            .base_url(server.uri())
            .rate_limit(Some(RateLimit::new(2, Duration::from_secs(3600))))
            .build()
            .unwrap()
    };
    let (spent, idle) = (build(), build());
    spent
        .request(Method::GET, "/users/providers/x")
        .send()
        .await
        .unwrap();
    let soon = || tokio::time::Instant::now() + Duration::from_millis(200);
    let left = spent.budget().unwrap().acquire_before(soon()).await;
    assert!(left.is_err(), "the budget's slot went to the request");
    let second = spent
        .request(Method::GET, "/users/providers/x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (second.kind(), second.attempts()),
        (ErrorKind::Timeout, 0),
        "{second}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    idle.budget().unwrap().acquire_before(soon()).await.unwrap();
}
