//! The request properties with hand-written setters and rules, by their
//! wire names: what the update sets by hand and what the generated
//! properties' did-you-mean lists beside their own names.

pub(crate) const NPI: &str = crate::values::npi::FIELD;
pub(crate) const THERAPY_LICENCE: &str = "therapyLicence";
pub(crate) const NOTE_IDENTIFIER: &str = crate::values::note_identifier::FIELD;
pub(crate) const TEMPLATE_IDS: &str = "defaultNoteTemplateIds";

/// The request properties with hand-written setters, as on the wire.
pub(crate) const HAND_WRITTEN_PROPERTIES: [&str; 4] =
    [NPI, THERAPY_LICENCE, NOTE_IDENTIFIER, TEMPLATE_IDS];
