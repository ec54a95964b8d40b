//! Every documented and undocumented server answer maps to a typed error.

use crate::common;

use std::time::Duration;

use common::{API_KEY, UPHEAL_UUID, client_for, user_json};
use serde_json::json;
use upheal_provider_users::{
    Client, ErrorKind, NoteIdentifier, ProviderUserId, ProviderUserUpdate, RetryPolicy,
};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

fn upheal_id() -> ProviderUserId {
    UPHEAL_UUID.parse().unwrap()
}

async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(upheal_provider_users::generated::OPERATION_METHOD))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

async fn error_for(response: ResponseTemplate) -> upheal_provider_users::Error {
    let server = server_answering(response).await;
    client_for(&server)
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .expect_err("the server answered with a failure")
}

#[tokio::test]
async fn statuses_map_to_kinds_and_keep_the_body() {
    let cases = [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::UnexpectedStatus),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
        (502, ErrorKind::Server),
        (503, ErrorKind::Server),
        (504, ErrorKind::Server),
        (302, ErrorKind::UnexpectedStatus),
    ];
    for (status, kind) in cases {
        let body = format!("{{\"message\":\"status {status}\"}}");
        let error = error_for(ResponseTemplate::new(status).set_body_string(body.clone())).await;
        assert_eq!(error.kind(), kind, "status {status}");
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.body(), Some(body.as_str()), "status {status}");
        assert!(
            error.to_string().contains(&format!("HTTP {status}")),
            "{error}"
        );
    }
}

/// Every failure status the fragment documents is reported as documented
/// (its own kind, or `DocumentedStatus` quoting the fragment); the
/// undocumented ones around them are `UnexpectedStatus`. Read from the
/// fragment, so a status added to it (a 422) is checked with no edit here.
#[tokio::test]
async fn every_status_the_fragment_documents_is_reported_as_documented() {
    use upheal_provider_users::generated::DOCUMENTED_STATUSES;
    let documented: Vec<u16> = DOCUMENTED_STATUSES
        .iter()
        .map(|(status, _)| *status)
        .filter(|status| *status >= 300)
        .collect();
    assert!(documented.contains(&401), "{documented:?}");
    for (status, meaning) in DOCUMENTED_STATUSES.iter().filter(|(s, _)| *s >= 300) {
        let error = error_for(ResponseTemplate::new(*status)).await;
        assert_ne!(error.kind(), ErrorKind::UnexpectedStatus, "status {status}");
        assert!(!error.to_string().contains("undocumented"), "{error}");
        if error.kind() == ErrorKind::DocumentedStatus {
            assert!(error.to_string().contains(meaning), "{error}");
        }
        assert!(!error.is_transient() || *status == 429 || *status >= 500);
    }
    for status in [409, 410, 418, 422, 451] {
        if documented.contains(&status) {
            continue;
        }
        let error = error_for(ResponseTemplate::new(status)).await;
        assert_eq!(error.kind(), ErrorKind::UnexpectedStatus, "status {status}");
        assert!(error.to_string().contains("undocumented"), "{error}");
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = server_answering(
        ResponseTemplate::new(307).insert_header("location", "http://127.0.0.1:9/elsewhere"),
    )
    .await;
    let error = client_for(&server)
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnexpectedStatus);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retry_after_is_exposed_in_seconds_and_as_a_date() {
    let error = error_for(ResponseTemplate::new(429).insert_header("retry-after", "7")).await;
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));

    let in_a_minute =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(60));
    let error =
        error_for(ResponseTemplate::new(429).insert_header("retry-after", in_a_minute)).await;
    let wait = error.retry_after().expect("an HTTP date is understood");
    assert!(
        wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );

    let error = error_for(ResponseTemplate::new(429)).await;
    assert_eq!(error.retry_after(), None);
}

#[tokio::test]
async fn error_bodies_are_kept_bounded() {
    let huge = "x".repeat(300 * 1024);
    let error = error_for(ResponseTemplate::new(400).set_body_string(huge)).await;
    assert_eq!(error.body().unwrap().len(), 64 * 1024);
    assert!(
        error.to_string().len() < 1024,
        "Display shows only an excerpt"
    );
}

#[tokio::test]
async fn an_unknown_note_identifier_in_a_response_is_kept() {
    let mut user = user_json(UPHEAL_UUID, None);
    user["noteIdentifier"] = json!("Shaman");
    user["someFieldAddedLater"] = json!({"nested": true});
    let server = server_answering(ResponseTemplate::new(200).set_body_json(user)).await;
    let user = client_for(&server)
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .expect("unknown values and extra fields decode");
    assert_eq!(
        user.note_identifier,
        Some(NoteIdentifier::Unknown("Shaman".into()))
    );
}

#[tokio::test]
async fn a_missing_required_field_is_a_decode_error_with_the_body() {
    let mut user = user_json(UPHEAL_UUID, None);
    user.as_object_mut().unwrap().remove("email");
    let body = user.to_string();
    let error = error_for(ResponseTemplate::new(200).set_body_string(body.clone())).await;
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.body(), Some(body.as_str()));
    assert!(error.to_string().contains("email"), "{error}");
}

#[tokio::test]
async fn garbage_and_truncated_success_bodies_are_decode_errors() {
    for body in ["<html>bad gateway</html>", "{\"userId\": \"6f1c", ""] {
        let error = error_for(ResponseTemplate::new(200).set_body_string(body)).await;
        assert_eq!(error.kind(), ErrorKind::Decode, "body {body:?}");
    }
}

#[tokio::test]
async fn identity_is_checked_for_both_id_forms() {
    let other = "0b0e0f3c-1111-4222-8333-944455556666";
    let server = server_answering(
        ResponseTemplate::new(200).set_body_json(user_json(other, Some("ext-other"))),
    )
    .await;
    let client = client_for(&server);

    let by_uuid = client
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(by_uuid.kind(), ErrorKind::IdentityMismatch);
    assert!(by_uuid.to_string().contains(other), "{by_uuid}");

    let by_partner = client
        .update_provider_user(
            &ProviderUserId::partner("ext-42").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(by_partner.kind(), ErrorKind::IdentityMismatch);
}

#[tokio::test]
async fn a_partner_lookup_answered_without_partner_id_is_a_mismatch() {
    let server =
        server_answering(ResponseTemplate::new(200).set_body_json(user_json(UPHEAL_UUID, None)))
            .await;
    let error = client_for(&server)
        .update_provider_user(
            &ProviderUserId::partner("ext-42").unwrap(),
            &ProviderUserUpdate::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::IdentityMismatch);
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = server_answering(
        ResponseTemplate::new(200)
            .set_body_json(user_json(UPHEAL_UUID, None))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_closed_port_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://{address}"))
        .build()
        .unwrap();
    let error = client
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(!error.to_string().contains(API_KEY));
}

#[tokio::test]
async fn an_oversized_success_body_is_refused_after_the_cap() {
    let mut user = user_json(UPHEAL_UUID, None);
    user["padding"] = json!("p".repeat(64 * 1024));
    let server = server_answering(ResponseTemplate::new(200).set_body_json(user)).await;
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(server.uri())
        .max_response_bytes(4 * 1024)
        .build()
        .unwrap();
    let error = client
        .update_provider_user(&upheal_id(), &ProviderUserUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ResponseTooLarge, "{error}");
    assert!(error.to_string().contains("4096"), "{error}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_errors() {
    let error = error_for(ResponseTemplate::new(401).set_body_string("bad key")).await;
    assert!(!error.to_string().contains(API_KEY));
    assert!(!format!("{error:?}").contains(API_KEY));
}
