//! Generates the wire types and the raw client method from the OpenAPI
//! fragment in `openapi/`, at compile time, into `$OUT_DIR/generated.rs`.
//!
//! Runs offline and without rustfmt (docs.rs builds have neither network nor
//! a guaranteed rustfmt), and re-runs only when the fragment or this file
//! changes. A fragment that cannot be used fails the build with one message
//! naming the file and the problem.

use std::{fs, path::Path, process::exit};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TypeImpl, TypePatch};

#[path = "build/auth_scheme.rs"]
mod auth_scheme;
#[path = "build/fragment_checks.rs"]
mod fragment_checks;
#[path = "build/fragment_json.rs"]
mod fragment_json;
#[path = "build/generator_input.rs"]
mod generator_input;
#[path = "build/hand_written_contract.rs"]
mod hand_written_contract;
#[path = "build/request_setters.rs"]
mod request_setters;

/// The fragment, relative to the package root (it ships inside the package).
const SPEC: &str = "openapi/update-provider-user-by-id-v2.json";
/// The one operation this crate is built around; the hand-written layer calls it by name.
const OPERATION_ID: &str = "updateProviderUserByIdV2";
/// Component schemas the hand-written layer depends on.
const REQUIRED_SCHEMAS: [&str; 4] = [
    "UpdateProviderUserRequest",
    "ProviderUser",
    "NoteIdentifier",
    "NoteTemplateIds",
];
/// Generated data types may gain properties when the spec does (a new
/// optional response property is not a breaking change), so dependents
/// build them from JSON, never with a struct literal: every generated
/// struct carries it.
const NON_EXHAUSTIVE_ATTR: &str = "#[non_exhaustive]";
/// How a dependent builds the response type in its tests: from JSON (it is
/// `#[non_exhaustive]`), appended to the fragment's description on docs.rs.
/// The JSON is the fragment's own `example` of `ProviderUser`, so the
/// example follows the fragment.
fn provider_user_example(spec: &serde_json::Value) -> String {
    let example = spec
        .pointer("/components/schemas/ProviderUser/example")
        .filter(|example| example["userId"].is_string())
        .unwrap_or_else(|| {
            fail("`components.schemas.ProviderUser.example` must be a user with a `userId` (the docs and tests build users from it)")
        });
    let json = serde_json::to_string_pretty(example).expect("JSON serialises");
    format!(
        r####"#[doc = r###"

# Example

A user as a test of your own code builds it (from JSON: the type is
`#[non_exhaustive]`, so a property the API adds later is not a breaking
change):

```
use upheal_provider_users::ProviderUser;

let user: ProviderUser = serde_json::from_value(serde_json::json!({json}))?;
assert_eq!(user.user_uuid().unwrap().to_string(), user.user_id);
# Ok::<(), serde_json::Error>(())
```"###]"####
    )
}
/// The wire body is built by `ProviderUserUpdate`, which validates it.
const REQUEST_EXAMPLE: &str = r####"#[doc = r###"

# Example

Built from a validated [`ProviderUserUpdate`](crate::ProviderUserUpdate),
never by hand:

```
use upheal_provider_users::{NoteIdentifier, ProviderUserUpdate};

let request = ProviderUserUpdate::new()
    .note_identifier(NoteIdentifier::Coach)
    .to_request()?;
assert_eq!(serde_json::to_string(&request).unwrap(), r#"{"noteIdentifier":"Coach"}"#);
# Ok::<(), upheal_provider_users::Error>(())
```"###]"####;

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");

    let spec = load_spec(Path::new(SPEC));
    check_contract(&spec);
    let json = raw_json(Path::new(SPEC));
    let broken = hand_written_contract::problems(&json, OPERATION_ID);
    if !broken.is_empty() {
        fail_all(&broken);
    }
    let setters = request_setters::properties(&json).unwrap_or_else(|problems| fail_all(&problems));
    let input = generator_input::reshape(&json).unwrap_or_else(|problems| fail_all(&problems));
    for dropped in &input.dropped {
        println!("cargo:warning={SPEC}: {dropped}");
    }
    let constraints = constraints_source(&input.constraints);
    let enums = forward_enums_source(&input.enums);
    let generator_spec: openapiv3::OpenAPI = serde_json::from_value(input.spec.clone())
        .unwrap_or_else(|e| {
            fail(&format!(
                "reshaped for the generator, it does not read: {e}"
            ))
        });
    let source = generate(
        &generator_spec,
        &settings(&input, &provider_user_example(&json)),
    );

    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    write(&Path::new(&out_dir).join("generated.rs"), &source);
    write(
        &Path::new(&out_dir).join("note_identifier_values.rs"),
        &note_identifier_values(&spec),
    );
    write(
        &Path::new(&out_dir).join("fragment_facts.rs"),
        &fragment_facts(&spec, &json),
    );
    write(
        &Path::new(&out_dir).join("generated_properties.rs"),
        &request_setters::table_source(&setters, SPEC),
    );
    write(
        &Path::new(&out_dir).join("generated_setters.rs"),
        &request_setters::setters_source(&setters, SPEC),
    );
    write(&Path::new(&out_dir).join("generated_enums.rs"), &enums);
    write(
        &Path::new(&out_dir).join("fragment_constraints.rs"),
        &constraints,
    );
}

/// The `forward_compatible_enum!` invocations for every string enum of the
/// fragment except `NoteIdentifier`: each value a documented variant.
fn forward_enums_source(enums: &[generator_input::ForwardEnum]) -> String {
    let mut source = format!("// @generated by build.rs from {SPEC}; do not edit.\n");
    for generated in enums {
        let name = &generated.name;
        if generated.values.is_empty() {
            fail(&format!(
                "`components.schemas.{name}` (or the inline enum it was named for) has no values"
            ));
        }
        let description = generated
            .description
            .clone()
            .unwrap_or_else(|| format!("The values of `{name}` in the fragment."));
        source.push_str("\nforward_compatible_enum! {\n");
        for line in description.lines() {
            source.push_str(&format!("    #[doc = {:?}]\n", line.trim_end()));
        }
        source.push_str(&format!("    {name} {{\n"));
        let mut variants = std::collections::BTreeSet::new();
        for value in &generated.values {
            let variant = variant_name(name, value);
            if !variants.insert(variant.clone()) {
                fail(&format!(
                    "{name} values `{value}` and another both become variant `{variant}`"
                ));
            }
            source.push_str(&format!(
                "        #[doc = \"The wire value `{}`.\"]\n        {variant} = {value:?},\n",
                value.replace(['`', '"'], "'")
            ));
        }
        source.push_str("    }\n}\n");
    }
    source
}

/// `REQUEST_CONSTRAINTS`: the string constraints of request properties,
/// each `pattern` checked to compile as the client will compile it.
fn constraints_source(constraints: &[generator_input::Constraint]) -> String {
    let mut source = format!(
        "// @generated by build.rs from {SPEC}; do not edit.\n\n\
         pub(crate) const REQUEST_CONSTRAINTS: &[FragmentConstraint] = &[\n"
    );
    for constraint in constraints
        .iter()
        .filter(|c| c.schema == "UpdateProviderUserRequest")
    {
        let item = if constraint.item { ".items" } else { "" };
        if let Some(pattern) = &constraint.pattern
            && let Err(e) = regress::Regex::new(pattern)
        {
            fail(&format!(
                "`components.schemas.UpdateProviderUserRequest.properties.{}{item}.pattern` \
                 `{pattern}` is not an ECMA-262 regular expression ({e})",
                constraint.property
            ));
        }
        source.push_str(&format!(
            "    FragmentConstraint {{ property: {:?}, item: {}, max_length: {:?}, min_length: {:?}, pattern: {:?} }},\n",
            constraint.property,
            constraint.item,
            constraint.max_length,
            constraint.min_length,
            constraint.pattern
        ));
    }
    source.push_str("];\n");
    source
}

/// The facts the fragment states that hand-written code uses outside the
/// generated client (the default base URL, the fake server's route, how a
/// deactivated user is told apart), as constants: one source of truth, so
/// correcting one is a spec change, never a code change.
fn fragment_facts(spec: &openapiv3::OpenAPI, json: &serde_json::Value) -> String {
    let server = spec
        .servers
        .first()
        .map(|server| server.url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| fail("`servers` must name at least one URL (the default base URL)"));
    let (path, method, operation) = spec
        .operations()
        .find(|(_, _, op)| op.operation_id.as_deref() == Some(OPERATION_ID))
        .unwrap_or_else(|| fail(&format!("no operation has operationId `{OPERATION_ID}`")));
    let (status, marker) = deactivated_user(spec, operation);
    let at = format!("paths.{path}.{method}");
    let auth = auth_scheme::auth_scheme(json, &json["paths"][path][method], &at)
        .unwrap_or_else(|problem| fail(&problem));
    let statuses = documented_statuses(json, path, method);
    format!(
        "// @generated by build.rs from {SPEC}; do not edit.\n\n\
         /// `servers[0].url`: where requests go unless a base URL is set.\n\
         pub const SERVER_URL: &str = {server:?};\n\
         /// The method of operation `{OPERATION_ID}`, upper case.\n\
         pub const OPERATION_METHOD: &str = {method:?};\n\
         /// The path of operation `{OPERATION_ID}`, with its `{{parameter}}`.\n\
         pub const OPERATION_PATH: &str = {path:?};\n\
         /// The status of the answer for a deactivated user (`x-deactivated-user`).\n\
         pub const DEACTIVATED_USER_STATUS: u16 = {status};\n\
         /// Text the API's message holds for a deactivated user, any case.\n\
         pub const DEACTIVATED_USER_MESSAGE_CONTAINS: &str = {marker:?};\n\
         /// The header that carries the API key (security scheme `{scheme}`), lower case.\n\
         pub const AUTH_HEADER: &str = {header:?};\n\
         /// What precedes the key in [`AUTH_HEADER`]: `\"Bearer \"` for bearer auth, else nothing.\n\
         pub const AUTH_PREFIX: &str = {prefix:?};\n\
         /// Every status the operation documents, with the first sentence of its description.\n\
         pub const DOCUMENTED_STATUSES: &[(u16, &str)] = &[\n{statuses}];\n",
        method = method.to_ascii_uppercase(),
        scheme = auth.name,
        header = auth.header,
        prefix = auth.prefix,
    )
}

/// `    (status, "what it means"),` for each numeric status of the operation,
/// its description cut at the first sentence (the rest is assumptions).
fn documented_statuses(json: &serde_json::Value, path: &str, method: &str) -> String {
    let responses = json["paths"][path][method]["responses"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut lines = String::new();
    for (status, response) in &responses {
        let Ok(code) = status.parse::<u16>() else {
            continue;
        };
        let response = response["$ref"]
            .as_str()
            .and_then(|target| json.pointer(target.strip_prefix('#')?))
            .unwrap_or(response);
        let description = response["description"].as_str().unwrap_or_default();
        let first = description
            .split_inclusive(". ")
            .next()
            .unwrap_or_default()
            .trim()
            .trim_end_matches('.');
        lines.push_str(&format!("    ({code}, {first:?}),\n"));
    }
    lines
}

/// The response of `operation` marked `x-deactivated-user` (directly or
/// through its `$ref`): its status and the text its message holds.
fn deactivated_user(spec: &openapiv3::OpenAPI, operation: &openapiv3::Operation) -> (u16, String) {
    const EXTENSION: &str = "x-deactivated-user";
    let components = spec.components.as_ref();
    for (status, response) in &operation.responses.responses {
        let response = match response {
            openapiv3::ReferenceOr::Item(response) => Some(response),
            openapiv3::ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/responses/")
                .and_then(|name| components?.responses.get(name)?.as_item()),
        };
        let Some(marker) = response.and_then(|r| r.extensions.get(EXTENSION)) else {
            continue;
        };
        let openapiv3::StatusCode::Code(status) = status else {
            fail(&format!(
                "`{EXTENSION}` must be on a response with one status code"
            ));
        };
        let Some(text) = marker.get("messageContains").and_then(|v| v.as_str()) else {
            fail(&format!("`{EXTENSION}` needs a string `messageContains`"));
        };
        return (*status, text.to_lowercase());
    }
    fail(&format!(
        "no response of `{OPERATION_ID}` carries `{EXTENSION}` (how a deactivated user is told apart)"
    ))
}

fn write(path: &Path, source: &str) {
    if let Err(e) = fs::write(path, source) {
        fail(&format!("cannot write {}: {e}", path.display()));
    }
}

/// The `note_identifiers!` invocation behind the hand-written
/// `NoteIdentifier`: one variant per value of the fragment's enum, so a new
/// value is a spec-only change.
fn note_identifier_values(spec: &openapiv3::OpenAPI) -> String {
    let values = enum_values(spec, "NoteIdentifier");
    let mut variants = std::collections::BTreeSet::new();
    let mut source =
        format!("// @generated by build.rs from {SPEC}; do not edit.\n\nnote_identifiers! {{\n");
    for value in &values {
        let variant = variant_name("NoteIdentifier", value);
        if !variants.insert(variant.clone()) {
            fail(&format!(
                "NoteIdentifier values `{value}` and another both become variant `{variant}`"
            ));
        }
        source.push_str(&format!(
            "    /// The wire value `{value}`.\n    {variant} = {value:?},\n"
        ));
    }
    source.push_str("}\n");
    source
}

fn enum_values(spec: &openapiv3::OpenAPI, name: &str) -> Vec<String> {
    let schema = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .and_then(|s| s.as_item());
    let values = match schema.map(|s| &s.schema_kind) {
        Some(openapiv3::SchemaKind::Type(openapiv3::Type::String(string))) => string
            .enumeration
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    if values.is_empty() {
        fail(&format!(
            "`components.schemas.{name}` must be a string enum with at least one value"
        ));
    }
    values
}

/// A Rust variant for a wire value: the value itself when it is already an
/// UpperCamelCase identifier (as every published value is), otherwise its
/// alphanumeric words capitalised (`peer-support` → `PeerSupport`).
fn variant_name(enum_name: &str, value: &str) -> String {
    let is_identifier = value.starts_with(|c: char| c.is_ascii_uppercase())
        && value.chars().all(|c| c.is_ascii_alphanumeric());
    if is_identifier {
        return value.to_owned();
    }
    let name = generator_input::upper_camel(value);
    if name.is_empty() || name == "Unknown" || name.starts_with(|c: char| c.is_ascii_digit()) {
        fail(&format!(
            "{enum_name} value `{value}` cannot be named as a Rust variant"
        ));
    }
    name
}

/// Stops the build with a single message that names the fragment.
fn fail(problem: &str) -> ! {
    eprintln!("error: {SPEC}: {problem}");
    exit(1);
}

/// Stops the build with every message, each naming the fragment.
fn fail_all(problems: &[String]) -> ! {
    fail(&problems.join(&format!("\nerror: {SPEC}: ")))
}

/// The fragment as written (after [`load_spec`] accepted it).
fn raw_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("cannot be read: {e}")));
    serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("not JSON: {e}")))
}

fn load_spec(path: &Path) -> openapiv3::OpenAPI {
    let text = fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("cannot be read: {e}")));
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
        let problems = fragment_checks::problems(&json, OPERATION_ID);
        if !problems.is_empty() {
            fail_all(&problems);
        }
    }
    let mut json = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut json).unwrap_or_else(|e| {
        // serde_json's message already ends with the line and column.
        fail(&format!(
            "not a valid OpenAPI 3.0 document: in `{}`: {}",
            e.path(),
            e.inner()
        ))
    })
}

/// Checks what progenitor would accept silently but the hand-written layer needs.
fn check_contract(spec: &openapiv3::OpenAPI) {
    if !spec.openapi.starts_with("3.0.") {
        fail(&format!(
            "`openapi` is \"{}\", but progenitor reads only OpenAPI 3.0.x",
            spec.openapi
        ));
    }
    let has_operation = spec
        .operations()
        .any(|(_, _, op)| op.operation_id.as_deref() == Some(OPERATION_ID));
    if !has_operation {
        fail(&format!("no operation has operationId `{OPERATION_ID}`"));
    }
    let schemas = spec.components.as_ref().map(|c| &c.schemas);
    for name in REQUIRED_SCHEMAS {
        if !schemas.is_some_and(|s| s.contains_key(name)) {
            fail(&format!("`components.schemas.{name}` is missing"));
        }
    }
}

fn settings(
    input: &generator_input::GeneratorInput,
    provider_user_example: &str,
) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        // Every request goes through the hand-written transport (body size
        // cap, rate limiter, tracing); see src/call/transport.rs.
        .with_inner_type(tokens("crate::call::Transport"))
        .with_hooks(HooksMode::Expected)
        // The hand-written enum keeps unknown values instead of failing.
        .with_replacement(
            "NoteIdentifier",
            "crate::values::NoteIdentifier",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        // A plain `Vec` would make an optional list `skip_serializing_if =
        // "Vec::is_empty"`, so clearing the list (`[]`) could never be sent;
        // a native replacement makes the field `Option<Vec<String>>`.
        .with_replacement(
            "NoteTemplateIds",
            "::std::vec::Vec<::std::string::String>",
            std::iter::empty(),
        );
    // Every other string enum: forward compatible (src/forward_compatible_enum.rs).
    for generated in &input.enums {
        settings.with_replacement(
            &generated.name,
            format!("crate::generated::{}", generated.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    // `JsonSchema` for these types is hand-written from the fragment
    // (src/values/json_schema.rs), so that docs.rs shows the feature it needs.
    for (name, described) in &input.structs {
        let mut patch = TypePatch::default();
        patch.with_attr(NON_EXHAUSTIVE_ATTR);
        if !described {
            patch.with_attr(format!(
                "#[doc = \"`{name}`, an object of the fragment (it has no description).\"]"
            ));
        }
        match name.as_str() {
            "ProviderUser" => patch.with_attr(provider_user_example),
            "UpdateProviderUserRequest" => patch.with_attr(REQUEST_EXAMPLE),
            _ => &mut patch,
        };
        settings.with_patch(name, &patch);
    }
    settings
}

fn tokens(source: &str) -> proc_macro2::TokenStream {
    source.parse().expect("a fixed, valid Rust path")
}

fn generate(spec: &openapiv3::OpenAPI, settings: &GenerationSettings) -> String {
    let generated = std::panic::catch_unwind(|| Generator::new(settings).generate_tokens(spec));
    let tokens = match generated {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => fail(&format!("progenitor cannot generate a client from it: {e}")),
        Err(_) => fail("progenitor panicked on it (see the panic message above)"),
    };
    let file = syn::parse2::<syn::File>(tokens)
        .unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    format!(
        "// @generated by build.rs from {SPEC}; do not edit.\n\n{}",
        prettyplease::unparse(&file)
    )
}
