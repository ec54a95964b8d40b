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

/// A repeated template id is found in a list of any length (short lists are
/// searched directly, long ones through a set), once per repeat, and never
/// for an id that is refused for its own sake.
#[test]
fn repeated_template_ids_are_found_in_lists_short_and_long() {
    for length in [2, 16, 17, 64] {
        let mut ids: Vec<String> = (0..length).map(|i| format!("tpl-{i}")).collect();
        assert!(
            ProviderUserUpdate::new()
                .default_note_template_ids(ids.clone())
                .validate()
                .is_ok()
        );
        ids.push("tpl-0".into());
        ids.push(format!("tpl-{}", length - 1));
        ids.push(" ".into());
        ids.push(" ".into());
        let problems = ProviderUserUpdate::new()
            .default_note_template_ids(ids)
            .problems();
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 4, "{length}: {messages:?}");
        assert!(
            messages[0].contains("`tpl-0` appears more than once"),
            "{messages:?}"
        );
        let last = format!("`tpl-{}` appears more than once", length - 1);
        assert!(messages[1].contains(&last), "{messages:?}");
        assert!(
            messages[2..].iter().all(|m| m.contains("blank")),
            "{messages:?}"
        );
    }
}

/// The text rules read characters, not bytes, whether the text is ASCII
/// or not: a control character is found in both, and the length bound
/// counts `é` once.
#[test]
fn text_rules_hold_for_ascii_and_other_text_alike() {
    let licence = |text: &str| ProviderUserUpdate::new().therapy_licence(text).validate();
    assert!(licence(&"é".repeat(256)).is_ok());
    assert!(licence(&"e".repeat(256)).is_ok());
    assert_refused(
        licence(&"é".repeat(257)),
        "therapyLicence",
        "257 characters",
    );
    assert_refused(
        licence(&"e".repeat(257)),
        "therapyLicence",
        "257 characters",
    );
    assert_refused(
        licence("LPC\t1"),
        "therapyLicence",
        "control characters (found '\\t')",
    );
    assert_refused(
        licence("LPÇ\u{7f}"),
        "therapyLicence",
        "control characters (found '\\u{7f}')",
    );
    assert_refused(licence("LPÇ\u{202E}1"), "therapyLicence", "U+202E");
}
