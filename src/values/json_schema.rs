//! `schemars::JsonSchema` for the generated wire types, taken from the
//! fragment itself rather than derived: the schema users embed is the one
//! the client is generated from, and, being hand-written impls, they carry
//! the `schemars` feature badge on docs.rs (a derive through `cfg_attr`
//! cannot).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use crate::{
    generated::types::{ProviderUser, UpdateProviderUserRequest},
    values::{NoteIdentifier, ProviderUserUpdate},
};

const FRAGMENT: &str = include_str!("../../openapi/update-provider-user-by-id-v2.json");
const COMPONENT_REF: &str = "#/components/schemas/";

/// The fragment's component schema `name`, its `$ref`s resolved: the shared
/// `NoteIdentifier` through the generator (one definition, referenced),
/// any other component inlined.
fn component(name: &str, generator: &mut SchemaGenerator) -> Schema {
    let fragment: Value =
        serde_json::from_str(FRAGMENT).expect("build.rs already parsed the fragment");
    let schema = fragment["components"]["schemas"][name].clone();
    let resolved = resolve(schema, &fragment, generator);
    Schema::try_from(resolved).expect("a component schema is an object")
}

fn resolve(value: Value, fragment: &Value, generator: &mut SchemaGenerator) -> Value {
    match value {
        Value::Object(object) => {
            if let Some(name) = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(COMPONENT_REF))
            {
                return match name {
                    "NoteIdentifier" => generator.subschema_for::<NoteIdentifier>().to_value(),
                    other => resolve(
                        fragment["components"]["schemas"][other].clone(),
                        fragment,
                        generator,
                    ),
                };
            }
            Value::Object(
                object
                    .into_iter()
                    .map(|(key, value)| (key, resolve(value, fragment, generator)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| resolve(item, fragment, generator))
                .collect(),
        ),
        other => other,
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
impl JsonSchema for ProviderUser {
    fn schema_name() -> Cow<'static, str> {
        "ProviderUser".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        component("ProviderUser", generator)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
impl JsonSchema for UpdateProviderUserRequest {
    fn schema_name() -> Cow<'static, str> {
        "UpdateProviderUserRequest".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        component("UpdateProviderUserRequest", generator)
    }
}

/// The same wire body as [`UpdateProviderUserRequest`].
#[cfg_attr(docsrs, doc(cfg(feature = "schemars")))]
impl JsonSchema for ProviderUserUpdate {
    fn schema_name() -> Cow<'static, str> {
        "ProviderUserUpdate".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        component("UpdateProviderUserRequest", generator)
    }
}
