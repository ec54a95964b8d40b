//! Validates request bodies against the fragment's own schema, so the fake
//! cannot drift from the spec the client is generated from.

use serde_json::{Value, json};

const FRAGMENT: &str = include_str!("../../openapi/update-provider-user-by-id-v2.json");
const REQUEST_SCHEMA: &str = "#/components/schemas/UpdateProviderUserRequest";

pub(crate) struct RequestSchema {
    validator: jsonschema::Validator,
    /// The properties the fragment names, for "did you mean" suggestions.
    properties: Vec<String>,
}

impl RequestSchema {
    pub(crate) fn from_fragment() -> Self {
        let fragment: Value =
            serde_json::from_str(FRAGMENT).expect("build.rs already parsed the fragment");
        // The components ride along so that `$ref`s resolve inside one document.
        let schema = json!({
            "$ref": REQUEST_SCHEMA,
            "components": fragment["components"],
        });
        let validator =
            jsonschema::draft4::new(&schema).expect("the fragment's request schema compiles");
        let properties =
            fragment["components"]["schemas"]["UpdateProviderUserRequest"]["properties"]
                .as_object()
                .map(|properties| properties.keys().cloned().collect())
                .unwrap_or_default();
        Self {
            validator,
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

    /// Every violation, as `field: problem` lines.
    pub(crate) fn violations(&self, body: &Value) -> Vec<String> {
        self.validator
            .iter_errors(body)
            .map(|e| {
                let at = e.instance_path.to_string();
                let field = at.trim_start_matches('/');
                if field.is_empty() {
                    e.to_string()
                } else {
                    format!("{field}: {e}")
                }
            })
            .collect()
    }
}
