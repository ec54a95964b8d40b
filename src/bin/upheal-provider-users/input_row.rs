//! One row of an input file, checked with the library's own validation.

use upheal_provider_users::{
    NoteIdentifier, Npi, PropertyShape, ProviderUserId, ProviderUserUpdate,
};

use crate::{problem::Problem, update_fingerprint::UpdateFingerprint};

/// A row that passed every check, ready to send.
#[derive(Clone, Debug)]
pub struct InputRow {
    /// The line the row starts on, as an editor shows it.
    pub line: u64,
    pub id: ProviderUserId,
    /// The id as the file writes it, for messages the user searches for.
    pub id_text: String,
    pub update: ProviderUserUpdate,
    /// What resume compares: the provider and the normalised update.
    pub fingerprint: UpdateFingerprint,
}

/// A row's cells as text, whatever the file format: `None` or an empty cell
/// means "leave unchanged".
#[derive(Debug, Default)]
pub struct RawRow {
    pub provider_user_id: Option<String>,
    pub partner_user_id: Option<String>,
    pub national_provider_identifier: Option<String>,
    pub therapy_licence: Option<String>,
    pub note_identifier: Option<String>,
    /// `Some(vec![])` clears the list.
    pub default_note_template_ids: Option<Vec<String>>,
    /// The non-empty cells of [generated properties' columns](generated_columns).
    pub generated: Vec<(&'static str, GeneratedCell)>,
}

/// A cell of a generated property's column.
#[derive(Debug)]
pub enum GeneratedCell {
    Text(String),
    /// `vec![]` clears the list.
    List(Vec<String>),
}

/// The columns the CLI reads with its own rules, as in the API.
const HAND_WRITTEN_COLUMNS: [&str; 6] = [
    "providerUserId",
    "partnerUserId",
    "nationalProviderIdentifier",
    "therapyLicence",
    "noteIdentifier",
    "defaultNoteTemplateIds",
];

/// Every column read: the hand-written ones, then one per request property
/// with a generated setter (a property the fragment adds is a column the
/// day it is added).
pub fn columns() -> Vec<&'static str> {
    HAND_WRITTEN_COLUMNS
        .into_iter()
        .chain(generated_columns().map(|(name, _)| name))
        .collect()
}

/// The columns of request properties with generated setters, and whether
/// each takes a list.
pub fn generated_columns() -> impl Iterator<Item = (&'static str, bool)> {
    ProviderUserUpdate::generated_properties()
        .iter()
        .map(|property| (property.name, property.shape == PropertyShape::TextList))
}

impl RawRow {
    /// Whether every cell is empty: a spreadsheet's blank row, not an update.
    pub fn is_blank(&self) -> bool {
        let empty = |cell: &Option<String>| cell.as_deref().is_none_or(str::is_empty);
        empty(&self.provider_user_id)
            && empty(&self.partner_user_id)
            && empty(&self.national_provider_identifier)
            && empty(&self.therapy_licence)
            && empty(&self.note_identifier)
            && self.default_note_template_ids.is_none()
            && self.generated.is_empty()
    }

    /// Checks every cell, reporting all problems rather than the first.
    pub fn check(self, line: u64) -> Result<InputRow, Vec<Problem>> {
        let mut problems = Vec::new();
        let id = self.id(line).map_err(|p| problems.push(p)).ok();
        let mut update = ProviderUserUpdate::new();
        if let Some(text) = non_empty(self.national_provider_identifier) {
            match Npi::new(&text) {
                Ok(npi) => update = update.national_provider_identifier(npi),
                Err(e) => problems.push(Problem::from_error(line, &e, &text)),
            }
        }
        if let Some(text) = non_empty(self.note_identifier) {
            match text.parse::<NoteIdentifier>() {
                Ok(value) => update = update.note_identifier(value),
                Err(e) => problems.push(Problem::from_error(line, &e, &text)),
            }
        }
        let licence = non_empty(self.therapy_licence);
        if let Some(licence) = &licence {
            update = update.therapy_licence(licence.as_str());
        }
        let templates = self.default_note_template_ids;
        if let Some(ids) = &templates {
            update = update.default_note_template_ids(ids.iter().map(String::as_str));
        }
        for (name, cell) in &self.generated {
            let set = match cell {
                GeneratedCell::Text(text) => update.clone().with_generated_text(name, text),
                GeneratedCell::List(items) => update.clone().with_generated_list(name, items),
            };
            match set {
                Ok(with_cell) => update = with_cell,
                Err(e) => problems.push(Problem::from_error(line, &e, &cell.to_string())),
            }
        }
        // Only when every cell read fine: a row whose one cell was refused
        // is told that, not also that it sets nothing.
        if problems.is_empty() && id.is_some() && update.is_empty() {
            problems.push(Problem::new(
                line,
                "row",
                format!(
                    "the row names a provider but sets no field, so it would send an empty \
                     update; fill at least one of {} (a column under another name is not \
                     read: see the notes)",
                    columns()[2..].join(", ")
                ),
            ));
        }
        if let Err(e) = update.validate() {
            let generated = self
                .generated
                .iter()
                .find(|(name, _)| e.field() == Some(name));
            let value = match (e.field(), generated) {
                (_, Some((_, cell))) => cell.to_string(),
                (Some("therapyLicence"), _) => licence.unwrap_or_default(),
                _ => templates.unwrap_or_default().join(";"),
            };
            problems.push(Problem::from_error(line, &e, &value));
        }
        match id {
            Some(id) if problems.is_empty() => Ok(InputRow {
                line,
                id_text: self
                    .provider_user_id
                    .filter(|text| !text.is_empty())
                    .or(self.partner_user_id)
                    .unwrap_or_default(),
                fingerprint: UpdateFingerprint::of(&id, &update),
                id,
                update,
            }),
            _ => Err(problems),
        }
    }

    fn id(&self, line: u64) -> Result<ProviderUserId, Problem> {
        let upheal = self.provider_user_id.as_deref().filter(|s| !s.is_empty());
        let partner = self.partner_user_id.as_deref().filter(|s| !s.is_empty());
        match (upheal, partner) {
            (Some(_), Some(_)) => Err(Problem::new(
                line,
                "providerUserId",
                "give either providerUserId or partnerUserId, not both",
            )),
            (None, None) => Err(Problem::new(
                line,
                "providerUserId",
                "every row needs a providerUserId (Upheal UUID) or a partnerUserId",
            )),
            (Some(text), None) => upheal_id(line, text),
            // The library names the path parameter; the user typed the
            // value in the partnerUserId column.
            (None, Some(text)) => ProviderUserId::partner(text).map_err(|e| Problem {
                field: "partnerUserId".to_owned(),
                ..Problem::from_error(line, &e, text)
            }),
        }
    }
}

/// The `providerUserId` column holds Upheal's UUID, in any form the library
/// reads as one; a partner id there would be sent as one, so it is refused.
fn upheal_id(line: u64, text: &str) -> Result<ProviderUserId, Problem> {
    text.parse::<ProviderUserId>()
        .ok()
        .filter(|id| id.as_upheal().is_some())
        .ok_or_else(|| {
            Problem::new(
                line,
                "providerUserId",
                format!(
                    "`{text}` is not an Upheal UUID; if it is your own id for the provider, \
                     put it in the partnerUserId column"
                ),
            )
        })
}

fn non_empty(cell: Option<String>) -> Option<String> {
    cell.filter(|text| !text.is_empty())
}

impl std::fmt::Display for GeneratedCell {
    /// As a CSV cell writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::List(items) => f.write_str(&items.join(";")),
        }
    }
}
