//! The hand-written layer must cover exactly what the fragment describes.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;
use upheal_provider_users::{NoteIdentifier, Npi, PropertyShape, ProviderUserUpdate};

fn string_set(values: &Value) -> BTreeSet<String> {
    values
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn note_identifier_values_match_the_fragment() {
    let spec = common::spec();
    let in_spec = string_set(&spec["components"]["schemas"]["NoteIdentifier"]["enum"]);
    let in_code: BTreeSet<String> = NoteIdentifier::ALL
        .iter()
        .map(|v| v.as_str().to_owned())
        .collect();
    assert_eq!(in_code, in_spec);
}

/// Every request property must have a setter, hand-written or generated:
/// an update with every setter used serialises to exactly the fragment's
/// property names.
#[test]
fn every_request_property_has_a_setter() {
    let spec = common::spec();
    let properties: BTreeSet<String> =
        spec["components"]["schemas"]["UpdateProviderUserRequest"]["properties"]
            .as_object()
            .expect("the request has properties")
            .keys()
            .cloned()
            .collect();
    let hand_written = ProviderUserUpdate::new()
        .national_provider_identifier(Npi::new("1234567893").unwrap())
        .therapy_licence("LPC-1")
        .note_identifier(NoteIdentifier::Coach)
        .default_note_template_ids(["tpl-1"]);
    let everything =
        ProviderUserUpdate::generated_properties()
            .iter()
            .fold(hand_written, |update, property| {
                match property.shape {
                    PropertyShape::TextList => update.with_generated_list(property.name, ["x"]),
                    _ => update.with_generated_text(property.name, "x"),
                }
                .unwrap()
            });
    let sent = serde_json::to_value(everything.to_request().unwrap()).unwrap();
    let sent: BTreeSet<String> = sent.as_object().unwrap().keys().cloned().collect();
    let missing: Vec<_> = properties.difference(&sent).collect();
    assert!(
        missing.is_empty(),
        "the fragment's request properties {missing:?} have no setter on ProviderUserUpdate \
         although build/request_setters.rs lists them as hand-written: add a setter for each \
         in src/values/provider_user_update.rs (with its validation) and to this test's \
         `hand_written` (a new optional property is a minor change)"
    );
    let removed: Vec<_> = sent.difference(&properties).collect();
    assert!(
        removed.is_empty(),
        "ProviderUserUpdate sets {removed:?}, which the fragment no longer has: removing a \
         setter is a breaking change (major; `cargo xtask spec-diff OLD NEW` says so)"
    );
}

/// The fragment's `ProviderUser` example, which the docs and the test
/// fixtures are built from, is a user the client reads and names only
/// properties the schema has (a renamed property cannot leave it stale).
#[test]
fn the_provider_user_example_is_a_valid_user() {
    let spec = common::spec();
    let schema = &spec["components"]["schemas"]["ProviderUser"];
    let example = schema["example"].as_object().expect("an example object");
    let properties = schema["properties"].as_object().unwrap();
    let unknown: Vec<_> = example
        .keys()
        .filter(|key| !properties.contains_key(*key))
        .collect();
    assert!(
        unknown.is_empty(),
        "the example names {unknown:?}, which ProviderUser does not have"
    );
    for required in schema["required"].as_array().unwrap() {
        assert!(
            example.contains_key(required.as_str().unwrap()),
            "the example lacks {required}"
        );
    }
    let user: upheal_provider_users::ProviderUser =
        serde_json::from_value(schema["example"].clone()).expect("the client reads the example");
    assert!(user.user_uuid().is_some());
}
