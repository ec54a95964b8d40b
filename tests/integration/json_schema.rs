//! With the `schemars` feature, the crate's schemas agree with the fragment.
#![cfg(feature = "schemars")]

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;
use upheal_provider_users::{
    NoteIdentifier, Npi, ProviderUser, ProviderUserId, ProviderUserUpdate,
};

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn note_identifier_schema_lists_exactly_the_fragment_values() {
    let schema = serde_json::to_value(schemars::schema_for!(NoteIdentifier)).unwrap();
    let spec = common::spec();
    assert_eq!(
        strings(&schema["enum"]),
        strings(&spec["components"]["schemas"]["NoteIdentifier"]["enum"])
    );
}

#[test]
fn provider_user_schema_has_the_fragment_properties_and_required_set() {
    let schema = serde_json::to_value(schemars::schema_for!(ProviderUser)).unwrap();
    let fragment = &common::spec()["components"]["schemas"]["ProviderUser"];
    assert_eq!(keys(&schema["properties"]), keys(&fragment["properties"]));
    assert_eq!(strings(&schema["required"]), strings(&fragment["required"]));
}

#[test]
fn update_schema_has_the_request_properties() {
    let schema = serde_json::to_value(schemars::schema_for!(ProviderUserUpdate)).unwrap();
    let fragment = &common::spec()["components"]["schemas"]["UpdateProviderUserRequest"];
    assert_eq!(keys(&schema["properties"]), keys(&fragment["properties"]));
    assert!(
        schema
            .get("required")
            .is_none_or(|r| r.as_array().unwrap().is_empty())
    );
}

#[test]
fn value_type_schemas_exist() {
    let npi = serde_json::to_value(schemars::schema_for!(Npi)).unwrap();
    assert_eq!(npi["pattern"], "^[0-9]{10}$");
    let id = serde_json::to_value(schemars::schema_for!(ProviderUserId)).unwrap();
    assert_eq!(id["type"], "string");
}

/// The schema users embed is the fragment's own: the shared enum is one
/// definition, referenced, and a real response validates against it
/// (`jsonschema` comes with the `fake` feature).
#[cfg(feature = "fake")]
#[test]
fn provider_user_schema_is_the_fragments_and_validates_a_response() {
    let schema = serde_json::to_value(schemars::schema_for!(ProviderUser)).unwrap();
    let fragment = &common::spec()["components"]["schemas"]["ProviderUser"];
    assert_eq!(
        schema["properties"]["email"]["description"],
        fragment["properties"]["email"]["description"]
    );
    let note = serde_json::to_string(&schema["properties"]["noteIdentifier"]).unwrap();
    assert!(note.contains("#/$defs/NoteIdentifier"), "{note}");
    assert_eq!(
        strings(&schema["$defs"]["NoteIdentifier"]["enum"]),
        strings(&common::spec()["components"]["schemas"]["NoteIdentifier"]["enum"])
    );
    let response = common::user_json(common::UPHEAL_UUID, Some("ext-1"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&response));
    let mut broken = response.clone();
    broken["noteIdentifier"] = serde_json::json!("Shaman");
    assert!(!validator.is_valid(&broken));
}
