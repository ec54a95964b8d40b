//! The dual id of a provider user: Upheal's UUID or the partner's own id.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::{errors::Error, generated::types::ProviderUser, values::quoted_value::quoted};

/// The path parameter's wire name, used in every error about it.
pub(crate) const FIELD: &str = "providerUserId";
/// A sanity bound, not a published limit: longer ids are almost certainly a
/// mistake (a whole CSV line pasted into one cell).
pub const MAX_PARTNER_ID_CHARS: usize = 256;

/// Which user an update addresses: Upheal's internal UUID, or the
/// `partnerUserId` the partner set when creating the user.
///
/// Upheal resolves either form in the same path segment; the partner form
/// "may result in slightly higher latency due to an additional lookup".
/// After every call the client checks that the returned user is the one
/// addressed (`userId` for the Upheal form, `partnerUserId` for the partner
/// form) and fails with [`crate::ErrorKind::IdentityMismatch`] otherwise.
///
/// ```
/// use upheal_provider_users::ProviderUserId;
///
/// let by_partner = ProviderUserId::partner("ext-42")?;
/// let by_upheal: ProviderUserId = "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b".parse()?;
/// assert!(by_partner.as_partner().is_some());
/// assert!(by_upheal.as_upheal().is_some());
///
/// // `..` would address another resource once the URL is normalised.
/// assert!(ProviderUserId::partner("..").is_err());
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProviderUserId(Form);

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Form {
    Upheal(Uuid),
    Partner(String),
}

impl ProviderUserId {
    /// Addresses a user by Upheal's internal UUID.
    pub fn upheal(id: Uuid) -> Self {
        Self(Form::Upheal(id))
    }

    /// Addresses a user by the partner's own id (`partnerUserId`).
    ///
    /// Refused, with nothing sent: an empty id, `.` or `..` (URL normalisation
    /// would turn them into another path), control characters, `\` (which
    /// URL parsers treat as `/`), leading or trailing whitespace, and ids
    /// longer than [`MAX_PARTNER_ID_CHARS`] characters. Every other character,
    /// `/`, `?`, `#` and non-ASCII included, is percent-encoded on the wire.
    pub fn partner(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        check_partner_id(&id)?;
        Ok(Self(Form::Partner(id)))
    }

    /// The UUID, when this addresses the user by Upheal's id.
    pub fn as_upheal(&self) -> Option<Uuid> {
        match &self.0 {
            Form::Upheal(id) => Some(*id),
            Form::Partner(_) => None,
        }
    }

    /// The partner's id, when this addresses the user by `partnerUserId`.
    pub fn as_partner(&self) -> Option<&str> {
        match &self.0 {
            Form::Partner(id) => Some(id),
            Form::Upheal(_) => None,
        }
    }

    /// `"upheal"` or `"partner"`: safe to log, unlike the id itself.
    pub fn form(&self) -> &'static str {
        match self.0 {
            Form::Upheal(_) => "upheal",
            Form::Partner(_) => "partner",
        }
    }

    /// Whether `user` is the user this id addresses.
    pub fn identifies(&self, user: &ProviderUser) -> bool {
        match &self.0 {
            Form::Upheal(id) => Uuid::try_parse(&user.user_id).is_ok_and(|got| got == *id),
            Form::Partner(id) => user.partner_user_id.as_deref() == Some(id.as_str()),
        }
    }
}

fn check_partner_id(id: &str) -> Result<(), Error> {
    let rule = if id.is_empty() {
        Some("must not be empty".to_owned())
    } else if id == "." || id == ".." {
        Some(format!(
            "`{id}` is a path segment that URL normalisation would remove"
        ))
    } else if let Some(c) = id.chars().find(|c| c.is_control()) {
        Some(format!("must not contain control characters (found {c:?})"))
    } else if let Some(hidden) = crate::values::hidden_character::hidden_character(id) {
        Some(format!(
            "must not contain invisible or direction-changing characters (found {})",
            crate::values::hidden_character::describe(hidden)
        ))
    } else if id.contains('\\') {
        Some("must not contain `\\`, which URL parsers read as `/`".to_owned())
    } else if id.trim() != id {
        Some(format!(
            "`{}` has leading or trailing whitespace",
            quoted(id)
        ))
    } else if id.chars().count() > MAX_PARTNER_ID_CHARS {
        Some(format!(
            "is {} characters long; at most {MAX_PARTNER_ID_CHARS} are accepted",
            id.chars().count()
        ))
    } else {
        None
    };
    rule.map_or(Ok(()), |rule| Err(Error::invalid_input(FIELD, rule)))
}

/// Any text the `uuid` crate reads as a UUID is the Upheal form: hyphenated
/// in either case (`6F1C2A7E-…`), simple (32 hex digits), braced
/// (`{6f1c…}`) or `urn:uuid:…` (its prefix in any case, as RFC 9562 allows:
/// the `uuid` crate reads it only in lower case, and a spreadsheet's
/// `UPPER()` writes `URN:UUID:`). It goes on the wire as the canonical
/// lower-case hyphenated text. Anything else is the partner form, validated
/// as in [`ProviderUserId::partner`].
///
/// Why every form: Upheal resolves a path segment as a UUID first, so a
/// UUID written another way would reach the same user *by UUID* whatever
/// this crate called it, and a partner-form call would then fail its
/// identity check after the update was applied.
///
/// A partner whose own `partnerUserId`s look like UUIDs must call
/// [`ProviderUserId::partner`] explicitly, and accept the risk that Upheal
/// may resolve such an id as an Upheal UUID (how it decides is not
/// published); the identity check then reports
/// [`crate::ErrorKind::IdentityMismatch`] rather than hiding it.
///
/// ```
/// use upheal_provider_users::ProviderUserId;
///
/// for text in [
///     "6F1C2A7E-3B4D-4E5F-8A9B-0C1D2E3F4A5B",
///     "6f1c2a7e3b4d4e5f8a9b0c1d2e3f4a5b",
///     "{6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b}",
///     "urn:uuid:6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
///     "URN:UUID:6F1C2A7E-3B4D-4E5F-8A9B-0C1D2E3F4A5B",
/// ] {
///     let id: ProviderUserId = text.parse()?;
///     assert_eq!(id.to_string(), "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
/// }
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
impl FromStr for ProviderUserId {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match uuid_in_any_form(text) {
            Some(id) => Ok(Self::upheal(id)),
            None => Self::partner(text),
        }
    }
}

/// What the `uuid` crate reads, with the `urn:uuid:` prefix in any case.
fn uuid_in_any_form(text: &str) -> Option<Uuid> {
    const URN: &str = "urn:uuid:";
    match text.get(..URN.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(URN) && prefix != URN => {
            Uuid::try_parse(&format!("{URN}{}", &text[URN.len()..])).ok()
        }
        _ => Uuid::try_parse(text).ok(),
    }
}

/// The raw id, as it goes (percent-encoded) into the path.
impl ProviderUserId {
    /// The id as the request's path carries it (before percent-encoding),
    /// as [`Display`](fmt::Display) writes it, without allocating: a UUID
    /// is written into `buffer`, a partner id is borrowed.
    pub(crate) fn path_text<'a>(
        &'a self,
        buffer: &'a mut [u8; uuid::fmt::Hyphenated::LENGTH],
    ) -> &'a str {
        match &self.0 {
            Form::Upheal(id) => id.hyphenated().encode_lower(buffer),
            Form::Partner(id) => id,
        }
    }
}

impl fmt::Display for ProviderUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Form::Upheal(id) => fmt::Display::fmt(&id.hyphenated(), f),
            Form::Partner(id) => f.write_str(id),
        }
    }
}

impl From<Uuid> for ProviderUserId {
    fn from(id: Uuid) -> Self {
        Self::upheal(id)
    }
}

impl Serialize for ProviderUserId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reads text with the [`FromStr`] rules.
impl<'de> Deserialize<'de> for ProviderUserId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ProviderUserId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ProviderUserId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "The provider user's internal Upheal UUID or the partner's partnerUserId (external ID) set during user creation.",
            "minLength": 1,
            "maxLength": MAX_PARTNER_ID_CHARS,
        })
    }
}
