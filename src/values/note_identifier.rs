//! How a provider is referred to in generated notes.
//!
//! Forward compatible in the async-stripe way: values this version does not
//! know decode into [`NoteIdentifier::Unknown`] instead of failing a whole
//! response, while a request carrying one is refused before it is sent.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{errors::Error, values::quoted_value::quoted};

/// Declares the known values once: the enum, [`NoteIdentifier::ALL`] and the
/// wire spelling all come from one list, which `build.rs` writes from the
/// fragment's `NoteIdentifier` enum, so a new value is a spec-only change.
macro_rules! note_identifiers {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal),+ $(,)?) => {
        /// How the provider is referred to in generated notes.
        ///
        /// Variants are named like the wire values. Parsing user input
        /// with [`FromStr`] ignores case, spaces, `-` and `_`
        /// (`"dr last name"` is [`NoteIdentifier::DrLastName`]) and suggests
        /// the closest value on a typo.
        ///
        /// ```
        /// use upheal_provider_users::NoteIdentifier;
        ///
        /// let parsed: NoteIdentifier = "case_manager".parse()?;
        /// assert_eq!(parsed, NoteIdentifier::CaseManager);
        /// assert_eq!(parsed.as_str(), "CaseManager");
        ///
        /// let typo = "Councelor".parse::<NoteIdentifier>().unwrap_err();
        /// assert!(typo.to_string().contains("did you mean `Counselor`"));
        /// # Ok::<(), upheal_provider_users::Error>(())
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum NoteIdentifier {
            $($(#[$doc])* $variant,)+
            /// A value this version of the crate does not know, kept as
            /// received so that a response never fails to decode because
            /// Upheal added a value. Sending it is refused.
            ///
            /// **Match on the wire value, not on this variant's content.**
            /// When a later version of the crate learns the value (a
            /// fragment change adds, say, `Nurse`), it decodes into a new
            /// variant instead, and `Unknown(s) if s == "Nurse"` silently
            /// stops matching; no compiler or semver tool can warn you.
            /// [`Self::as_str`] gives the same answer in both versions:
            ///
            /// ```
            /// use upheal_provider_users::NoteIdentifier;
            ///
            /// fn is_nurse(value: &NoteIdentifier) -> bool {
            ///     value.as_str() == "Nurse" // not: matches!(value, NoteIdentifier::Unknown(s) if s == "Nurse")
            /// }
            /// let received: NoteIdentifier = serde_json::from_str("\"Nurse\"").unwrap();
            /// assert!(is_nurse(&received));
            /// ```
            Unknown(String),
        }

        impl NoteIdentifier {
            /// Every value this version knows, in the documentation's order.
            pub const ALL: &'static [NoteIdentifier] = &[$(NoteIdentifier::$variant),+];

            /// The exact wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(value) => value,
                }
            }

            /// The value for an exact wire spelling, [`Self::Unknown`] otherwise.
            fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/note_identifier_values.rs"));

/// The field's wire name, used in every error about it.
pub(crate) const FIELD: &str = "noteIdentifier";

impl NoteIdentifier {
    /// Whether this version knows the value (it is not [`Self::Unknown`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }

    /// Refuses [`Self::Unknown`], which Upheal would reject anyway.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match self {
            Self::Unknown(value) => Err(unknown_value_error(value)),
            _ => Ok(()),
        }
    }
}

/// Folds the spellings people type: any case, with or without separators.
fn fold(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn closest_known(value: &str) -> Option<&'static str> {
    // A typo is a few edits from a value; a long text is none (and its
    // edit distance would cost time proportional to its length).
    if value.chars().count() > 64 {
        return None;
    }
    let folded = fold(value);
    NoteIdentifier::ALL
        .iter()
        .map(|known| {
            (
                known.as_str(),
                strsim::levenshtein(&folded, &fold(known.as_str())),
            )
        })
        .min_by_key(|&(_, distance)| distance)
        .filter(|&(name, distance)| distance <= (name.len() / 3).max(2))
        .map(|(name, _)| name)
}

fn unknown_value_error(value: &str) -> Error {
    let valid = NoteIdentifier::ALL
        .iter()
        .map(NoteIdentifier::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = closest_known(value)
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_else(|| ".".to_owned());
    Error::invalid_input(
        FIELD,
        format!(
            "`{}` is not a note identifier{suggestion} Valid values: {valid}",
            quoted(value)
        ),
    )
}

impl FromStr for NoteIdentifier {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let folded = fold(input);
        Self::ALL
            .iter()
            .find(|known| fold(known.as_str()) == folded)
            .cloned()
            .ok_or_else(|| unknown_value_error(input))
    }
}

impl fmt::Display for NoteIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for NoteIdentifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads what [`FromStr`] reads (any case, with or without separators), so
/// a value means the same from JSON as from text; anything else is kept
/// as [`NoteIdentifier::Unknown`] (a response never fails on a new value).
impl<'de> Deserialize<'de> for NoteIdentifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let exact = Self::from_wire(&value);
        if exact.is_known() {
            return Ok(exact);
        }
        Ok(value.parse().unwrap_or(exact))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for NoteIdentifier {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NoteIdentifier".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let values: Vec<&str> = Self::ALL.iter().map(Self::as_str).collect();
        schemars::json_schema!({
            "type": "string",
            "description": "How the provider is referred to in generated notes.",
            "enum": values,
        })
    }
}
