//! Validates request bodies against the fragment's own schema, so the fake
//! cannot drift from the spec the client is generated from.
//!
//! Why not a JSON-Schema engine: the fragment is OpenAPI 3.0, whose schema
//! keywords are a small, fixed set (`build.rs` drops any other with a
//! warning, and the generated types ignore them too), and one such engine
//! with its regex crates cost a dependent more to compile than the rest of
//! the fake. The keywords that assert are read here, from the fragment
//! itself; `pattern` is an ECMA-262 expression, read by `regress` as the
//! client's own checks read it. `format` is an annotation here, as it is
//! for JSON Schema validators by default.

use std::collections::HashMap;

use serde_json::{Map, Value};

const FRAGMENT: &str = include_str!("../../openapi/update-provider-user-by-id-v2.json");
const REQUEST_SCHEMA: &str = "UpdateProviderUserRequest";
const REF_PREFIX: &str = "#/components/schemas/";
/// How much of a refused value a message repeats.
const SHOWN_VALUE_CHARS: usize = 64;

pub(crate) struct RequestSchema {
    /// The fragment's `components.schemas`, where every `$ref` points.
    schemas: Map<String, Value>,
    /// Every `pattern` in them, compiled once.
    patterns: HashMap<String, regress::Regex>,
    /// The properties the fragment names, for "did you mean" suggestions.
    properties: Vec<String>,
}

impl RequestSchema {
    pub(crate) fn from_fragment() -> Self {
        let fragment: Value =
            serde_json::from_str(FRAGMENT).expect("build.rs already parsed the fragment");
        let schemas = fragment["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut patterns = HashMap::new();
        for schema in schemas.values() {
            collect_patterns(schema, &mut patterns);
        }
        let properties = schemas[REQUEST_SCHEMA]["properties"]
            .as_object()
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        Self {
            schemas,
            patterns,
            properties,
        }
    }

    /// A message for each top-level property the fragment does not name,
    /// suggesting the one meant. The published schema allows any extra
    /// property; the fake refuses them so that a misspelt field (which the
    /// real API might silently ignore) fails loudly in tests.
    pub(crate) fn unknown_properties(&self, body: &Value) -> Vec<String> {
        let Some(object) = body.as_object() else {
            return Vec::new();
        };
        object
            .keys()
            .filter(|key| !self.properties.contains(key))
            .map(|key| {
                let closest = self
                    .properties
                    .iter()
                    .min_by_key(|known| strsim::levenshtein(&key.to_lowercase(), &known.to_lowercase()))
                    .filter(|known| strsim::levenshtein(&key.to_lowercase(), &known.to_lowercase()) <= 3);
                match closest {
                    Some(known) => format!(
                        "{key}: unknown property (the fake is stricter than the published schema); did you mean `{known}`?"
                    ),
                    None => format!(
                        "{key}: unknown property (the fake is stricter than the published schema); the properties are {}",
                        self.properties.join(", ")
                    ),
                }
            })
            .collect()
    }

    /// Every violation, as `field: problem` lines (the field as a JSON
    /// pointer without its leading `/`, such as `defaultNoteTemplateIds/0`).
    pub(crate) fn violations(&self, body: &Value) -> Vec<String> {
        let mut found = Vec::new();
        self.check(&self.schemas[REQUEST_SCHEMA], body, "", &mut found);
        found
            .into_iter()
            .map(|(at, problem)| {
                if at.is_empty() {
                    problem
                } else {
                    format!("{}: {problem}", &at[1..])
                }
            })
            .collect()
    }

    /// Adds to `found` each way `value` (at JSON pointer `at`) breaks `schema`.
    fn check(&self, schema: &Value, value: &Value, at: &str, found: &mut Vec<(String, String)>) {
        let Some(schema) = schema.as_object() else {
            return;
        };
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            // OpenAPI 3.0: a `$ref`'s siblings are ignored.
            match target
                .strip_prefix(REF_PREFIX)
                .and_then(|name| self.schemas.get(name))
            {
                Some(resolved) => self.check(resolved, value, at, found),
                None => found.push((
                    at.to_owned(),
                    format!("the schema's `$ref` {target} does not resolve"),
                )),
            }
            return;
        }
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        let mut problem = |text: String| found.push((at.to_owned(), text));
        if let Some(wanted) = schema.get("type").and_then(Value::as_str)
            && !has_type(value, wanted)
        {
            problem(format!("{} is not of type \"{wanted}\"", shown(value)));
            // The value's other checks assume its type.
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            problem(format!(
                "{} is not one of {}",
                shown(value),
                Value::from(allowed.clone())
            ));
        }
        match value {
            Value::String(text) => self.check_string(schema, text, &mut problem),
            Value::Number(number) => {
                check_number(schema, number.as_f64().unwrap_or(f64::NAN), &mut problem)
            }
            _ => {}
        }
        match value {
            Value::Array(items) => self.check_array(schema, items, at, found),
            Value::Object(object) => self.check_object(schema, object, at, found),
            _ => {}
        }
        self.check_combinations(schema, value, at, found);
    }

    fn check_string(
        &self,
        schema: &Map<String, Value>,
        text: &str,
        problem: &mut impl FnMut(String),
    ) {
        // Counted once, and only where a length rule asks.
        let chars = std::cell::OnceCell::new();
        let chars = || *chars.get_or_init(|| text.chars().count() as u64);
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && chars() > max
        {
            problem(format!(
                "{} is longer than {max} characters",
                shown_text(text)
            ));
        }
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && chars() < min
        {
            problem(format!(
                "{} is shorter than {min} characters",
                shown_text(text)
            ));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && let Some(regex) = self.patterns.get(pattern)
            && regex.find(text).is_none()
        {
            problem(format!("{} does not match {pattern:?}", shown_text(text)));
        }
    }

    fn check_array(
        &self,
        schema: &Map<String, Value>,
        items: &[Value],
        at: &str,
        found: &mut Vec<(String, String)>,
    ) {
        let count = items.len() as u64;
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            found.push((
                at.to_owned(),
                format!("has {count} items; at most {max} are allowed"),
            ));
        }
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            found.push((
                at.to_owned(),
                format!("has {count} items; at least {min} are required"),
            ));
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true))
            && let Some(repeated) = items
                .iter()
                .enumerate()
                .find(|(i, item)| items[..*i].contains(item))
        {
            found.push((
                at.to_owned(),
                format!("{} appears more than once", shown(repeated.1)),
            ));
        }
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{at}/{index}"), found);
            }
        }
    }

    fn check_object(
        &self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
        found: &mut Vec<(String, String)>,
    ) {
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|name| !object.contains_key(*name))
        {
            found.push((at.to_owned(), format!("\"{name}\" is a required property")));
        }
        let count = object.len() as u64;
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            found.push((
                at.to_owned(),
                format!("has {count} properties; at most {max} are allowed"),
            ));
        }
        if let Some(min) = schema.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            found.push((
                at.to_owned(),
                format!("has {count} properties; at least {min} are required"),
            ));
        }
        for (name, value) in object {
            let here = format!("{at}/{}", escape_pointer(name));
            match (properties.get(name), schema.get("additionalProperties")) {
                (Some(property), _) => self.check(property, value, &here, found),
                (None, Some(Value::Bool(false))) => {
                    found.push((here, "is not a property of this object".to_owned()));
                }
                (None, Some(extra @ Value::Object(_))) => self.check(extra, value, &here, found),
                (None, _) => {}
            }
        }
    }

    /// `allOf`, `anyOf`, `oneOf` and `not`.
    fn check_combinations(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        at: &str,
        found: &mut Vec<(String, String)>,
    ) {
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(part, value, at, found);
        }
        let passes = |part: &Value| {
            let mut inner = Vec::new();
            self.check(part, value, at, &mut inner);
            inner.is_empty()
        };
        if let Some(parts) = schema.get("anyOf").and_then(Value::as_array)
            && !parts.iter().any(passes)
        {
            found.push((
                at.to_owned(),
                format!("{} matches none of the `anyOf` schemas", shown(value)),
            ));
        }
        if let Some(parts) = schema.get("oneOf").and_then(Value::as_array) {
            let matching = parts.iter().filter(|part| passes(part)).count();
            if matching != 1 {
                found.push((
                    at.to_owned(),
                    format!(
                        "{} matches {matching} of the `oneOf` schemas, not exactly one",
                        shown(value)
                    ),
                ));
            }
        }
        if let Some(forbidden) = schema.get("not")
            && passes(forbidden)
        {
            found.push((
                at.to_owned(),
                format!("{} matches the `not` schema", shown(value)),
            ));
        }
    }
}

fn check_number(schema: &Map<String, Value>, number: f64, problem: &mut impl FnMut(String)) {
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        if exclusive("exclusiveMaximum") && number >= max {
            problem(format!("{number} is not below {max}"));
        } else if number > max {
            problem(format!("{number} is greater than {max}"));
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if exclusive("exclusiveMinimum") && number <= min {
            problem(format!("{number} is not above {min}"));
        } else if number < min {
            problem(format!("{number} is less than {min}"));
        }
    }
    if let Some(step) = schema.get("multipleOf").and_then(Value::as_f64)
        && step > 0.0
        && (number / step).fract().abs() > f64::EPSILON
    {
        problem(format!("{number} is not a multiple of {step}"));
    }
}

/// Whether `value` is of OpenAPI type `wanted` (an `integer` is a number
/// without a fractional part).
fn has_type(value: &Value, wanted: &str) -> bool {
    match wanted {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        // An unknown type is the fragment's mistake, not the request's.
        _ => true,
    }
}

fn collect_patterns(schema: &Value, patterns: &mut HashMap<String, regress::Regex>) {
    match schema {
        Value::Object(object) => {
            if let Some(pattern) = object.get("pattern").and_then(Value::as_str) {
                let regex = regress::Regex::new(pattern)
                    .expect("build.rs checks that every pattern of the fragment compiles");
                patterns.insert(pattern.to_owned(), regex);
            }
            object
                .values()
                .for_each(|inner| collect_patterns(inner, patterns));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|inner| collect_patterns(inner, patterns)),
        _ => {}
    }
}

/// A property name as a JSON pointer segment (RFC 6901).
fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// A refused value as JSON, cut short if long.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(SHOWN_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn shown_text(text: &str) -> String {
    shown(&Value::from(text))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::RequestSchema;

    #[test]
    fn a_valid_body_passes_and_each_kind_of_break_names_where() {
        let schema = RequestSchema::from_fragment();
        assert!(schema.violations(&json!({})).is_empty());
        assert!(
            schema
                .violations(&json!({"noteIdentifier": "Coach", "defaultNoteTemplateIds": ["a"]}))
                .is_empty()
        );
        let cases = [
            (
                json!({"noteIdentifier": "Shaman"}),
                "noteIdentifier: \"Shaman\" is not one of",
            ),
            (
                json!({"therapyLicence": 7}),
                "therapyLicence: 7 is not of type \"string\"",
            ),
            (
                json!({"defaultNoteTemplateIds": [1]}),
                "defaultNoteTemplateIds/0: 1 is not of type",
            ),
            (
                json!({"defaultNoteTemplateIds": null}),
                "defaultNoteTemplateIds: null is not of type",
            ),
            (json!([1]), "[1] is not of type \"object\""),
        ];
        for (body, expected) in cases {
            let found = schema.violations(&body).join("; ");
            assert!(found.starts_with(expected), "{body}: {found}");
        }
    }

    #[test]
    fn the_keywords_that_assert_are_each_enforced() {
        let mut schema = RequestSchema::from_fragment();
        schema.schemas.insert(
            "UpdateProviderUserRequest".into(),
            json!({
                "type": "object",
                "required": ["code"],
                "additionalProperties": false,
                "properties": {
                    "code": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[A-Z]+$"},
                    "count": {"type": "integer", "minimum": 1, "maximum": 10, "multipleOf": 2},
                    "tags": {"type": "array", "minItems": 1, "maxItems": 2, "uniqueItems": true},
                    "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                    "any": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
                    "never": {"not": {"type": "string"}},
                    "maybe": {"type": "string", "nullable": true}
                }
            }),
        );
        schema
            .patterns
            .insert("^[A-Z]+$".into(), regress::Regex::new("^[A-Z]+$").unwrap());
        assert!(
            schema
                .violations(&json!({"code": "AB", "count": 4, "maybe": null}))
                .is_empty()
        );
        let cases = [
            (json!({}), "\"code\" is a required property"),
            (json!({"code": "A"}), "code: \"A\" is shorter than 2"),
            (json!({"code": "ABCD"}), "code: \"ABCD\" is longer than 3"),
            (json!({"code": "ab"}), "code: \"ab\" does not match"),
            (
                json!({"code": "AB", "count": 12}),
                "count: 12 is greater than 10",
            ),
            (json!({"code": "AB", "count": 0}), "count: 0 is less than 1"),
            (
                json!({"code": "AB", "count": 3}),
                "count: 3 is not a multiple of 2",
            ),
            (
                json!({"code": "AB", "count": 2.5}),
                "count: 2.5 is not of type \"integer\"",
            ),
            (
                json!({"code": "AB", "tags": []}),
                "tags: has 0 items; at least 1",
            ),
            (
                json!({"code": "AB", "tags": [1, 2, 3]}),
                "tags: has 3 items; at most 2",
            ),
            (
                json!({"code": "AB", "tags": [1, 1]}),
                "tags: 1 appears more than once",
            ),
            (
                json!({"code": "AB", "either": true}),
                "either: true matches 0 of the `oneOf`",
            ),
            (
                json!({"code": "AB", "any": 1}),
                "any: 1 matches none of the `anyOf`",
            ),
            (
                json!({"code": "AB", "never": "x"}),
                "never: \"x\" matches the `not`",
            ),
            (
                json!({"code": "AB", "extra": 1}),
                "extra: is not a property",
            ),
            (json!({"code": "AB", "maybe": 1}), "maybe: 1 is not of type"),
        ];
        for (body, expected) in cases {
            let found = schema.violations(&body).join("; ");
            assert!(found.starts_with(expected), "{body}: {found}");
        }
    }
}
