//! Validates request bodies against the fragment's own schema, so the fake
//! cannot drift from the spec the client is generated from.

use serde_json::{Value, json};

const FRAGMENT: &str = include_str!("../../openapi/update-provider-user-by-id-v2.json");
const REQUEST_SCHEMA: &str = "#/components/schemas/UpdateProviderUserRequest";

pub(crate) struct RequestSchema(jsonschema::Validator);

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
        Self(validator)
    }

    /// Every violation, as `field: problem` lines.
    pub(crate) fn violations(&self, body: &Value) -> Vec<String> {
        self.0
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
