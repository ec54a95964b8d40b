//! The attributes one update changes, built fluently and validated before I/O.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub use crate::values::text_rules::MAX_TEXT_CHARS;
use crate::{
    errors::Error,
    generated::types::UpdateProviderUserRequest,
    values::{
        fragment_constraint,
        generated_property::GeneratedFields,
        note_identifier::NoteIdentifier,
        npi::Npi,
        request_property::{NPI, TEMPLATE_IDS, THERAPY_LICENCE},
        text_rules::check_text,
        validated_request::ValidatedRequest,
    },
};

/// What to change on a provider user. Every field is optional: an unset field
/// is absent from the request and Upheal leaves it unchanged.
///
/// The setters never fail, so an update reads like the data it sends; the
/// checks run in [`ProviderUserUpdate::validate`], which
/// [`Client::update_provider_user`](crate::Client::update_provider_user)
/// calls before sending anything. A value is checked once: the wire
/// request it was checked into is kept with it until a setter changes it,
/// so one update sent to many providers is checked and copied once.
///
/// ```
/// use upheal_provider_users::{NoteIdentifier, Npi, ProviderUserUpdate};
///
/// let update = ProviderUserUpdate::new()
///     .note_identifier(NoteIdentifier::Clinician)
///     .national_provider_identifier(Npi::new("1234567893")?)
///     .default_note_template_ids(Vec::<String>::new()); // clears the list
/// assert_eq!(
///     serde_json::to_string(&update).unwrap(),
///     r#"{"nationalProviderIdentifier":"1234567893","noteIdentifier":"Clinician","defaultNoteTemplateIds":[]}"#
/// );
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderUserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    national_provider_identifier: Option<Npi>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    therapy_licence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note_identifier: Option<NoteIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_note_template_ids: Option<Vec<String>>,
    /// Request properties with setters generated from the fragment.
    #[serde(flatten)]
    pub(crate) generated: GeneratedFields,
    /// The request this update was checked into (see
    /// [`Self::validated_request`]); every setter forgets it.
    #[serde(skip)]
    validated: ValidatedRequest,
}

impl std::fmt::Debug for ProviderUserUpdate {
    /// The fields it sets (not whether it was checked yet).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderUserUpdate")
            .field(
                "national_provider_identifier",
                &self.national_provider_identifier,
            )
            .field("therapy_licence", &self.therapy_licence)
            .field("note_identifier", &self.note_identifier)
            .field("default_note_template_ids", &self.default_note_template_ids)
            .field("generated", &self.generated)
            .finish()
    }
}

impl ProviderUserUpdate {
    /// An update that changes nothing (sent as `{}`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the National Provider Identifier.
    pub fn national_provider_identifier(mut self, npi: Npi) -> Self {
        self.validated.forget();
        self.national_provider_identifier = Some(npi);
        self
    }

    /// Sets the therapy licence number.
    pub fn therapy_licence(mut self, licence: impl Into<String>) -> Self {
        self.validated.forget();
        self.therapy_licence = Some(licence.into());
        self
    }

    /// Sets how the provider is referred to in generated notes.
    pub fn note_identifier(mut self, note_identifier: NoteIdentifier) -> Self {
        self.validated.forget();
        self.note_identifier = Some(note_identifier);
        self
    }

    /// Replaces the default note template ids; an empty list clears them.
    pub fn default_note_template_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.validated.forget();
        self.default_note_template_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Clears the default note template ids (sends `[]`). The same as
    /// `.default_note_template_ids(Vec::<String>::new())`, without the type
    /// annotation an empty array literal would need.
    pub fn clear_default_note_template_ids(mut self) -> Self {
        self.validated.forget();
        self.default_note_template_ids = Some(Vec::new());
        self
    }

    /// The NPI to set, if any.
    pub fn get_national_provider_identifier(&self) -> Option<&Npi> {
        self.national_provider_identifier.as_ref()
    }

    /// The therapy licence to set, if any.
    pub fn get_therapy_licence(&self) -> Option<&str> {
        self.therapy_licence.as_deref()
    }

    /// The note identifier to set, if any.
    pub fn get_note_identifier(&self) -> Option<&NoteIdentifier> {
        self.note_identifier.as_ref()
    }

    /// The template ids to set, if any (`Some(&[])` clears them).
    pub fn get_default_note_template_ids(&self) -> Option<&[String]> {
        self.default_note_template_ids.as_deref()
    }

    /// Whether the update sets no field at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Checks every field without any I/O; the error names the field and the
    /// rule. Refused: an unknown note identifier, a blank or overlong therapy
    /// licence, template ids that are blank, overlong, contain control
    /// characters or repeat, and [generated properties](Self::generated_properties)
    /// that break the same text rules. (The NPI was checked when it was built.)
    pub fn validate(&self) -> Result<(), Error> {
        match self.problems().into_iter().next() {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    /// Every problem of the update, not only the first: for a tool that
    /// checks all rows of a file before sending any, and reports them
    /// together. Empty when [`Self::validate`] passes.
    ///
    /// ```
    /// use upheal_provider_users::ProviderUserUpdate;
    ///
    /// let update = ProviderUserUpdate::new()
    ///     .therapy_licence(" ")
    ///     .default_note_template_ids(["tpl-1", "", "tpl-1"]);
    /// let problems = update.problems();
    /// let fields: Vec<_> = problems.iter().filter_map(|e| e.field()).collect();
    /// assert_eq!(fields, ["therapyLicence", "defaultNoteTemplateIds", "defaultNoteTemplateIds"]);
    /// ```
    pub fn problems(&self) -> Vec<Error> {
        let mut problems = Vec::new();
        if let Some(Err(e)) = self.note_identifier.as_ref().map(NoteIdentifier::validate) {
            problems.push(e);
        }
        if let Some(Err(e)) = self
            .national_provider_identifier
            .as_ref()
            .map(|npi| fragment_constraint::check(NPI, npi.as_str()))
        {
            problems.push(e);
        }
        if let Some(Err(e)) = self
            .therapy_licence
            .as_deref()
            .map(|licence| check_text(THERAPY_LICENCE, licence, MAX_TEXT_CHARS))
        {
            problems.push(e);
        }
        if let Some(ids) = &self.default_note_template_ids {
            problems.extend(template_id_problems(ids));
        }
        problems.extend(self.generated.problems());
        problems
    }

    /// The generated wire request, after [`Self::validate`].
    pub fn to_request(&self) -> Result<UpdateProviderUserRequest, Error> {
        self.validated_request().cloned()
    }

    /// The generated wire request, checked and built on first use and kept
    /// until the update changes: what the client sends, without checking
    /// and copying the same update again on every call.
    pub(crate) fn validated_request(&self) -> Result<&UpdateProviderUserRequest, Error> {
        self.validated.get_or_build(|| self.build_request())
    }

    /// The field a generated setter changes (the kept request is dropped).
    pub(crate) fn generated_mut(&mut self) -> &mut GeneratedFields {
        self.validated.forget();
        &mut self.generated
    }

    #[allow(clippy::needless_update)]
    fn build_request(&self) -> Result<UpdateProviderUserRequest, Error> {
        self.validate()?;
        let request = UpdateProviderUserRequest {
            default_note_template_ids: self.default_note_template_ids.clone(),
            national_provider_identifier: self
                .national_provider_identifier
                .as_ref()
                .map(|npi| npi.as_str().to_owned()),
            note_identifier: self.note_identifier.clone(),
            therapy_licence: self.therapy_licence.clone(),
            ..UpdateProviderUserRequest::default()
        };
        if self.generated.is_empty() {
            return Ok(request);
        }
        with_generated_fields(request, &self.generated)
    }
}

/// Adds the generated properties through the request's JSON form: their
/// fields in the generated type are not known to hand-written code, and
/// the type reads them from JSON like any body.
fn with_generated_fields(
    request: UpdateProviderUserRequest,
    generated: &GeneratedFields,
) -> Result<UpdateProviderUserRequest, Error> {
    let mut body = match serde_json::to_value(request) {
        Ok(serde_json::Value::Object(body)) => body,
        _ => serde_json::Map::new(),
    };
    generated.write_into(&mut body);
    serde_json::from_value(serde_json::Value::Object(body)).map_err(|e| {
        Error::invalid_input(
            "request",
            format!("the generated request type refused a generated property ({e})"),
        )
    })
}

/// Lists up to this long are searched for repeats without a hash set (the
/// usual few ids then cost no allocation and no hashing).
const SHORT_LIST: usize = 16;

fn template_id_problems<'a>(ids: &'a [String]) -> Vec<Error> {
    let mut seen = HashSet::with_capacity(if ids.len() > SHORT_LIST { ids.len() } else { 0 });
    let mut repeated = |index: usize, id: &'a String| {
        if ids.len() > SHORT_LIST {
            !seen.insert(id.as_str())
        } else {
            ids[..index].contains(id)
        }
    };
    let mut problems = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        if let Err(e) = check_text(TEMPLATE_IDS, id, MAX_TEXT_CHARS) {
            problems.push(e);
        } else if repeated(index, id) {
            problems.push(Error::invalid_input(
                TEMPLATE_IDS,
                format!("`{id}` appears more than once"),
            ));
        }
    }
    problems
}
