//! Generates the wire types and the raw client method from the OpenAPI
//! fragment in `openapi/`, at compile time, into `$OUT_DIR/generated.rs`.
//!
//! Runs offline and without rustfmt (docs.rs builds have neither network nor
//! a guaranteed rustfmt), and re-runs only when the fragment or this file
//! changes. A fragment that cannot be used fails the build with one message
//! naming the file and the problem.

use std::{fs, path::Path, process::exit};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TypeImpl, TypePatch};

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
/// Generated data types get `JsonSchema` only when the crate's `schemars`
/// feature is on, so the default build does not pay for it.
const SCHEMARS_ATTR: &str = r#"#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]"#;

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let spec = load_spec(Path::new(SPEC));
    check_contract(&spec);
    let source = generate(&spec);

    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let out = Path::new(&out_dir).join("generated.rs");
    if let Err(e) = fs::write(&out, source) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}

/// Stops the build with a single message that names the fragment.
fn fail(problem: &str) -> ! {
    eprintln!("error: {SPEC}: {problem}");
    exit(1);
}

fn load_spec(path: &Path) -> openapiv3::OpenAPI {
    let text = fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("cannot be read: {e}")));
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

fn settings() -> GenerationSettings {
    let schemars = TypePatch::default().with_attr(SCHEMARS_ATTR).clone();
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        // Every request goes through the hand-written transport (body size
        // cap, rate limiter, tracing); see src/transport.rs.
        .with_inner_type(tokens("crate::transport::Transport"))
        .with_hooks(HooksMode::Expected)
        // The hand-written enum keeps unknown values instead of failing.
        .with_replacement(
            "NoteIdentifier",
            "crate::NoteIdentifier",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        // A plain `Vec` would make an optional list `skip_serializing_if =
        // "Vec::is_empty"`, so clearing the list (`[]`) could never be sent;
        // a native replacement makes the field `Option<Vec<String>>`.
        .with_replacement(
            "NoteTemplateIds",
            "::std::vec::Vec<::std::string::String>",
            std::iter::empty(),
        )
        .with_patch("UpdateProviderUserRequest", &schemars)
        .with_patch("ProviderUser", &schemars);
    settings
}

fn tokens(source: &str) -> proc_macro2::TokenStream {
    source.parse().expect("a fixed, valid Rust path")
}

fn generate(spec: &openapiv3::OpenAPI) -> String {
    let generated = std::panic::catch_unwind(|| Generator::new(&settings()).generate_tokens(spec));
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
