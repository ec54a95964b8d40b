//! The embedded fake server: every rule it promises, over real HTTP, through
//! both the crate's client and a plain HTTP client.
#![cfg(feature = "fake")]

use crate::common::{WithKey, unlimited_fake_with_ada};
use std::time::Duration;

use serde_json::{Value, json};
use upheal_provider_users::{
    Client, ErrorKind, NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate, RetryPolicy,
    fake::{FakeUpheal, Fault, SeedUser},
};
use uuid::Uuid;

async fn fake_with_ada() -> (FakeUpheal, Uuid) {
    let fake = FakeUpheal::start().await.unwrap();
    let ada = fake.seed(
        SeedUser::new("Ada", "Lovelace", "ada@example.com")
            .partner_user_id("ext-ada")
            .default_templates(["tpl-1"]),
    );
    (fake, ada)
}

/// One attempt per call, so each injected fault maps to exactly one result.
fn single_attempt(fake: &FakeUpheal) -> Client {
    fake.client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A bare reqwest client. This crate enables reqwest's `rustls-no-provider`
/// (it configures `ring` per client), so a bare client needs a process-wide
/// provider first.
fn bare_http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A request for the fragment's operation on provider `id` (its method and
/// path), from a bare HTTP client.
fn operation_request(fake: &FakeUpheal, id: impl std::fmt::Display) -> reqwest::RequestBuilder {
    let method =
        reqwest::Method::from_bytes(upheal_provider_users::generated::OPERATION_METHOD.as_bytes())
            .unwrap();
    let path = upheal_provider_users::generated::operation_path(id);
    bare_http_client().request(method, format!("{}{path}", fake.base_url()))
}

/// Sends a raw PATCH, bypassing the client's validation.
async fn raw_patch(fake: &FakeUpheal, id: &str, key: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = operation_request(fake, id)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.with_key(key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_api_key_is_required() {
    let (fake, ada) = fake_with_ada().await;
    let (status, body) = raw_patch(&fake, &ada.to_string(), None, "{}").await;
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("missing"));
    let (status, _) = raw_patch(&fake, &ada.to_string(), Some("wrong"), "{}").await;
    assert_eq!(status, 401);

    let wrong_key = fake.client_builder().api_key("wrong").build().unwrap();
    let error = wrong_key
        .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn updates_by_either_id_apply_only_present_fields() {
    let (fake, ada) = fake_with_ada().await;
    let client = fake.client();
    let npi = Npi::new("1234567893").unwrap();

    let user = client
        .update_provider_user(
            &ProviderUserId::upheal(ada),
            &ProviderUserUpdate::new().national_provider_identifier(npi),
        )
        .await
        .unwrap();
    assert_eq!(
        user.national_provider_identifier.as_deref(),
        Some("1234567893")
    );
    assert_eq!(
        user.default_note_template_ids,
        ["tpl-1"],
        "absent fields are unchanged"
    );
    assert_eq!(fake.counters().partner_lookups, 0);

    let user = client
        .update_provider_user(
            &ProviderUserId::partner("ext-ada").unwrap(),
            &ProviderUserUpdate::new().note_identifier(NoteIdentifier::DrLastName),
        )
        .await
        .unwrap();
    assert_eq!(user.note_identifier, Some(NoteIdentifier::DrLastName));
    assert_eq!(
        user.national_provider_identifier.as_deref(),
        Some("1234567893")
    );
    assert_eq!(fake.counters().partner_lookups, 1);

    client
        .update_provider_user(
            &ProviderUserId::upheal(ada),
            &ProviderUserUpdate::new().default_note_template_ids(Vec::<String>::new()),
        )
        .await
        .unwrap();
    let stored = fake.user(ada).unwrap();
    assert!(
        stored.default_note_template_ids.is_empty(),
        "[] clears the list"
    );
    assert_eq!(stored.note_identifier, Some(NoteIdentifier::DrLastName));
    assert_eq!(fake.counters().updates_applied, 3);
}

#[tokio::test]
async fn partner_ids_with_reserved_characters_round_trip() {
    let fake = FakeUpheal::start().await.unwrap();
    for partner in ["a/b", "with space", "q?x=1", "hash#1", "josé", "100%"] {
        let uuid = fake.seed(SeedUser::new("P", "Q", "p@example.com").partner_user_id(partner));
        let user = fake
            .client()
            .update_provider_user(
                &ProviderUserId::partner(partner).unwrap(),
                &ProviderUserUpdate::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("{partner:?}: {e}"));
        assert_eq!(user.user_id, uuid.to_string());
    }
}

#[tokio::test]
async fn unknown_and_deactivated_users_are_refused() {
    let (fake, _) = fake_with_ada().await;
    let old = fake.seed(SeedUser::new("Old", "Account", "old@example.com").deactivated());
    let client = fake.client();

    let missing = client
        .update_provider_user(
            &ProviderUserId::partner("nobody").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let missing = client
        .update_provider_user(
            &ProviderUserId::upheal(Uuid::new_v4()),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    let update = ProviderUserUpdate::new().therapy_licence("LPC-1");
    let deactivated = client
        .update_provider_user(&ProviderUserId::upheal(old), &update)
        .await
        .unwrap_err();
    assert_eq!(deactivated.kind(), ErrorKind::BadRequest);
    assert!(
        deactivated
            .body()
            .unwrap()
            .contains("is deactivated and cannot be updated")
    );
    assert_eq!(
        fake.user(old).unwrap().therapy_licence,
        None,
        "nothing was applied"
    );

    assert!(fake.set_active(old, true));
    assert!(
        client
            .update_provider_user(&ProviderUserId::upheal(old), &update)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn request_bodies_are_validated_against_the_fragment_schema() {
    let (fake, ada) = fake_with_ada().await;
    let key = Some(fake.api_key().to_owned());
    let cases = [
        (r#"{"noteIdentifier": "Shaman"}"#, "noteIdentifier"),
        (r#"{"noteIdentifier": "clinician"}"#, "noteIdentifier"),
        (
            r#"{"nationalProviderIdentifier": 1234567893}"#,
            "nationalProviderIdentifier",
        ),
        (r#"{"therapyLicence": ["LPC"]}"#, "therapyLicence"),
        (
            r#"{"defaultNoteTemplateIds": "tpl-1"}"#,
            "defaultNoteTemplateIds",
        ),
        (
            r#"{"defaultNoteTemplateIds": [1, 2]}"#,
            "defaultNoteTemplateIds/0",
        ),
        (
            r#"{"defaultNoteTemplateIds": null}"#,
            "defaultNoteTemplateIds",
        ),
        (r#"["not", "an", "object"]"#, "object"),
        ("not json", "not JSON"),
    ];
    for (body, mentioned) in cases {
        let (status, answer) = raw_patch(&fake, &ada.to_string(), key.as_deref(), body).await;
        assert_eq!(status, 400, "{body}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(mentioned), "{body}: {message}");
    }
    let (status, _) = raw_patch(
        &fake,
        &ada.to_string(),
        key.as_deref(),
        r#"{"noteIdentifier": "Coach"}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        fake.user(ada).unwrap().note_identifier,
        Some(NoteIdentifier::Coach)
    );
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let fake = FakeUpheal::builder()
        .rate_limit_per_minute(Some(3))
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let client = single_attempt(&fake);
    let id = ProviderUserId::upheal(ada);
    for _ in 0..3 {
        client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .unwrap();
    }
    let error = client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let wait = error.retry_after().expect("the fake sends Retry-After");
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    assert_eq!(fake.counters().rate_limited, 1);
}

#[tokio::test]
async fn the_rate_limit_can_be_disabled() {
    let (fake, ada) = unlimited_fake_with_ada().await;
    let client = fake.client_builder().rate_limit(None).build().unwrap();
    for _ in 0..400 {
        client
            .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
            .await
            .unwrap();
    }
    assert_eq!(fake.counters().rate_limited, 0);
}

#[tokio::test]
async fn injected_faults_surface_as_typed_errors_then_stop() {
    let (fake, ada) = fake_with_ada().await;
    let client = fake
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .max_response_bytes(16 * 1024)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let id = ProviderUserId::upheal(ada);
    let cases = [
        (Fault::Status(503), ErrorKind::Server),
        (Fault::Status(500), ErrorKind::Server),
        (
            Fault::RateLimited {
                retry_after_secs: 2,
            },
            ErrorKind::RateLimited,
        ),
        (Fault::DropConnection, ErrorKind::Transport),
        (Fault::MalformedBody, ErrorKind::Decode),
        (Fault::TruncatedBody, ErrorKind::Transport),
        (Fault::OversizedBody(64 * 1024), ErrorKind::ResponseTooLarge),
        (Fault::Delay(Duration::from_secs(10)), ErrorKind::Timeout),
    ];
    for (fault, kind) in cases {
        fake.inject(fault.clone(), 1);
        let error = client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{fault:?}: {error}");
    }
    assert!(
        client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .is_ok(),
        "faults are used up"
    );
}

#[tokio::test]
async fn a_fault_applies_to_exactly_the_next_n_requests() {
    let (fake, ada) = fake_with_ada().await;
    let client = single_attempt(&fake);
    let id = ProviderUserId::upheal(ada);
    fake.inject(Fault::Status(502), 2);
    for _ in 0..2 {
        let error = client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(502));
    }
    assert!(
        client
            .update_provider_user(&id, &ProviderUserUpdate::new())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_unknown_note_identifier_from_the_server_is_kept() {
    let (fake, ada) = fake_with_ada().await;
    fake.inject(Fault::UnknownNoteIdentifier("Shaman".into()), 1);
    let user = fake
        .client()
        .update_provider_user(
            &ProviderUserId::upheal(ada),
            &ProviderUserUpdate::new().therapy_licence("L-1"),
        )
        .await
        .unwrap();
    assert_eq!(
        user.note_identifier,
        Some(NoteIdentifier::Unknown("Shaman".into()))
    );
    assert_eq!(user.therapy_licence.as_deref(), Some("L-1"));
}

#[tokio::test]
async fn the_partner_lookup_latency_is_applied_to_partner_ids_only() {
    let fake = FakeUpheal::builder()
        .partner_lookup_latency(Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    let ada =
        fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-ada"));
    let client = fake
        .client_builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(
        client
            .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
            .await
            .is_ok()
    );
    let slow = client
        .update_provider_user(
            &ProviderUserId::partner("ext-ada").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(slow.kind(), ErrorKind::Timeout);
    fake.set_partner_lookup_latency(Duration::ZERO);
    assert!(
        client
            .update_provider_user(
                &ProviderUserId::partner("ext-ada").unwrap(),
                &ProviderUserUpdate::new()
            )
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_request_log_redacts_the_key() {
    let (fake, ada) = fake_with_ada().await;
    fake.client()
        .update_provider_user(
            &ProviderUserId::upheal(ada),
            &ProviderUserUpdate::new().therapy_licence("L-9"),
        )
        .await
        .unwrap();
    let log = fake.requests();
    assert_eq!(log.len(), 1);
    let request = &log[0];
    assert_eq!(
        request.method,
        upheal_provider_users::generated::OPERATION_METHOD
    );
    assert_eq!(
        request.path,
        upheal_provider_users::generated::operation_path(ada)
    );
    assert_eq!(
        serde_json::from_str::<Value>(&request.body).unwrap(),
        json!({"therapyLicence": "L-9"})
    );
    use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
    assert_eq!(
        request.headers[AUTH_HEADER],
        format!("{AUTH_PREFIX}[redacted]")
    );
    assert_eq!(request.status, 200);
    assert!(!format!("{log:?}").contains(fake.api_key()));
    assert_eq!(fake.counters().by_status.get(&200), Some(&1));
}

#[tokio::test]
async fn seed_users_read_from_json() {
    let users: Vec<SeedUser> = serde_json::from_value(json!([
        {"userId": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "partnerUserId": "ext-1",
         "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "noteIdentifier": "Coach"},
        {"firstName": "Old", "lastName": "Account", "email": "old@example.com", "active": false}
    ]))
    .unwrap();
    assert!(users[0].active && !users[1].active);
    let fake = FakeUpheal::builder().users(users).start().await.unwrap();
    let user = fake
        .client()
        .update_provider_user(
            &ProviderUserId::partner("ext-1").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap();
    assert_eq!(user.user_id, "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(user.note_identifier, Some(NoteIdentifier::Coach));
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let (fake, ada) = fake_with_ada().await;
    let client = single_attempt(&fake);
    fake.shutdown().await;
    let error = client
        .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
}

/// Bearer auth's scheme name is case-insensitive; a key sent in another
/// scheme, or in another header than the fragment's, is refused.
#[tokio::test]
async fn the_key_counts_only_where_the_scheme_puts_it() {
    use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
    let (fake, ada) = fake_with_ada().await;
    let elsewhere = if AUTH_HEADER == "authorization" {
        "x-api-key"
    } else {
        "authorization"
    };
    for value in [
        fake.api_key().to_owned(),
        format!("Bearer {}", fake.api_key()),
    ] {
        let response = operation_request(&fake, ada)
            .header(elsewhere, value)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "the key in {elsewhere}");
    }
    let scheme = AUTH_PREFIX.trim_end();
    if scheme.is_empty() {
        return; // an API key header: no scheme name to spell
    }
    for scheme in [
        scheme.to_lowercase(),
        scheme.to_uppercase(),
        scheme.to_owned(),
    ] {
        let response = operation_request(&fake, ada)
            .header(AUTH_HEADER, format!("{scheme} {}", fake.api_key()))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{scheme}");
    }
    let response = operation_request(&fake, ada)
        .header(AUTH_HEADER, format!("Basic {}", fake.api_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401, "another scheme");
}

#[tokio::test]
async fn a_body_not_sent_as_json_is_refused() {
    let (fake, ada) = fake_with_ada().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = operation_request(&fake, ada)
            .with_key(fake.api_key())
            .body(r#"{"therapyLicence": "L"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{content_type:?}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("Content-Type: application/json"),
            "{body}"
        );
    }
    let response = operation_request(&fake, ada)
        .with_key(fake.api_key())
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"therapyLicence": "L"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        fake.user(ada).unwrap().therapy_licence.as_deref(),
        Some("L")
    );
}

#[tokio::test]
async fn unknown_properties_are_refused_with_a_suggestion() {
    let (fake, ada) = fake_with_ada().await;
    let key = Some(fake.api_key().to_owned());
    let (status, answer) = raw_patch(
        &fake,
        &ada.to_string(),
        key.as_deref(),
        r#"{"therapyLicense": "LPC-1", "favouriteColour": "blue"}"#,
    )
    .await;
    assert_eq!(status, 400);
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("therapyLicense: unknown property (the fake is stricter than the published schema); did you mean `therapyLicence`?"),
        "{message}"
    );
    assert!(
        message.contains("favouriteColour: unknown property"),
        "{message}"
    );
    assert_eq!(
        fake.user(ada).unwrap().therapy_licence,
        None,
        "nothing applied"
    );
}

#[tokio::test]
async fn the_request_log_is_a_bounded_ring() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .request_log_capacity(5)
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let client = fake.client();
    for i in 0..12 {
        client
            .update_provider_user(
                &ProviderUserId::upheal(ada),
                &ProviderUserUpdate::new().therapy_licence(format!("L-{i}")),
            )
            .await
            .unwrap();
    }
    let log = fake.requests();
    assert_eq!(log.len(), 5, "only the most recent are kept");
    assert_eq!(
        fake.counters().requests,
        12,
        "every request is still counted"
    );
    for (request, i) in log.iter().zip(7..12) {
        assert!(request.body.contains(&format!("L-{i}")), "{}", request.body);
        assert_eq!(request.status, 200, "answers land on the right entry");
    }

    // Padded with whitespace, not a long value: valid whatever length
    // bound the fragment sets on a property.
    let padding = " ".repeat(200 * 1024);
    let key = Some(fake.api_key().to_owned());
    let (status, _) = raw_patch(
        &fake,
        &ada.to_string(),
        key.as_deref(),
        &format!(r#"{{"therapyLicence": "L-big"{padding}}}"#),
    )
    .await;
    assert_eq!(status, 200);
    let kept = fake.requests().pop().unwrap();
    assert_eq!(
        kept.body.len(),
        upheal_provider_users::fake::MAX_LOGGED_BODY_BYTES
    );
}

/// A deactivated user's answer is the one `Error::is_deactivated_user`
/// reads (the fragment's `x-deactivated-user`), with the API's message; an
/// ordinary 400 is not mistaken for one.
#[tokio::test]
async fn a_deactivated_user_is_told_apart_from_other_refusals() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").deactivated());
    let client = fake.client();
    let error = client
        .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert!(error.is_deactivated_user(), "{error}");
    assert!(
        error.api_message().unwrap().contains("deactivated"),
        "{error:?}"
    );
    assert!(!error.is_transient());

    fake.set_active(ada, true);
    fake.inject(Fault::Status(400), 1);
    let error = client
        .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert!(!error.is_deactivated_user(), "{error}");
    assert_eq!(error.api_message(), Some("injected fault"));
}

/// `Fault::WrongUser` makes the client report an identity mismatch, with
/// the user the response named in `returned_user()`.
#[tokio::test]
async fn a_wrong_user_in_the_answer_is_an_identity_mismatch_naming_that_user() {
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let ada =
        fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-ada"));
    let client = fake.client();
    for id in [
        ProviderUserId::upheal(ada),
        ProviderUserId::partner("ext-ada").unwrap(),
    ] {
        fake.inject(Fault::WrongUser, 1);
        let error = client
            .update_provider_user(&id, &ProviderUserUpdate::new().therapy_licence("L-1"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::IdentityMismatch, "{error}");
        let returned = error.returned_user().expect("the user the response named");
        assert_eq!(returned.partner_user_id.as_deref(), Some("someone-else"));
        assert_ne!(returned.user_id, ada.to_string());
        assert!(error.to_string().contains(&returned.user_id), "{error}");
    }
    assert_eq!(
        fake.user(ada).unwrap().therapy_licence,
        None,
        "nothing was applied"
    );
}

/// Every fake has its own key, so fakes sharing a Redis never share a
/// budget by accident.
#[tokio::test]
async fn each_fake_has_its_own_api_key() {
    let (one, two) = (
        FakeUpheal::start().await.unwrap(),
        FakeUpheal::start().await.unwrap(),
    );
    assert_ne!(one.api_key(), two.api_key());
    assert!(
        one.api_key()
            .starts_with(upheal_provider_users::fake::FAKE_API_KEY)
    );
}

/// Clients that send half a request and stall (slowloris) are closed after
/// the header read timeout, and while they hold every connection slot a
/// normal request waits its turn and is served. Before: half-sent requests
/// stayed open for ever, and enough of them hung every other client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_closed_and_never_starve_the_fake() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = FakeUpheal::builder()
        .rate_limit(None)
        .header_read_timeout(Duration::from_millis(500))
        .max_connections(8)
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = tokio::net::TcpStream::connect(fake.address())
            .await
            .unwrap();
        stream
            .write_all(
                format!(
                    "PATCH {} HTTP/1.1\r\nhost: x\r\n",
                    upheal_provider_users::generated::operation_path("x")
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        stalled.push(stream);
    }
    fake.client()
        .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
        .await
        .expect("served once stalled connections are closed");
    for mut stream in stalled {
        let mut rest = Vec::new();
        // A hang guard, not a timing assertion: the fake closes each one.
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut rest))
            .await
            .expect("the fake closed the stalled connection")
            .ok();
    }
}

/// Request properties the fragment adds beyond the hand-written ones get
/// generated setters: each is sent as given, refused by the generic text
/// rules before sending, and stored by the fake. Vacuous while the
/// fragment has none; `.ci/spec_change.sh` adds one and names it in
/// `UPHEAL_EXPECT_GENERATED_PROPERTIES`, so there this test must see it.
#[tokio::test]
async fn generated_properties_are_sent_checked_and_stored() {
    let properties = ProviderUserUpdate::generated_properties();
    if let Ok(expected) = std::env::var("UPHEAL_EXPECT_GENERATED_PROPERTIES") {
        let names: Vec<_> = properties.iter().map(|property| property.name).collect();
        assert_eq!(names.join(","), expected);
    }
    let (fake, ada) = fake_with_ada().await;
    let client = single_attempt(&fake);
    let id = ProviderUserId::upheal(ada);
    for property in properties {
        let name = property.name;
        let list = property.shape == upheal_provider_users::PropertyShape::TextList;
        let set = |value: &str| {
            let update = ProviderUserUpdate::new();
            if list {
                update.with_generated_list(name, [value, "second"])
            } else {
                update.with_generated_text(name, value)
            }
            .unwrap()
        };
        let sent = if list {
            json!(["Europe/Paris", "second"])
        } else {
            json!("Europe/Paris")
        };

        client
            .update_provider_user(&id, &set("Europe/Paris"))
            .await
            .unwrap();
        let body: Value = serde_json::from_str(&fake.requests().last().unwrap().body).unwrap();
        assert_eq!(body, json!({ name: sent }), "sent as given");
        assert_eq!(fake.stored_user(ada).unwrap()[name], sent, "stored");

        let requests = fake.requests().len();
        let overlong = "x".repeat(property.max_chars + 1);
        for bad in [" ", "tab\there", overlong.as_str()] {
            let error = client
                .update_provider_user(&id, &set(bad))
                .await
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
            assert_eq!(error.field(), Some(name), "{error}");
        }
        assert_eq!(fake.requests().len(), requests, "nothing refused was sent");
    }
    let error = ProviderUserUpdate::new()
        .with_generated_text("noSuchProperty", "x")
        .unwrap_err();
    assert_eq!(error.field(), Some("noSuchProperty"));
    assert!(error.to_string().contains("generated setter"), "{error}");
}

/// Like Upheal's one budget for all user endpoints: every request on the
/// key counts, on any path and method; a route the fake does not serve
/// answers 404 once admitted, and 429 once the key is over its limit.
#[tokio::test]
async fn every_request_on_the_key_counts_on_every_path() {
    use upheal_provider_users::reqwest::Method;
    let fake = FakeUpheal::builder()
        .rate_limit_per_minute(Some(3))
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let client = single_attempt(&fake);
    let check = client.request(Method::POST, "/users/check").send().await;
    assert_eq!(check.unwrap_err().kind(), ErrorKind::NotFound);
    let get = client
        .request(Method::GET, "/users/providers/x")
        .send()
        .await;
    assert_eq!(get.unwrap_err().kind(), ErrorKind::NotFound);
    client
        .update_provider_user(&ProviderUserId::upheal(ada), &ProviderUserUpdate::new())
        .await
        .unwrap();
    let over = client.request(Method::DELETE, "/users/x").send().await;
    assert_eq!(over.unwrap_err().kind(), ErrorKind::RateLimited);

    let log = fake.requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404, 404, 200, 429]);
    assert!(log.windows(2).all(|w| w[0].received_at <= w[1].received_at));
    assert_eq!(
        (fake.counters().requests, fake.counters().rate_limited),
        (4, 1)
    );
}

/// A partner id that holds what looks like a percent escape, a space or a
/// slash is aimed at as given: the fake matches ids once decoded, never
/// decoding twice.
#[tokio::test]
async fn faults_aim_at_partner_ids_as_given_whatever_they_hold() {
    let fake = FakeUpheal::start().await.unwrap();
    let client = single_attempt(&fake);
    let update = ProviderUserUpdate::new().therapy_licence("L-1");
    for partner in ["ext%41", "ext 50%/b", "ext%2F1"] {
        let uuid =
            fake.seed(SeedUser::new("Pat", "Doe", "pat@example.com").partner_user_id(partner));
        let id = ProviderUserId::partner(partner).unwrap();
        fake.inject_for(&id, Fault::Status(503), 1);
        let aimed = client.update_provider_user(&id, &update).await.unwrap_err();
        assert_eq!(aimed.kind(), ErrorKind::Server, "{partner}");
        client
            .update_provider_user(&ProviderUserId::upheal(uuid), &update)
            .await
            .unwrap_or_else(|e| panic!("{partner}: the fault was used up ({e})"));
    }
    // Aimed at an id not seeded yet: met by that id only.
    let later = ProviderUserId::partner("later%41").unwrap();
    fake.inject_for(&later, Fault::Status(500), 1);
    fake.seed(SeedUser::new("Lee", "Doe", "lee@example.com").partner_user_id("later%41"));
    let aimed = client
        .update_provider_user(&later, &update)
        .await
        .unwrap_err();
    assert_eq!(aimed.kind(), ErrorKind::Server);
}

/// A fault aimed at a user fails only that user's requests, whichever id
/// form they use; one aimed at a path answers there, on any route.
#[tokio::test]
async fn faults_can_be_aimed_at_a_user_or_a_path() {
    use upheal_provider_users::reqwest::Method;
    let fake = FakeUpheal::start().await.unwrap();
    let ada =
        fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com").partner_user_id("ext-1"));
    let bob = fake.seed(SeedUser::new("Bob", "Byron", "bob@example.com"));
    let client = single_attempt(&fake);
    let update = ProviderUserUpdate::new().therapy_licence("L-1");
    fake.inject_for(
        &ProviderUserId::partner("ext-1").unwrap(),
        Fault::Status(503),
        1,
    );
    client
        .update_provider_user(&ProviderUserId::upheal(bob), &update)
        .await
        .expect("bob is not aimed at");
    let aimed = client
        .update_provider_user(&ProviderUserId::upheal(ada), &update)
        .await
        .unwrap_err();
    assert_eq!(
        aimed.kind(),
        ErrorKind::Server,
        "aimed by partner id, met by UUID"
    );
    client
        .update_provider_user(&ProviderUserId::upheal(ada), &update)
        .await
        .expect("the fault was used up");

    fake.inject_at_path("/users/providers", Fault::Status(500), 1);
    let create = client
        .request(Method::POST, "/users/providers")
        .send()
        .await;
    assert_eq!(create.unwrap_err().kind(), ErrorKind::Server);
    let again = client
        .request(Method::POST, "/users/providers")
        .send()
        .await;
    assert_eq!(again.unwrap_err().kind(), ErrorKind::NotFound);
}

/// `fake.client()` paces by the fake's own limit: it has a budget to
/// share, and a second call on a limit of two an hour finds no slot in its
/// deadline instead of meeting a 429.
#[tokio::test]
async fn the_fakes_client_is_paced_by_the_fakes_limit() {
    use upheal_provider_users::RateLimit;
    let fake = FakeUpheal::builder()
        .rate_limit(Some(RateLimit::new(2, Duration::from_secs(3600))))
        .start()
        .await
        .unwrap();
    let ada = fake.seed(SeedUser::new("Ada", "Lovelace", "ada@example.com"));
    let client = fake.client();
    assert!(client.budget().is_some());
    let id = ProviderUserId::upheal(ada);
    client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap();
    let paced = client
        .update_provider_user(&id, &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(
        (paced.kind(), paced.attempts()),
        (ErrorKind::Timeout, 0),
        "{paced}"
    );
    assert_eq!(fake.counters().rate_limited, 0);

    let unlimited = FakeUpheal::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    assert!(unlimited.client().budget().is_none());
}

/// The fake reads the fragment's OpenAPI keywords itself (no JSON-Schema
/// engine in a dependent's build): over real HTTP, it must accept exactly
/// the bodies a full engine accepts against the fragment's request schema,
/// for every property with a value of every JSON type, each enum value in
/// and out of case, and bodies that are no object at all.
#[tokio::test]
async fn the_fake_accepts_exactly_what_a_json_schema_engine_accepts() {
    let (fake, ada) = unlimited_fake_with_ada().await;
    let fragment: Value = serde_json::from_str(include_str!(
        "../../openapi/update-provider-user-by-id-v2.json"
    ))
    .unwrap();
    let schema = json!({
        "$ref": "#/components/schemas/UpdateProviderUserRequest",
        "components": fragment["components"],
    });
    let engine = jsonschema::draft4::new(&schema).unwrap();
    let schemas = &fragment["components"]["schemas"];
    let properties: Vec<String> = schemas["UpdateProviderUserRequest"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut values = vec![
        json!(null),
        json!(true),
        json!(0),
        json!(1.5),
        json!(""),
        json!("LPC-1"),
        json!([]),
        json!(["tpl-1"]),
        json!(["tpl-1", "tpl-1"]),
        json!([1]),
        json!([null]),
        json!({}),
        json!({"a": 1}),
    ];
    for value in schemas["NoteIdentifier"]["enum"].as_array().unwrap() {
        let text = value.as_str().unwrap();
        values.extend([json!(text), json!(text.to_lowercase()), json!([text])]);
    }
    let mut bodies: Vec<Value> = vec![json!([]), json!("{}"), json!(1), json!(null), json!({})];
    for property in &properties {
        for value in &values {
            bodies.push(json!({ property: value }));
        }
    }
    // Every property at once, with a value valid for one and not another.
    for value in &values {
        let all: serde_json::Map<String, Value> = properties
            .iter()
            .map(|p| (p.clone(), value.clone()))
            .collect();
        bodies.push(Value::Object(all));
    }
    let mut accepted = 0;
    for body in &bodies {
        let (status, answer) = raw_patch(
            &fake,
            &ada.to_string(),
            Some(fake.api_key()),
            &body.to_string(),
        )
        .await;
        let engine_accepts = engine.is_valid(body);
        assert_eq!(
            status == 200,
            engine_accepts,
            "{body}: the fake answered {status} {answer}, the engine says valid = {engine_accepts}"
        );
        if engine_accepts {
            accepted += 1;
        } else {
            assert_eq!(status, 400, "{body}: {answer}");
        }
    }
    // Both verdicts were met, so the comparison could have failed either way.
    assert!(
        accepted > 10 && accepted < bodies.len() - 10,
        "{accepted} of {}",
        bodies.len()
    );
}

/// A path id whose percent-decoding is not UTF-8 (a lone continuation
/// byte, a broken two-byte sequence, an overlong encoding, a surrogate) is
/// answered 400, naming the segment, and changes nothing; the same route
/// with a decodable id still answers.
#[tokio::test]
async fn a_path_id_that_is_not_utf8_once_decoded_is_answered_400() {
    let (fake, ada) = fake_with_ada().await;
    let key = fake.api_key().to_owned();
    let body = r#"{"therapyLicence":"LPC-9"}"#;
    for id in ["%80", "ext-%C3%28", "%C0%AF", "%ED%A0%80", "%FF%FE"] {
        let (status, answer) = raw_patch(&fake, id, Some(&key), body).await;
        assert_eq!(status, 400, "{id}: {answer}");
        let message = answer.to_string();
        assert!(message.contains("not UTF-8"), "{id}: {message}");
        assert!(message.contains(id), "the answer names {id}: {message}");
    }
    assert_ne!(
        fake.user(ada).unwrap().therapy_licence.as_deref(),
        Some("LPC-9")
    );
    let (status, _) = raw_patch(&fake, "ext-ada", Some(&key), body).await;
    assert_eq!(status, 200);
    assert_eq!(
        fake.user(ada).unwrap().therapy_licence.as_deref(),
        Some("LPC-9")
    );
}

/// The control API answers its own methods only: a `HEAD` (or any other
/// method) on a GET or POST control route is a route the fake does not
/// serve, answered as Upheal answers one (401 without the key, 404 with
/// it), while the route itself still answers its method.
#[tokio::test]
async fn control_routes_answer_their_own_methods_only() {
    let (fake, _) = fake_with_ada().await;
    let http = bare_http_client();
    let url = |path: &str| format!("{}{path}", fake.base_url());
    for (method, path) in [
        (reqwest::Method::HEAD, "/__admin/counters"),
        (reqwest::Method::HEAD, "/__admin/requests"),
        (reqwest::Method::GET, "/__admin/reset"),
        (reqwest::Method::PUT, "/__admin/users"),
        (reqwest::Method::DELETE, "/__admin/faults"),
    ] {
        let request = || http.request(method.clone(), url(path));
        let keyless = request().send().await.unwrap();
        assert_eq!(keyless.status(), 401, "{method} {path} without the key");
        let keyed = request().with_key(fake.api_key()).send().await.unwrap();
        assert_eq!(keyed.status(), 404, "{method} {path}");
    }
    let counters = http.get(url("/__admin/counters")).send().await.unwrap();
    assert_eq!(counters.status(), 200);
    let counters: Value = counters.json().await.unwrap();
    assert!(counters.is_object(), "{counters}");
}
