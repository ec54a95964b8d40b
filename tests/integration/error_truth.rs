//! Errors tell the truth about what happened: attempts, status, ids, advice.

use crate::common;

use std::collections::HashSet;
#[cfg(feature = "fake")]
use std::time::Duration;

#[cfg(feature = "fake")]
use common::unlimited_fake_with_ada;
use common::{API_KEY, UPHEAL_UUID, client_for, server_answering, user_json};
use upheal_provider_users::{Client, ErrorKind, ProviderUserId, ProviderUserUpdate};
#[cfg(feature = "fake")]
use upheal_provider_users::{
    RateLimit, RetryPolicy,
    fake::{FakeUpheal, Fault, SeedUser},
};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

#[tokio::test]
async fn an_identity_mismatch_reports_the_attempt_the_status_and_plain_ids() {
    let server = server_answering(user_json(UPHEAL_UUID, Some("ext-other"))).await;
    let error = client_for(&server)
        .update_provider_user(
            &ProviderUserId::partner("ext-42").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::IdentityMismatch);
    assert_eq!(error.attempts(), 1, "the update reached the server");
    assert_eq!(error.status(), Some(200));
    let text = error.to_string();
    assert!(
        text.contains(
            "addressed provider user `ext-42` but the response is for partnerUserId `ext-other`"
        ),
        "{text}"
    );
    assert!(!text.contains("Some("), "{text}");

    let server = server_answering(user_json(UPHEAL_UUID, None)).await;
    let error = client_for(&server)
        .update_provider_user(
            &ProviderUserId::partner("ext-42").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("which has no partnerUserId"),
        "{error}"
    );
}

#[cfg(feature = "fake")]
#[tokio::test]
async fn an_upper_case_uuid_reaches_the_user_by_uuid_without_a_mismatch() {
    let (fake, uuid) = unlimited_fake_with_ada().await;
    let id: ProviderUserId = uuid.to_string().to_uppercase().parse().unwrap();
    let user = fake
        .client()
        .update_provider_user(&id, &ProviderUserUpdate::new().therapy_licence("L-1"))
        .await
        .unwrap();
    assert_eq!(user.user_id, uuid.to_string());
    assert_eq!(fake.counters().partner_lookups, 0);
}

/// No three words in a row appear twice in one message.
fn repeats_itself(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut seen = HashSet::new();
    words
        .windows(3)
        .map(|w| w.join(" ").to_lowercase())
        .find(|phrase| !seen.insert(phrase.clone()))
}

#[tokio::test]
async fn no_message_repeats_itself() {
    let mut errors = Vec::new();
    for status in [400, 401, 403, 404, 409, 429, 500, 503] {
        let server = MockServer::start().await;
        Mock::given(method(upheal_provider_users::generated::OPERATION_METHOD))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        errors.push(
            client_for(&server)
                .update_provider_user(&UPHEAL_UUID.parse().unwrap(), &ProviderUserUpdate::new())
                .await
                .unwrap_err(),
        );
    }
    #[cfg(feature = "fake")]
    {
        let fake = FakeUpheal::start().await.unwrap();
        let uuid = fake.seed(SeedUser::new("A", "B", "a@example.com"));
        for fault in [Fault::MalformedBody, Fault::Status(302)] {
            fake.inject(fault, 1);
            errors.push(
                fake.client()
                    .update_provider_user(&ProviderUserId::upheal(uuid), &ProviderUserUpdate::new())
                    .await
                    .unwrap_err(),
            );
        }
    }
    errors.push(Client::builder().build().unwrap_err());
    errors.push(Client::builder().api_key("").build().unwrap_err());
    errors.push(upheal_provider_users::Npi::new("123").unwrap_err());
    for error in errors {
        let text = error.to_string();
        assert_eq!(repeats_itself(&text), None, "{text}");
    }
}

#[test]
fn build_time_errors_speak_of_configuration_not_of_sending() {
    let missing = Client::builder().build().unwrap_err();
    let empty = Client::builder().api_key("  ").build().unwrap_err();
    let bad_url = Client::builder()
        .api_key(API_KEY)
        .base_url("http://example.com")
        .build()
        .unwrap_err();
    assert!(empty.message().contains("the API key is empty"), "{empty}");
    for error in [missing, empty, bad_url] {
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        let text = error.to_string();
        assert!(!text.contains("nothing was sent"), "{text}");
        assert!(text.contains("fix the client's configuration"), "{text}");
    }
}

#[cfg(feature = "fake")]
#[tokio::test]
async fn extreme_rate_limits_and_retry_caps_never_panic() {
    let (fake, uuid) = unlimited_fake_with_ada().await;
    for limit in [
        RateLimit::new(u32::MAX, Duration::from_secs(1)),
        RateLimit::new(1, Duration::MAX),
        RateLimit::new(0, Duration::ZERO),
        RateLimit::new(u32::MAX, Duration::MAX),
    ] {
        let client = fake
            .client_builder()
            .rate_limit(Some(limit))
            .retry_policy(RetryPolicy::default().max_retry_after(Duration::MAX))
            .build()
            .unwrap();
        // The first request always fits the budget.
        client
            .update_provider_user(&ProviderUserId::upheal(uuid), &ProviderUserUpdate::new())
            .await
            .unwrap();
    }
    assert!(RateLimit::new(1, Duration::MAX).per() <= Duration::from_secs(366 * 86_400));

    // Adaptive pacing meeting a 429 (and an absurd `Retry-After`) at the
    // extremes that let a second request go at once: it cuts and pauses,
    // and the call says 429.
    for limit in [
        RateLimit::new(u32::MAX, Duration::from_secs(1)),
        RateLimit::new(0, Duration::ZERO),
        RateLimit::new(u32::MAX, Duration::MAX),
    ] {
        let client = fake
            .client_builder()
            .rate_limit(Some(limit.adaptive(true)))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let id = ProviderUserId::upheal(uuid);
        client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .unwrap();
        let error = common::call_meeting_an_absurd_429(&fake, &client, &id).await;
        assert_eq!(error.kind(), ErrorKind::RateLimited);
    }
}

#[cfg(feature = "fake")]
#[tokio::test]
async fn the_deadline_bounds_an_attempt_in_flight() {
    let (fake, uuid) = unlimited_fake_with_ada().await;
    // The server would answer 200 after 5 s; the per-attempt timeout is
    // longer still, so only the deadline can end this call early.
    fake.inject(Fault::Delay(Duration::from_secs(5)), 1);
    let client = fake
        .client_builder()
        .timeout(Duration::from_secs(30))
        .retry_policy(RetryPolicy::default().deadline(Some(Duration::from_millis(500))))
        .build()
        .unwrap();
    let error = client
        .update_provider_user(&ProviderUserId::upheal(uuid), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert_eq!(error.attempts(), 1);
    assert!(error.to_string().contains("deadline of 500ms"), "{error}");
}

/// A limiter whose next slot is past the call's deadline does not make the
/// call wait for it: the call ends at once with `Timeout`, nothing sent.
#[cfg(feature = "fake")]
#[tokio::test]
async fn the_deadline_bounds_the_rate_limiters_wait() {
    let (fake, uuid) = unlimited_fake_with_ada().await;
    let client = fake
        .client_builder()
        .rate_limit(Some(RateLimit::new(1, Duration::from_secs(3600))))
        .retry_policy(RetryPolicy::default().deadline(Some(Duration::from_secs(2))))
        .build()
        .unwrap();
    let id = ProviderUserId::upheal(uuid);
    client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap();
    let error = client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.to_string().contains("deadline"), "{error}");
    assert_eq!(
        fake.counters().requests,
        1,
        "the second request was never sent"
    );
}

/// A 200 whose `partnerUserId` echoes the request's key (escaped, as a
/// server writing the header into JSON does): the identity-mismatch error
/// shows no run of it in `Display`, `Debug`, or the returned user. Before,
/// these errors skipped the redactor and showed the raw key.
#[tokio::test]
async fn an_identity_mismatch_never_shows_an_echoed_key() {
    let key = "sk/live+Q9zKEYm0p=0123456789abcdefXYZ";
    for echo in [
        key.to_owned(),
        key.replace('/', "\\/"),
        key.replace('+', "%2B"),
    ] {
        let server = server_answering(user_json(UPHEAL_UUID, Some(&echo))).await;
        let client = Client::builder()
            .api_key(key)
            .base_url(server.uri())
            .retry_policy(upheal_provider_users::RetryPolicy::none())
            .build()
            .unwrap();
        let id = ProviderUserId::partner("ext-1").unwrap();
        let error = client
            .update_provider_user(&id, &ProviderUserUpdate::new().therapy_licence("L"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IdentityMismatch, "{error}");
        let returned = serde_json::to_string(&error.returned_user()).unwrap();
        for shown in [error.to_string(), format!("{error:?}"), returned] {
            assert!(!shown.contains("Q9zKEYm0p"), "{echo}: {shown}");
            assert!(!shown.contains("0123456789abcdef"), "{echo}: {shown}");
        }
    }
}
