//! One row of an input file, checked with the library's own validation.

use upheal_provider_users::{Error, NoteIdentifier, Npi, ProviderUserId, ProviderUserUpdate};

/// A row that passed every check, ready to send.
#[derive(Clone, Debug)]
pub struct InputRow {
    /// The file's line number (1-based), used in every report.
    pub line: u64,
    pub id: ProviderUserId,
    pub update: ProviderUserUpdate,
}

/// Something wrong with a row, with its line, field and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(line: u64, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    fn from_error(line: u64, error: &Error) -> Self {
        Self::new(line, error.field().unwrap_or("row"), error.message())
    }
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
}

/// The column names, as in the API.
pub const COLUMNS: [&str; 6] = [
    "providerUserId",
    "partnerUserId",
    "nationalProviderIdentifier",
    "therapyLicence",
    "noteIdentifier",
    "defaultNoteTemplateIds",
];

impl RawRow {
    /// Checks every cell, reporting all problems rather than the first.
    pub fn check(self, line: u64) -> Result<InputRow, Vec<Problem>> {
        let mut problems = Vec::new();
        let id = self.id(line).map_err(|p| problems.push(p)).ok();
        let mut update = ProviderUserUpdate::new();
        if let Some(text) = non_empty(self.national_provider_identifier) {
            match Npi::new(&text) {
                Ok(npi) => update = update.national_provider_identifier(npi),
                Err(e) => problems.push(Problem::from_error(line, &e)),
            }
        }
        if let Some(text) = non_empty(self.note_identifier) {
            match text.parse::<NoteIdentifier>() {
                Ok(value) => update = update.note_identifier(value),
                Err(e) => problems.push(Problem::from_error(line, &e)),
            }
        }
        if let Some(licence) = non_empty(self.therapy_licence) {
            update = update.therapy_licence(licence);
        }
        if let Some(ids) = self.default_note_template_ids {
            update = update.default_note_template_ids(ids);
        }
        if let Err(e) = update.validate() {
            problems.push(Problem::from_error(line, &e));
        }
        match id {
            Some(id) if problems.is_empty() => Ok(InputRow { line, id, update }),
            _ => Err(problems),
        }
    }

    fn id(&self, line: u64) -> Result<ProviderUserId, Problem> {
        let upheal = self.provider_user_id.as_deref().filter(|s| !s.is_empty());
        let partner = self.partner_user_id.as_deref().filter(|s| !s.is_empty());
        let parsed = match (upheal, partner) {
            (Some(_), Some(_)) => {
                return Err(Problem::new(
                    line,
                    "providerUserId",
                    "give either providerUserId or partnerUserId, not both",
                ));
            }
            (None, None) => {
                return Err(Problem::new(
                    line,
                    "providerUserId",
                    "every row needs a providerUserId (Upheal UUID) or a partnerUserId",
                ));
            }
            (Some(text), None) => text.parse::<ProviderUserId>(),
            (None, Some(text)) => ProviderUserId::partner(text),
        };
        parsed.map_err(|e| Problem::from_error(line, &e))
    }
}

fn non_empty(cell: Option<String>) -> Option<String> {
    cell.filter(|text| !text.is_empty())
}
