//! Request properties that `build.rs` gives a setter of their own: those the
//! fragment defines beyond the four with hand-written setters and rules.
//!
//! Why: a new optional property of a plain type is then settable the day
//! the fragment gains it, with validation, retries and the identity check,
//! instead of only through [`Client::generated`](crate::Client::generated).
//! Their values live here, by name, because the generated wire type's
//! fields cannot be known when this file is written; they join the body in
//! [`ProviderUserUpdate::to_request`](crate::ProviderUserUpdate::to_request).

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, Serialize, de, ser::SerializeMap};
use serde_json::{Map, Value};

use crate::{
    errors::Error,
    values::{
        quoted_value::quoted,
        request_property::HAND_WRITTEN_PROPERTIES,
        text_rules::{MAX_TEXT_CHARS, check_text},
    },
};

include!(concat!(env!("OUT_DIR"), "/generated_properties.rs"));

/// A request property with a generated setter on
/// [`ProviderUserUpdate`](crate::ProviderUserUpdate).
///
/// ```
/// use upheal_provider_users::{ProviderUserUpdate, PropertyShape};
///
/// for property in ProviderUserUpdate::generated_properties() {
///     let takes = match property.shape {
///         PropertyShape::Text => "a string",
///         PropertyShape::TextList => "a list of strings",
///         _ => "a shape this code does not know yet",
///     };
///     println!("{} takes {takes} of at most {} characters", property.name, property.max_chars);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratedProperty {
    /// The wire name, as in the fragment (and as a CLI column).
    pub name: &'static str,
    /// What its value is.
    pub shape: PropertyShape,
    /// The longest text accepted (each item's, for a list): the fragment's
    /// `maxLength`, or [`MAX_TEXT_CHARS`].
    pub max_chars: usize,
}

/// The value a [`GeneratedProperty`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PropertyShape {
    /// A string.
    Text,
    /// An array of strings.
    TextList,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PropertyValue {
    Text(String),
    TextList(Vec<String>),
}

/// The values set through generated setters, by wire name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct GeneratedFields(BTreeMap<&'static str, PropertyValue>);

impl GeneratedFields {
    pub(crate) fn set_text(&mut self, name: &'static str, value: String) {
        self.0.insert(name, PropertyValue::Text(value));
    }

    pub(crate) fn set_list(&mut self, name: &'static str, values: Vec<String>) {
        self.0.insert(name, PropertyValue::TextList(values));
    }

    #[allow(
        dead_code,
        reason = "used by generated getters, none while the fragment has no such property"
    )]
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        match self.0.get(name)? {
            PropertyValue::Text(text) => Some(text),
            PropertyValue::TextList(_) => None,
        }
    }

    #[allow(
        dead_code,
        reason = "used by generated getters, none while the fragment has no such property"
    )]
    pub(crate) fn list(&self, name: &str) -> Option<&[String]> {
        match self.0.get(name)? {
            PropertyValue::TextList(list) => Some(list),
            PropertyValue::Text(_) => None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each value's breaches of the generic text rules.
    pub(crate) fn problems(&self) -> Vec<Error> {
        let mut problems = Vec::new();
        for (&name, value) in &self.0 {
            let max_chars = property(name).map_or(MAX_TEXT_CHARS, |p| p.max_chars);
            let texts = match value {
                PropertyValue::Text(text) => std::slice::from_ref(text),
                PropertyValue::TextList(list) => list.as_slice(),
            };
            problems.extend(
                texts
                    .iter()
                    .filter_map(|text| check_text(name, text, max_chars).err()),
            );
        }
        problems
    }

    /// Adds every value to a JSON request body.
    pub(crate) fn write_into(&self, body: &mut Map<String, Value>) {
        for (&name, value) in &self.0 {
            let value = match value {
                PropertyValue::Text(text) => Value::from(text.as_str()),
                PropertyValue::TextList(list) => Value::from(list.clone()),
            };
            body.insert(name.to_owned(), value);
        }
    }
}

/// The message for a key no request property has, with the ones there are.
fn unknown_property(key: &str) -> String {
    let known: Vec<&str> = HAND_WRITTEN_PROPERTIES
        .iter()
        .copied()
        .chain(GENERATED.iter().map(|p| p.name))
        .collect();
    let suggestion = known
        .iter()
        .map(|name| (strsim::damerau_levenshtein(key, name), name))
        .filter(|(distance, name)| *distance <= (name.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| format!("; did you mean {name}?"))
        .unwrap_or_default();
    format!(
        "{}: unknown property{suggestion} The request properties are {}",
        quoted(key),
        known.join(", ")
    )
}

pub(crate) fn property(name: &str) -> Option<&'static GeneratedProperty> {
    GENERATED.iter().find(|property| property.name == name)
}

impl Serialize for GeneratedFields {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            match value {
                PropertyValue::Text(text) => map.serialize_entry(name, text)?,
                PropertyValue::TextList(list) => map.serialize_entry(name, list)?,
            }
        }
        map.end()
    }
}

/// Reads the generated properties out of the keys the named fields left;
/// other keys are ignored, as they are without generated properties.
impl<'de> Deserialize<'de> for GeneratedFields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> de::Visitor<'de> for FieldsVisitor {
    type Value = GeneratedFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the properties of an update")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<GeneratedFields, A::Error> {
        let mut fields = GeneratedFields::default();
        while let Some(key) = map.next_key::<String>()? {
            let Some(property) = property(&key) else {
                // A misspelt or unknown key would be dropped silently and
                // the update sent without it: refuse it, naming the key.
                return Err(de::Error::custom(unknown_property(&key)));
            };
            match property.shape {
                PropertyShape::Text => fields.set_text(property.name, map.next_value()?),
                PropertyShape::TextList => fields.set_list(property.name, map.next_value()?),
            }
        }
        Ok(fields)
    }
}
