//! Setters on `ProviderUserUpdate` for request properties the fragment
//! defines and no hand-written setter covers, so that a new optional
//! property of a plain type (a string, a list of strings) is a spec-only
//! change: settable, validated by the generic text rules, sent, and usable
//! from the CLI as a column of the same name, with no hand edit.
//!
//! A property of any other shape (a number, an enum, an object, a string
//! with a `format`) needs rules only a person can write: the build stops and
//! says so, rather than leaving the property unsettable.

use serde_json::Value;

/// The request properties `src/values/provider_user_update.rs` sets by hand, with
/// their own types and rules (an `Npi`, the `NoteIdentifier` enum, unique
/// template ids). Every other request property gets a generated setter.
pub const HAND_WRITTEN: [&str; 4] = [
    "nationalProviderIdentifier",
    "therapyLicence",
    "noteIdentifier",
    "defaultNoteTemplateIds",
];

/// Names `ProviderUserUpdate` already uses for its own methods: a generated
/// setter or getter by one of these would not compile.
const TAKEN: [&str; 12] = [
    "new",
    "validate",
    "problems",
    "to_request",
    "is_empty",
    "generated_properties",
    "with_generated_text",
    "with_generated_list",
    "clear_default_note_template_ids",
    "default",
    "clone",
    "eq",
];

/// The text rules' default bound when the fragment gives no `maxLength`
/// (the hand-written `MAX_TEXT_CHARS`).
const DEFAULT_MAX_CHARS: u64 = 256;

pub struct Property {
    wire: String,
    rust: String,
    list: bool,
    max_chars: u64,
    description: Option<String>,
}

/// The request properties that get a generated setter, or located messages
/// saying why one cannot be generated.
pub fn properties(spec: &Value) -> Result<Vec<Property>, Vec<String>> {
    const AT: &str = "components.schemas.UpdateProviderUserRequest.properties";
    let declared = spec
        .pointer("/components/schemas/UpdateProviderUserRequest/properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut properties = Vec::new();
    for (wire, schema) in declared
        .iter()
        .filter(|(name, _)| !HAND_WRITTEN.contains(&name.as_str()))
    {
        match property(wire, schema) {
            Ok(property) => properties.push(property),
            Err(why) => problems.push(format!(
                "`{AT}.{wire}` {why}, and only plain strings and arrays of plain strings get a \
                 generated setter. A new optional request property is a minor change: write a \
                 setter with its own rules in src/values/provider_user_update.rs and add `{wire}` to \
                 `HAND_WRITTEN` in build/request_setters.rs"
            )),
        }
    }
    if problems.is_empty() {
        Ok(properties)
    } else {
        Err(problems)
    }
}

fn property(wire: &str, schema: &Value) -> Result<Property, String> {
    let list = match shape(schema) {
        Some(Shape::Text) => false,
        Some(Shape::TextList) => true,
        None => return Err(format!("is {}", describe(schema))),
    };
    let rust = snake_case(wire);
    let is_identifier = rust.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && rust.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && syn::parse_str::<syn::Ident>(&rust).is_ok();
    if !is_identifier {
        return Err(format!("cannot be named as a Rust method (`{rust}`)"));
    }
    let hand_written = HAND_WRITTEN.map(snake_case);
    let taken = |name: &str| TAKEN.contains(&name) || hand_written.iter().any(|h| h == name);
    if taken(&rust) || taken(&format!("get_{rust}")) || taken(rust.trim_start_matches("get_")) {
        return Err(format!(
            "would become `{rust}`, a name `ProviderUserUpdate` already uses"
        ));
    }
    let text = if list { &schema["items"] } else { schema };
    Ok(Property {
        wire: wire.to_owned(),
        rust,
        list,
        max_chars: text["maxLength"].as_u64().unwrap_or(DEFAULT_MAX_CHARS),
        description: schema["description"].as_str().map(str::to_owned),
    })
}

enum Shape {
    Text,
    TextList,
}

fn shape(schema: &Value) -> Option<Shape> {
    let plain_string = |schema: &Value| {
        schema["type"] == "string"
            && schema.get("enum").is_none()
            && schema.get("format").is_none()
            && schema.get("$ref").is_none()
    };
    if plain_string(schema) {
        Some(Shape::Text)
    } else if schema["type"] == "array" && plain_string(&schema["items"]) {
        Some(Shape::TextList)
    } else {
        None
    }
}

fn describe(schema: &Value) -> String {
    if let Some(target) = schema["$ref"].as_str() {
        return format!("a `$ref` to `{target}`");
    }
    match (
        schema["type"].as_str(),
        schema.get("enum"),
        schema["format"].as_str(),
    ) {
        (Some(kind), Some(_), _) => format!("an enum of type `{kind}`"),
        (Some(kind), None, Some(format)) => format!("of type `{kind}` with format `{format}`"),
        (Some(kind), None, None) => format!("of type `{kind}`"),
        (None, ..) => "of no plain type".to_owned(),
    }
}

/// `phoneCountryCode` → `phone_country_code`, as typify names fields.
fn snake_case(camel: &str) -> String {
    let mut snake = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else if c == '-' || c == ' ' {
            snake.push('_');
        } else {
            snake.push(c);
        }
    }
    snake
}

/// The table of generated properties, as Rust source for
/// `src/values/generated_property.rs` to include.
pub fn table_source(properties: &[Property], spec_path: &str) -> String {
    let mut source = String::from(
        "/// The request properties with generated setters, in the fragment's order.\n\
         pub(crate) const GENERATED: &[GeneratedProperty] = &[\n",
    );
    for property in properties {
        let shape = if property.list { "TextList" } else { "Text" };
        source.push_str(&format!(
            "    GeneratedProperty {{ name: {:?}, shape: PropertyShape::{shape}, max_chars: {} }},\n",
            property.wire, property.max_chars
        ));
    }
    source.push_str("];\n");
    pretty(&source, spec_path)
}

/// A typed setter and getter for each generated property, as Rust source
/// for `src/values/generated_setters.rs` to include.
pub fn setters_source(properties: &[Property], spec_path: &str) -> String {
    let mut source = String::from("impl ProviderUserUpdate {\n");
    for property in properties {
        source.push_str(&setter(property));
    }
    source.push_str("}\n");
    pretty(&source, spec_path)
}

fn pretty(source: &str, spec_path: &str) -> String {
    let file = syn::parse_file(source).expect("generated setters parse");
    format!(
        "// @generated by build.rs from {spec_path}; do not edit.\n\n{}",
        prettyplease::unparse(&file)
    )
}

fn setter(property: &Property) -> String {
    let Property {
        wire,
        rust,
        list,
        max_chars,
        ..
    } = property;
    let mut docs = String::new();
    if let Some(description) = &property.description {
        for line in description.lines() {
            docs.push_str(&format!("    #[doc = {:?}]\n", line.trim_end()));
        }
        docs.push_str("    #[doc = \"\"]\n");
    }
    let rules = if *list {
        format!(
            "each item is checked by the text rules (not blank, no control characters, at most {max_chars} characters)"
        )
    } else {
        format!(
            "checked by the text rules (not blank, no control characters, at most {max_chars} characters)"
        )
    };
    docs.push_str(&format!(
        "    #[doc = {:?}]\n",
        format!("Sets `{wire}`. Generated from the fragment: {rules} in [`Self::validate`].")
    ));
    if *list {
        format!(
            "{docs}    pub fn {rust}<I, S>(mut self, values: I) -> Self\n    where\n        I: IntoIterator<Item = S>,\n        S: Into<String>,\n    {{\n        self.generated_mut().set_list({wire:?}, values.into_iter().map(Into::into).collect());\n        self\n    }}\n\n    \
             #[doc = {getter_doc:?}]\n    pub fn get_{rust}(&self) -> Option<&[String]> {{\n        self.generated.list({wire:?})\n    }}\n\n",
            getter_doc = format!("The `{wire}` to set, if any.")
        )
    } else {
        format!(
            "{docs}    pub fn {rust}(mut self, value: impl Into<String>) -> Self {{\n        self.generated_mut().set_text({wire:?}, value.into());\n        self\n    }}\n\n    \
             #[doc = {getter_doc:?}]\n    pub fn get_{rust}(&self) -> Option<&str> {{\n        self.generated.text({wire:?})\n    }}\n\n",
            getter_doc = format!("The `{wire}` to set, if any.")
        )
    }
}
