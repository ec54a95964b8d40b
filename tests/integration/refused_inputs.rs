//! Invalid input fails with `InvalidInput`, names the field, and sends nothing.

use crate::common;

use common::client_for;
use upheal_provider_users::{Error, ErrorKind, NoteIdentifier, ProviderUserId, ProviderUserUpdate};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn assert_refused(result: Result<impl std::fmt::Debug, Error>, field: &str, rule: &str) {
    let error = result.expect_err("the input is invalid");
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert_eq!(error.field(), Some(field), "{error}");
    assert!(
        error.to_string().contains(field),
        "the message names the field: {error}"
    );
    assert!(
        error.to_string().contains(rule),
        "the message states the rule `{rule}`: {error}"
    );
    assert_eq!(error.attempts(), 0);
}

#[test]
fn bad_partner_ids_are_refused() {
    let long = "x".repeat(257);
    let cases = [
        ("", "must not be empty"),
        (".", "path segment"),
        ("..", "path segment"),
        ("a\\b", "`\\`"),
        ("tab\there", "control characters"),
        ("line\nbreak", "control characters"),
        ("nul\0", "control characters"),
        (" padded", "whitespace"),
        (long.as_str(), "at most 256"),
    ];
    for (id, rule) in cases {
        assert_refused(ProviderUserId::partner(id), "providerUserId", rule);
        assert_refused(id.parse::<ProviderUserId>(), "providerUserId", rule);
    }
    assert!(ProviderUserId::partner("x".repeat(256)).is_ok());
}

#[test]
fn bad_update_fields_are_refused() {
    let cases = [
        (
            ProviderUserUpdate::new().therapy_licence("  "),
            "therapyLicence",
            "blank",
        ),
        (
            ProviderUserUpdate::new().therapy_licence("a\u{7}"),
            "therapyLicence",
            "control",
        ),
        (
            ProviderUserUpdate::new().therapy_licence("L".repeat(257)),
            "therapyLicence",
            "at most 256",
        ),
        (
            ProviderUserUpdate::new().default_note_template_ids([""]),
            "defaultNoteTemplateIds",
            "blank",
        ),
        (
            ProviderUserUpdate::new().default_note_template_ids(["tpl-1", "tpl-1"]),
            "defaultNoteTemplateIds",
            "more than once",
        ),
        (
            ProviderUserUpdate::new().note_identifier(NoteIdentifier::Unknown("Shaman".into())),
            "noteIdentifier",
            "not a note identifier",
        ),
    ];
    for (update, field, rule) in cases {
        assert_refused(update.validate(), field, rule);
    }
}

#[tokio::test]
async fn refused_updates_send_zero_requests() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = client_for(&server);
    let id = ProviderUserId::partner("ext-42").unwrap();
    let refused = [
        ProviderUserUpdate::new().note_identifier(NoteIdentifier::Unknown("Shaman".into())),
        ProviderUserUpdate::new().therapy_licence(""),
        ProviderUserUpdate::new().default_note_template_ids(["a", "a"]),
    ];
    for update in refused {
        let error = client.update_provider_user(&id, &update).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    server.verify().await;
}
