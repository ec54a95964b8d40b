//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::{Value, json};
use upheal_provider_users::{Client, RetryPolicy};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

pub const API_KEY: &str = "test-key-5d1f0c";
pub const UPHEAL_UUID: &str = "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

/// A client for exact wire checks: one attempt per call, so each server
/// answer maps to exactly one result.
pub fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .api_key(API_KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a loopback base URL is valid")
}

/// A complete `ProviderUser` body: the fragment's own `example` (so a
/// corrected property follows the fragment), for `user_id` and, when
/// given, `partner_user_id`.
pub fn user_json(user_id: &str, partner_user_id: Option<&str>) -> Value {
    let mut user = spec()["components"]["schemas"]["ProviderUser"]["example"].clone();
    assert!(
        user.is_object(),
        "the fragment's ProviderUser has an example"
    );
    user["userId"] = json!(user_id);
    match partner_user_id {
        Some(partner) => user["partnerUserId"] = json!(partner),
        None => {
            user.as_object_mut().unwrap().remove("partnerUserId");
        }
    }
    user
}

/// The fragment, parsed, for tests that compare code with the spec.
pub fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/update-provider-user-by-id-v2.json"
    ))
    .expect("the fragment ships with the crate");
    serde_json::from_str(&text).expect("the fragment is JSON")
}

/// Tells the fake to answer the next request 429 with `Retry-After:
/// 18446744073709551615` (u64::MAX seconds), makes one call, and returns
/// the error it ends with.
#[cfg(feature = "fake")]
pub async fn call_meeting_an_absurd_429(
    fake: &upheal_provider_users::fake::FakeUpheal,
    client: &Client,
    id: &upheal_provider_users::ProviderUserId,
) -> upheal_provider_users::Error {
    fake.inject(
        upheal_provider_users::fake::Fault::RateLimited {
            retry_after_secs: u64::MAX,
        },
        1,
    );
    client
        .update_provider_user(id, &upheal_provider_users::ProviderUserUpdate::new())
        .await
        .expect_err("the fake answers 429")
}

/// Sends the API key the way the fragment's security scheme says (today
/// `Authorization: Bearer <key>`), for tests that talk HTTP directly.
pub trait WithKey {
    /// The request with `key` in the auth header.
    fn with_key(self, key: &str) -> Self;
}

impl WithKey for reqwest::RequestBuilder {
    fn with_key(self, key: &str) -> Self {
        use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
        self.header(AUTH_HEADER, format!("{AUTH_PREFIX}{key}"))
    }
}

/// The key a request to a test server carried, read from the fragment's
/// auth header.
pub fn key_of(headers: &http::HeaderMap) -> &str {
    use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
    let value = headers
        .get(AUTH_HEADER)
        .expect("the client sends its key")
        .to_str()
        .expect("a key is text");
    value
        .strip_prefix(AUTH_PREFIX)
        .expect("the scheme's prefix")
}

/// A server that answers every request for the operation with `user`.
pub async fn server_answering(user: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(upheal_provider_users::generated::OPERATION_METHOD))
        .respond_with(ResponseTemplate::new(200).set_body_json(user))
        .mount(&server)
        .await;
    server
}

/// A fake with no rate limit of its own and Ada seeded (no partner id), for
/// tests that send more than the fake's per-minute budget or wait on the
/// client's own limiter.
#[cfg(feature = "fake")]
pub async fn unlimited_fake_with_ada() -> (upheal_provider_users::fake::FakeUpheal, uuid::Uuid) {
    use upheal_provider_users::fake::{FakeUpheal, SeedUser};
    let fake = FakeUpheal::builder()
        .rate_limit_per_minute(None)
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    (fake, ada)
}
