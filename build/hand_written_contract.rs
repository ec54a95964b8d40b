//! What the hand-written layer (the client, `ProviderUserUpdate`, the fake,
//! the CLI) relies on in the fragment, checked before generation, so that a
//! spec change it cannot follow stops the build with the change named, the
//! version bump it needs, and where to make it — instead of a type error
//! deep in hand-written code, or a silent break of dependents.
//!
//! This is not a copy of the fragment: it is the hand-written code's side
//! of the contract. Everything else the fragment defines (routes, servers,
//! enum values, new properties) is derived from the fragment itself.

use serde_json::Value;

use crate::fragment_json::{find_operation, resolve};

/// One property read by hand-written code: its schema, name, shape (as
/// [`shape`] describes it), whether the code relies on it being present,
/// and what uses it.
struct Reliance {
    schema: &'static str,
    property: &'static str,
    shape: &'static str,
    required: bool,
    used_by: &'static str,
}

const fn relies(
    schema: &'static str,
    property: &'static str,
    shape: &'static str,
    required: bool,
    used_by: &'static str,
) -> Reliance {
    Reliance {
        schema,
        property,
        shape,
        required,
        used_by,
    }
}

const PROVIDER_USER_FIELD: &str = "`fake::SeedUser` and the CLI's `update` table";

const RELIANCES: [Reliance; 16] = [
    relies(
        "ProviderUser",
        "userId",
        "string",
        true,
        "the identity check (`ProviderUser::user_uuid`) and the id cache",
    ),
    relies(
        "ProviderUser",
        "partnerUserId",
        "string",
        false,
        "the identity check and the id cache",
    ),
    relies(
        "ProviderUser",
        "firstName",
        "string",
        true,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "lastName",
        "string",
        true,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "email",
        "string",
        true,
        "`fake::SeedUser`, the CLI's `update` table and the quickstart",
    ),
    relies(
        "ProviderUser",
        "defaultNoteTemplateIds",
        "array of string",
        true,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "nationalProviderIdentifier",
        "string",
        false,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "therapyLicence",
        "string",
        false,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "noteIdentifier",
        "`NoteIdentifier`",
        false,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "organizationId",
        "string",
        false,
        PROVIDER_USER_FIELD,
    ),
    relies(
        "ProviderUser",
        "phoneNumber",
        "string",
        false,
        "`fake::SeedUser`",
    ),
    relies(
        "ProviderUser",
        "phoneCountryCode",
        "string",
        false,
        "`fake::SeedUser`",
    ),
    relies(
        "UpdateProviderUserRequest",
        "nationalProviderIdentifier",
        "string",
        false,
        "`ProviderUserUpdate::national_provider_identifier` (an `Npi`)",
    ),
    relies(
        "UpdateProviderUserRequest",
        "therapyLicence",
        "string",
        false,
        "`ProviderUserUpdate::therapy_licence`",
    ),
    relies(
        "UpdateProviderUserRequest",
        "noteIdentifier",
        "`NoteIdentifier`",
        false,
        "`ProviderUserUpdate::note_identifier`",
    ),
    relies(
        "UpdateProviderUserRequest",
        "defaultNoteTemplateIds",
        "`NoteTemplateIds`",
        false,
        "`ProviderUserUpdate::default_note_template_ids`",
    ),
];

/// Whether hand-written code reads `schema.property` (so a change of its
/// type, format or enum is refused by the build). Also read by
/// `cargo xtask spec-diff`, which includes this file.
#[allow(dead_code)] // build.rs reads the reliances through `problems`
pub fn relied_on(schema: &str, property: &str) -> bool {
    RELIANCES
        .iter()
        .any(|r| r.schema == schema && r.property == property)
}

/// Located messages for each reliance the fragment breaks, and for each
/// parameter, request or response shape the client cannot follow.
pub fn problems(spec: &Value, operation_id: &str) -> Vec<String> {
    let mut problems: Vec<String> = RELIANCES.iter().filter_map(|r| broken(spec, r)).collect();
    problems.extend(parameter_problems(spec, operation_id));
    problems.extend(required_request_properties(spec));
    problems.extend(operation_shape_problems(spec, operation_id));
    problems
}

/// Every request property is optional: `ProviderUserUpdate::new()` is a
/// valid update and no caller passes a value it does not want to change.
fn required_request_properties(spec: &Value) -> Vec<String> {
    let request = &spec["components"]["schemas"]["UpdateProviderUserRequest"];
    request["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|name| {
            format!(
                "`components.schemas.UpdateProviderUserRequest.required` names `{name}`: every \
                 update must now send it, and no caller does yet; a new required request \
                 property is a breaking change (a major bump). Decide how callers give it (an \
                 argument of `Client::update_provider_user`, or a `ProviderUserUpdate` that \
                 refuses to build without it) in src/call/client.rs and \
                 src/values/provider_user_update.rs, then allow it here in \
                 build/hand_written_contract.rs"
            )
        })
        .collect()
}

/// The operation's success body is a `ProviderUser` itself (the client
/// returns it), and its error responses carry no schema (the client keeps
/// their text as `Error::body`).
fn operation_shape_problems(spec: &Value, operation_id: &str) -> Vec<String> {
    let Some((path, method, operation)) = find_operation(spec, operation_id) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        let at = format!("paths.{path}.{method}.responses.{status}");
        let response = resolve(spec, response);
        let schemas: Vec<&Value> = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, media)| media.get("schema"))
            .collect();
        if status.starts_with('2') {
            let is_user = schemas
                .iter()
                .all(|schema| schema["$ref"] == "#/components/schemas/ProviderUser")
                && !schemas.is_empty();
            if !is_user {
                problems.push(format!(
                    "`{at}`: the success body is no longer `#/components/schemas/ProviderUser` \
                     itself (a wrapper such as `{{\"data\": ...}}`, another schema, or none): \
                     `Client::update_provider_user` returns the user, and the identity check \
                     reads it. Unwrap it in src/call/client.rs (`update_once`) and \
                     src/call/response_body.rs, then allow it here; the return type changes, a \
                     breaking change (a major bump)"
                ));
            }
        } else if !schemas.is_empty() {
            problems.push(format!(
                "`{at}`: an error response now has a body schema; the client keeps every \
                 error body as text (`Error::body`, `Error::api_message`) and progenitor would \
                 change the generated error type. Describe it with no schema (`\"content\": \
                 {{\"*/*\": {{}}}}`), or teach src/call/response_error.rs (`classify`) the typed \
                 body and allow it here; a typed error body is a breaking change of the \
                 generated client (a major bump)"
            ));
        }
    }
    problems
}

fn broken(spec: &Value, reliance: &Reliance) -> Option<String> {
    let Reliance {
        schema,
        property,
        shape: wanted,
        required: relied_on,
        used_by,
    } = reliance;
    let at = format!("components.schemas.{schema}.properties.{property}");
    let object = &spec["components"]["schemas"][schema];
    let fix = format!(
        "change {used_by} with it, then this property's entry in build/hand_written_contract.rs"
    );
    let Some(found) = object["properties"].get(property) else {
        return Some(format!(
            "`{at}` is gone, but it is used by {used_by}: removing a property is a breaking \
             change (a major bump, as `cargo xtask spec-diff` reports); {fix}"
        ));
    };
    let found_shape = shape(found);
    if found_shape != *wanted {
        return Some(format!(
            "`{at}` is now {found_shape}, but it is used as {wanted} by {used_by}: changing a \
             property's type is a breaking change (a major bump); {fix}"
        ));
    }
    let required = object["required"]
        .as_array()
        .is_some_and(|names| names.iter().any(|name| name == property));
    let nullable = found["nullable"] == true;
    if *relied_on && (!required || nullable) {
        let now = if required { "nullable" } else { "optional" };
        return Some(format!(
            "`{at}` is now {now}, but it is used as always present by {used_by}: the field \
             becomes an `Option`, a breaking change (a major bump); {fix}"
        ));
    }
    None
}

/// `string`, `array of string`, or a referenced schema's name in backticks
/// (also through a one-item `allOf`, as the fragment writes documented refs).
fn shape(schema: &Value) -> String {
    let reference = schema["$ref"]
        .as_str()
        .or_else(|| schema["allOf"].as_array().filter(|all| all.len() == 1)?[0]["$ref"].as_str());
    if let Some(reference) = reference {
        return format!("`{}`", reference.rsplit('/').next().unwrap_or(reference));
    }
    let kind = match schema["type"].as_str() {
        Some("array") => return format!("array of {}", shape(&schema["items"])),
        Some(kind) => kind.to_owned(),
        None => return "untyped".to_owned(),
    };
    // An enum or a format changes the generated type (an enum type, a
    // `Uuid`, ...), which hand-written code reads as plain text.
    match (schema.get("enum"), schema["format"].as_str()) {
        (Some(_), _) => format!("an enum of {kind}"),
        (None, Some(format)) => format!("{kind} with format `{format}`"),
        (None, None) => kind,
    }
}

/// The client sends the path's provider id and nothing else: any other
/// parameter would change the generated method's arguments.
fn parameter_problems(spec: &Value, operation_id: &str) -> Vec<String> {
    let Some(paths) = spec["paths"].as_object() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (path, item) in paths {
        let Some(methods) = item.as_object() else {
            continue;
        };
        for (method, operation) in methods {
            if operation["operationId"] != operation_id {
                continue;
            }
            let parameters = operation["parameters"].as_array().into_iter().flatten();
            for (index, parameter) in parameters.enumerate() {
                if parameter["in"] == "path" {
                    continue;
                }
                let name = parameter["name"].as_str().unwrap_or("(unnamed)");
                let place = parameter["in"].as_str().unwrap_or("(unplaced)");
                let at = format!("paths.{path}.{method}.parameters[{index}]");
                let change = if parameter["required"] == true {
                    "every call must now send it, and no caller can yet: a new required \
                     input is a breaking change (a major bump)"
                } else {
                    "the generated method would take it as a new argument: a minor change \
                     for callers of `ProviderUserUpdate`, a breaking one for callers of the \
                     generated client"
                };
                problems.push(format!(
                    "`{at}`: a new {place} parameter `{name}`; {change}. Decide how callers give \
                     it (a per-client value such as a partner id belongs on `ClientBuilder`), \
                     pass it in src/call/client.rs, and allow it in build/hand_written_contract.rs"
                ));
            }
        }
    }
    problems
}
