//! The fragment as progenitor is given it: the same document, reshaped so
//! that every generated type is forward compatible and every constraint
//! is enforced where a person can read it, not as a newtype in generated
//! code that hand-written code cannot follow.
//!
//! - A string `enum` anywhere (a component or inline) becomes a named
//!   schema replaced by a forward-compatible enum (`Unknown(String)`
//!   keeps a value a newer API sends; `#[non_exhaustive]`; every value
//!   documented), so a new value never fails a response whose update
//!   was applied.
//! - An inline object becomes a named schema, so every generated struct
//!   can be patched `#[non_exhaustive]` (a new property is minor).
//! - `maxLength`, `minLength` and `pattern` of strings are taken out (typify
//!   would make a newtype of the field) and kept as [`Constraint`]s, which
//!   `ProviderUserUpdate::problems` enforces for request properties.
//! - A string's `format` is taken out: the field stays text (a `uuid` or
//!   `date-time` type would fail a response the server sent in another
//!   form, and needs crates the package does not carry), and is reported.
//! - Keywords OpenAPI 3.0 does not have (`const`, ...) are taken out and
//!   reported: progenitor would drop them silently.

use serde_json::{Map, Value, json};

/// Keywords of an OpenAPI 3.0 Schema Object; any other (except `x-`
/// extensions) would be dropped by the generator without a word. Also read
/// by `cargo xtask spec-diff`, which includes this file.
pub const SCHEMA_KEYWORDS: [&str; 36] = [
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "readOnly",
    "example",
    "writeOnly",
    "discriminator",
    "externalDocs",
    "deprecated",
    "xml",
    "$ref",
];

/// Schemas the hand-written layer replaces itself (see `settings` in build.rs).
const HAND_WRITTEN_TYPES: [&str; 2] = ["NoteIdentifier", "NoteTemplateIds"];

/// A string constraint taken out of a schema, with where it was.
pub struct Constraint {
    /// The component schema, e.g. `UpdateProviderUserRequest`.
    pub schema: String,
    /// The property, e.g. `therapyLicence`.
    pub property: String,
    /// Whether it constrains each item of a list.
    pub item: bool,
    pub max_length: Option<u64>,
    pub min_length: Option<u64>,
    pub pattern: Option<String>,
}

/// A forward-compatible enum to generate.
pub struct ForwardEnum {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<String>,
}

/// What reshaping found: the enums to generate, the structs to patch,
/// the constraints to enforce, and what was dropped (for warnings).
pub struct GeneratorInput {
    pub spec: Value,
    pub enums: Vec<ForwardEnum>,
    /// Object schemas (name, has a description).
    pub structs: Vec<(String, bool)>,
    pub constraints: Vec<Constraint>,
    pub dropped: Vec<String>,
}

/// Reshapes `spec` (already checked by `fragment_checks`), or says why a
/// schema cannot be generated forward compatible.
pub fn reshape(spec: &Value) -> Result<GeneratorInput, Vec<String>> {
    let mut input = GeneratorInput {
        spec: spec.clone(),
        enums: Vec::new(),
        structs: Vec::new(),
        constraints: Vec::new(),
        dropped: Vec::new(),
    };
    let mut problems = Vec::new();
    let mut pending: Vec<(String, Value)> = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter(|(name, _)| !HAND_WRITTEN_TYPES.contains(&name.as_str()))
                .map(|(name, schema)| (name.clone(), schema.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut reshaped = Map::new();
    while let Some((name, mut schema)) = pending.pop() {
        let at = format!("components.schemas.{name}");
        if let Err(problem) = reshape_root(&name, &mut schema, &at, &mut input, &mut pending) {
            problems.push(problem);
        }
        reshaped.insert(name, schema);
    }
    let schemas = input
        .spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("build.rs checked the components");
    schemas.extend(reshaped);
    input.enums.sort_by(|a, b| a.name.cmp(&b.name));
    input.structs.sort();
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(problems)
    }
}

fn reshape_root(
    name: &str,
    schema: &mut Value,
    at: &str,
    input: &mut GeneratorInput,
    pending: &mut Vec<(String, Value)>,
) -> Result<(), String> {
    drop_unknown_keywords(schema, at, &mut input.dropped);
    if let Some(values) = schema.get("enum") {
        if schema["type"] != "string" {
            return Err(format!(
                "`{at}` is an enum of type `{}`: only string enums are generated (forward \
                 compatible, with a catch-all); describe it as a string enum, or write its \
                 type by hand and replace it in build.rs (`settings`)",
                schema["type"].as_str().unwrap_or("(none)")
            ));
        }
        let values = values
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        input.enums.push(ForwardEnum {
            name: name.to_owned(),
            description: schema["description"].as_str().map(str::to_owned),
            values,
        });
        return Ok(());
    }
    if schema["type"] == "object" || schema.get("properties").is_some() {
        input
            .structs
            .push((name.to_owned(), schema.get("description").is_some()));
    }
    let properties = schema
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut kept = Map::new();
    for (property, mut definition) in properties {
        let here = format!("{at}.properties.{property}");
        let hoisted_name = format!("{name}{}", upper_camel(&property));
        reshape_property(
            name,
            &property,
            &hoisted_name,
            &mut definition,
            &here,
            input,
            pending,
        )?;
        kept.insert(property, definition);
    }
    if let Some(properties) = schema.get_mut("properties") {
        *properties = Value::Object(kept);
    }
    Ok(())
}

fn reshape_property(
    schema_name: &str,
    property: &str,
    hoisted_name: &str,
    definition: &mut Value,
    at: &str,
    input: &mut GeneratorInput,
    pending: &mut Vec<(String, Value)>,
) -> Result<(), String> {
    drop_unknown_keywords(definition, at, &mut input.dropped);
    if definition["type"] == "array" {
        let items_at = format!("{at}.items");
        let mut items = definition["items"].take();
        drop_unknown_keywords(&mut items, &items_at, &mut input.dropped);
        let item_name = format!("{hoisted_name}Item");
        if is_inline_named_type(&items) {
            pending.push((item_name.clone(), items));
            items = json!({ "$ref": format!("#/components/schemas/{item_name}") });
        } else {
            take_constraints(schema_name, property, true, &mut items, &items_at, input);
        }
        definition["items"] = items;
        return Ok(());
    }
    if is_inline_named_type(definition) {
        let mut hoisted = definition.take();
        let description = hoisted.get("description").cloned();
        *definition = json!({
            "allOf": [{ "$ref": format!("#/components/schemas/{hoisted_name}") }]
        });
        if let Some(description) = description {
            definition["description"] = description.clone();
            hoisted.as_object_mut().map(|h| h.remove("nullable"));
        }
        pending.push((hoisted_name.to_owned(), hoisted));
        return Ok(());
    }
    take_constraints(schema_name, property, false, definition, at, input);
    Ok(())
}

/// An inline schema typify would turn into a type of its own: an enum or
/// an object with properties.
fn is_inline_named_type(schema: &Value) -> bool {
    schema.get("$ref").is_none()
        && (schema.get("enum").is_some() || schema.get("properties").is_some())
}

fn take_constraints(
    schema_name: &str,
    property: &str,
    item: bool,
    schema: &mut Value,
    at: &str,
    input: &mut GeneratorInput,
) {
    if schema["type"] != "string" {
        return;
    }
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(format) = object.remove("format") {
        input.dropped.push(format!(
            "`{at}.format` ({format}) is kept as documentation: the field is generated as \
             text (`String`), so a value in another form never fails a response"
        ));
    }
    let max_length = object.remove("maxLength").and_then(|v| v.as_u64());
    let min_length = object.remove("minLength").and_then(|v| v.as_u64());
    let pattern = object
        .remove("pattern")
        .and_then(|v| v.as_str().map(str::to_owned));
    if max_length.is_some() || min_length.is_some() || pattern.is_some() {
        input.constraints.push(Constraint {
            schema: schema_name.to_owned(),
            property: property.to_owned(),
            item,
            max_length,
            min_length,
            pattern,
        });
    }
}

fn drop_unknown_keywords(schema: &mut Value, at: &str, dropped: &mut Vec<String>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let unknown: Vec<String> = object
        .keys()
        .filter(|key| !key.starts_with("x-") && !SCHEMA_KEYWORDS.contains(&key.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        let value = object.remove(&key).unwrap_or_default();
        dropped.push(format!(
            "`{at}.{key}` ({value}) is not an OpenAPI 3.0 schema keyword: the generator \
             ignores it and the generated type does not enforce it"
        ));
    }
}

/// `spokenLanguages` → `SpokenLanguages`, as typify names types (and
/// build.rs names enum variants).
pub fn upper_camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
