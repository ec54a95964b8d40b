//! What goes on the wire: method, path, headers and the exact JSON body.

use crate::common;

use common::{API_KEY, UPHEAL_UUID, client_for, server_answering, user_json};
use serde_json::{Value, json};
use upheal_provider_users::{
    NoteIdentifier, Npi, PropertyShape, ProviderUserId, ProviderUserUpdate,
};
use uuid::Uuid;

/// Sends `update` for `id` to a server that echoes a matching user, and
/// returns the single request it received.
async fn sent(id: &ProviderUserId, update: &ProviderUserUpdate) -> wiremock::Request {
    let user = match id.as_upheal() {
        Some(uuid) => user_json(&uuid.to_string(), None),
        None => user_json(UPHEAL_UUID, id.as_partner()),
    };
    let server = server_answering(user).await;
    client_for(&server)
        .update_provider_user(id, update)
        .await
        .expect("the update succeeds");
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "exactly one request is sent");
    requests.remove(0)
}

async fn body_of(update: ProviderUserUpdate) -> Value {
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let request = sent(&id, &update).await;
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

#[tokio::test]
async fn empty_update_sends_an_empty_object() {
    let request = sent(
        &ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap()),
        &ProviderUserUpdate::new(),
    )
    .await;
    assert_eq!(std::str::from_utf8(&request.body).unwrap(), "{}");
}

#[tokio::test]
async fn each_field_alone_is_the_only_key_sent() {
    let npi = Npi::new("1234567893").unwrap();
    let cases = [
        (
            ProviderUserUpdate::new().national_provider_identifier(npi),
            json!({"nationalProviderIdentifier": "1234567893"}),
        ),
        (
            ProviderUserUpdate::new().therapy_licence("LPC-12345"),
            json!({"therapyLicence": "LPC-12345"}),
        ),
        (
            ProviderUserUpdate::new().note_identifier(NoteIdentifier::PeerSupportSpecialist),
            json!({"noteIdentifier": "PeerSupportSpecialist"}),
        ),
        (
            ProviderUserUpdate::new().default_note_template_ids(["tpl-1", "tpl-2"]),
            json!({"defaultNoteTemplateIds": ["tpl-1", "tpl-2"]}),
        ),
    ];
    for (update, expected) in cases {
        assert_eq!(body_of(update).await, expected);
    }
}

#[tokio::test]
async fn all_fields_together() {
    let update = ProviderUserUpdate::new()
        .note_identifier(NoteIdentifier::Clinician)
        .national_provider_identifier(Npi::new("1234567893").unwrap())
        .therapy_licence("LPC-12345")
        .default_note_template_ids(["tpl-1", "tpl-2"]);
    assert_eq!(
        body_of(update).await,
        json!({
            "noteIdentifier": "Clinician",
            "nationalProviderIdentifier": "1234567893",
            "therapyLicence": "LPC-12345",
            "defaultNoteTemplateIds": ["tpl-1", "tpl-2"],
        })
    );
}

#[tokio::test]
async fn an_empty_template_list_is_sent_as_an_empty_array() {
    let update = ProviderUserUpdate::new().default_note_template_ids(Vec::<String>::new());
    assert_eq!(body_of(update).await, json!({"defaultNoteTemplateIds": []}));
    // The same without a type annotation.
    let cleared = ProviderUserUpdate::new()
        .default_note_template_ids(["tpl-1"])
        .clear_default_note_template_ids();
    assert_eq!(
        body_of(cleared).await,
        json!({"defaultNoteTemplateIds": []})
    );
}

#[tokio::test]
async fn method_headers_and_upheal_path() {
    let request = sent(
        &ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap()),
        &ProviderUserUpdate::new(),
    )
    .await;
    assert_eq!(
        request.method.as_str(),
        upheal_provider_users::generated::OPERATION_METHOD
    );
    assert_eq!(
        request.url.path(),
        upheal_provider_users::generated::operation_path(UPHEAL_UUID)
    );
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    // The key goes where the fragment's security scheme says, and only there.
    use upheal_provider_users::generated::{AUTH_HEADER, AUTH_PREFIX};
    assert_eq!(header(AUTH_HEADER), Some(format!("{AUTH_PREFIX}{API_KEY}")));
    let carrying_the_key: Vec<&str> = request
        .headers
        .iter()
        .filter(|(_, value)| String::from_utf8_lossy(value.as_bytes()).contains(API_KEY))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(carrying_the_key, [AUTH_HEADER]);
    eprintln!("on the wire: {AUTH_HEADER}: {AUTH_PREFIX}<API_KEY>");
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("accept").as_deref(), Some("application/json"));
    assert_eq!(
        header("api-version"),
        None,
        "progenitor's undocumented header is removed"
    );
    assert!(
        header("user-agent")
            .unwrap()
            .starts_with("upheal-provider-users/")
    );
}

#[tokio::test]
async fn upheal_ids_in_any_form_are_sent_hyphenated_lowercase() {
    let uuid = Uuid::new_v4();
    for text in [
        uuid.to_string().to_uppercase(),
        uuid.simple().to_string(),
        uuid.braced().to_string().to_uppercase(),
        uuid.urn().to_string(),
    ] {
        let id: ProviderUserId = text.parse().unwrap();
        let request = sent(&id, &ProviderUserUpdate::new()).await;
        assert_eq!(
            request.url.path(),
            upheal_provider_users::generated::operation_path(uuid),
            "{text}"
        );
    }
}

#[tokio::test]
async fn partner_ids_are_percent_encoded_into_one_segment() {
    let cases = [
        ("ext-42", "ext-42"),
        ("a/b", "a%2Fb"),
        ("with space", "with%20space"),
        ("what?x=1", "what%3Fx=1"),
        ("hash#tag", "hash%23tag"),
        ("josé-ü", "jos%C3%A9-%C3%BC"),
        ("100%", "100%25"),
        ("../admin", "..%2Fadmin"),
    ];
    for (raw, encoded) in cases {
        let id = ProviderUserId::partner(raw).unwrap();
        let request = sent(&id, &ProviderUserUpdate::new()).await;
        assert_eq!(
            request.url.path(),
            upheal_provider_users::generated::operation_path(encoded),
            "partner id {raw:?}"
        );
    }
}

#[tokio::test]
async fn a_base_url_path_stem_and_trailing_slash_are_kept_correctly() {
    let server = server_answering(user_json(UPHEAL_UUID, None)).await;
    let client = upheal_provider_users::Client::builder()
        .api_key(API_KEY)
        .base_url(format!("{}/proxy/upheal/", server.uri()))
        .build()
        .unwrap();
    client
        .update_provider_user(&UPHEAL_UUID.parse().unwrap(), &ProviderUserUpdate::new())
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.path(),
        format!(
            "/proxy/upheal{}",
            upheal_provider_users::generated::operation_path(UPHEAL_UUID)
        )
    );
}

/// A setter applied to an update that was already sent.
type Change = Box<dyn Fn(ProviderUserUpdate) -> ProviderUserUpdate>;

/// Every way to change an update: the hand-written setters and, for each
/// property the fragment generates, its setter by name.
fn every_change() -> Vec<(&'static str, Change)> {
    let mut changes: Vec<(&'static str, Change)> = vec![
        (
            "national_provider_identifier",
            Box::new(|u| u.national_provider_identifier(Npi::new("1245319599").unwrap())),
        ),
        ("therapy_licence", Box::new(|u| u.therapy_licence("LPC-2"))),
        (
            "note_identifier",
            Box::new(|u| u.note_identifier(NoteIdentifier::Coach)),
        ),
        (
            "default_note_template_ids",
            Box::new(|u| u.default_note_template_ids(["tpl-9"])),
        ),
        (
            "clear_default_note_template_ids",
            Box::new(|u| u.clear_default_note_template_ids()),
        ),
    ];
    for property in ProviderUserUpdate::generated_properties() {
        let name = property.name;
        let change: Change = match property.shape {
            PropertyShape::Text => {
                Box::new(move |u| u.with_generated_text(name, "changed").unwrap())
            }
            PropertyShape::TextList => {
                Box::new(move |u| u.with_generated_list(name, ["changed"]).unwrap())
            }
            other => panic!("{name}: no change written for shape {other:?}"),
        };
        changes.push((name, change));
    }
    changes
}

/// The client checks an update once and keeps its wire request for the
/// next call with the same value: whatever changes the value afterwards
/// must be what the next call sends, and a change that breaks a rule must
/// be refused again, with nothing sent.
#[tokio::test]
async fn an_update_changed_after_it_was_sent_sends_what_it_says_now() {
    let server = server_answering(user_json(UPHEAL_UUID, None)).await;
    let client = client_for(&server);
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let body =
        |request: &wiremock::Request| -> Value { serde_json::from_slice(&request.body).unwrap() };
    let mut update = ProviderUserUpdate::new()
        .therapy_licence("LPC-1")
        .default_note_template_ids(["tpl-1"]);
    let mut sent = 0;
    for (setter, change) in every_change() {
        client.update_provider_user(&id, &update).await.unwrap();
        update = change(update);
        client.update_provider_user(&id, &update).await.unwrap();
        sent += 2;
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), sent);
        let (before, after) = (body(&requests[sent - 2]), body(&requests[sent - 1]));
        assert_ne!(before, after, "{setter} changed what is sent");
        assert_eq!(
            after,
            serde_json::to_value(&update).unwrap(),
            "after {setter}"
        );
    }
    client.update_provider_user(&id, &update).await.unwrap();
    let broken = update.therapy_licence(" ");
    let error = client.update_provider_user(&id, &broken).await.unwrap_err();
    assert_eq!(error.field(), Some("therapyLicence"));
    assert_eq!(server.received_requests().await.unwrap().len(), sent + 1);
    // Refused every time, not only the first.
    let again = client.update_provider_user(&id, &broken).await.unwrap_err();
    assert_eq!(again.field(), Some("therapyLicence"));
    assert_eq!(
        broken.to_request().unwrap_err().field(),
        Some("therapyLicence")
    );
}

/// The kept request is not part of the update's value: a checked update
/// equals, prints, serializes and clones as the same update unchecked.
#[test]
fn a_checked_update_is_the_same_value_as_an_unchecked_one() {
    let unchecked = ProviderUserUpdate::new()
        .note_identifier(NoteIdentifier::Clinician)
        .default_note_template_ids(["tpl-1"]);
    let checked = unchecked.clone();
    checked.to_request().unwrap();
    assert_eq!(checked, unchecked);
    assert_eq!(format!("{checked:?}"), format!("{unchecked:?}"));
    assert_eq!(
        serde_json::to_string(&checked).unwrap(),
        serde_json::to_string(&unchecked).unwrap()
    );
    let read_back: ProviderUserUpdate =
        serde_json::from_str(&serde_json::to_string(&checked).unwrap()).unwrap();
    assert_eq!(read_back, checked);
    assert_eq!(checked.clone(), unchecked);
    assert_ne!(checked.clone().therapy_licence("LPC-1"), unchecked);
}

/// One update value shared by many tasks on several threads, none of which
/// has checked it yet: they race to build the kept request, and every
/// call must send the same body, the one the value says; a task cancelled
/// mid-call leaves nothing behind that the others would send.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_update_sent_by_many_threads_at_once_sends_the_same_body() {
    let server = server_answering(user_json(UPHEAL_UUID, None)).await;
    let client = client_for(&server);
    let id = ProviderUserId::upheal(UPHEAL_UUID.parse().unwrap());
    let update = std::sync::Arc::new(
        ProviderUserUpdate::new()
            .note_identifier(NoteIdentifier::Clinician)
            .therapy_licence("LPC-12345")
            .default_note_template_ids(["tpl-1", "tpl-2"]),
    );
    let expected = serde_json::to_value(&*update).unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(64));
    let calls: Vec<_> = (0..64)
        .map(|n| {
            let (client, id, update, barrier) =
                (client.clone(), id.clone(), update.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let call = client.update_provider_user(&id, &update);
                if n % 8 == 0 {
                    // Dropped after its first poll, possibly mid-send.
                    let _ = tokio::time::timeout(std::time::Duration::ZERO, call).await;
                    None
                } else {
                    Some(call.await.expect("the update succeeds"))
                }
            })
        })
        .collect();
    let mut completed = 0;
    for call in calls {
        completed += usize::from(call.await.unwrap().is_some());
    }
    assert_eq!(completed, 56);
    let requests = server.received_requests().await.unwrap();
    assert!(requests.len() >= completed, "{} requests", requests.len());
    for request in &requests {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body, expected);
    }
}
