//! A response from a newer API never fails an update that was applied:
//! every enum the fragment defines in the response (at any depth) given a
//! value this version does not know, and properties it does not know, still
//! decode into the returned user. Read from the fragment, so an enum or an
//! object added to it is covered with no edit here.

use serde_json::{Value, json};
use upheal_provider_users::{ProviderUserId, ProviderUserUpdate};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

use crate::common::{UPHEAL_UUID, client_for, spec, user_json};

const NEWER_VALUE: &str = "a-value-from-a-newer-api";

/// The schema at a `$ref`, or the one `allOf` item that documents a ref.
fn resolved<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let reference = schema["$ref"]
        .as_str()
        .or_else(|| schema["allOf"].as_array().filter(|all| all.len() == 1)?[0]["$ref"].as_str());
    reference
        .and_then(|r| spec.pointer(r.strip_prefix('#')?))
        .unwrap_or(schema)
}

/// A value of `schema` as a newer API might send it: unknown enum values,
/// objects with their own enums filled the same way plus a new property.
/// `None` when the schema holds no enum or object (the example's value stays).
fn newer(spec: &Value, schema: &Value, enums: &mut Vec<String>, at: &str) -> Option<Value> {
    let schema = resolved(spec, schema);
    if schema.get("enum").is_some() {
        enums.push(at.to_owned());
        return Some(json!(NEWER_VALUE));
    }
    if schema["type"] == "array" {
        return newer(spec, &schema["items"], enums, &format!("{at}[]")).map(|item| json!([item]));
    }
    let properties = schema["properties"].as_object()?;
    let mut object = serde_json::Map::new();
    for (name, property) in properties {
        if let Some(value) = newer(spec, property, enums, &format!("{at}.{name}")) {
            object.insert(name.clone(), value);
        }
    }
    object.insert("propertyFromANewerApi".into(), json!({"nested": [1, 2]}));
    Some(Value::Object(object))
}

#[tokio::test]
async fn unknown_values_and_properties_from_a_newer_api_still_decode() {
    let spec = spec();
    let user_schema = &spec["components"]["schemas"]["ProviderUser"];
    let mut enums = Vec::new();
    let mut body = user_json(UPHEAL_UUID, Some("ext-1"));
    let newer_user = newer(&spec, user_schema, &mut enums, "ProviderUser").unwrap();
    for (name, value) in newer_user.as_object().unwrap() {
        body[name] = value.clone();
    }
    assert!(
        enums.iter().any(|at| at == "ProviderUser.noteIdentifier"),
        "the walk sees the fragment's enums: {enums:?}"
    );
    eprintln!("enums given an unknown value: {enums:?}");

    let server = MockServer::start().await;
    Mock::given(method(upheal_provider_users::generated::OPERATION_METHOD))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    let user = client_for(&server)
        .update_provider_user(
            &UPHEAL_UUID.parse::<ProviderUserId>().unwrap(),
            &ProviderUserUpdate::new().therapy_licence("L-1"),
        )
        .await
        .expect("a newer API's answer decodes");
    assert_eq!(user.user_id, UPHEAL_UUID);
    // Each unknown value is kept as received, at every depth.
    let echoed = serde_json::to_value(&user).unwrap();
    let unknown_kept = serde_json::to_string(&echoed)
        .unwrap()
        .matches(NEWER_VALUE)
        .count();
    assert_eq!(unknown_kept, enums.len(), "{echoed}");
}
