//! "Did you mean …?" for column names typed by hand.

use crate::{found::Found, input_row::columns, problem::Problem};

/// A column (CSV) or field (JSON Lines) that is not read. One that names a
/// field the way people name it (`NPI`, `license`, `partnerId`,
/// `templateIds`) or looks like a known name misspelt (case, separators,
/// two letters off) is a problem: its data would be dropped without a
/// word, so nothing is sent until it is renamed. One that holds a field's
/// whole name among other words (`oldPartnerUserId`, `therapyLicenceNo`)
/// is something else that mentions the field, and one unlike any field is
/// an export's extra column: both are notes.
pub fn unknown_name(found: &mut Vec<Found>, line: u64, kind: &str, name: &str) {
    let field = if kind == "column" { "header" } else { "row" };
    let columns = columns();
    let shown = crate::shown::shown_name(name);
    if let Some(meant) = synonym_of(name, &columns) {
        found.push(Found::Problem(Problem::new(
            line,
            field,
            format!(
                "{kind} `{shown}` is a common name for `{meant}`, and its values would be \
                 dropped; rename it to `{meant}` (or, if it is something else, to a name \
                 unlike any field)"
            ),
        )));
    } else if let Some(inside) = contained_field(name, &columns) {
        found.push(Found::Note(Problem::new(
            line,
            field,
            format!(
                "{kind} `{shown}` is ignored: it names `{inside}` among other words; rename \
                 it to `{inside}` if it holds that field"
            ),
        )));
    } else if let Some(known) = closest(name, &columns) {
        found.push(Found::Problem(Problem::new(
            line,
            field,
            format!(
                "{kind} `{shown}` looks like `{known}` misspelt, and its values would be \
                 dropped; rename it to `{known}` (or, if it is something else, to a \
                 name unlike any field)"
            ),
        )));
    } else {
        found.push(Found::Note(Problem::new(
            line,
            field,
            format!(
                "unknown {kind} `{shown}` is ignored (the {kind}s read are {})",
                columns.join(", ")
            ),
        )));
    }
}

/// The names people give each field in their own exports, compared without
/// case or separators (see [`comparable`]).
const SYNONYMS: [(&str, &[&str]); 6] = [
    (
        "providerUserId",
        &[
            "providerId",
            "uphealId",
            "uphealUserId",
            "uphealUuid",
            "userId",
            "uuid",
            "providerUuid",
        ],
    ),
    (
        "partnerUserId",
        &[
            "partnerId",
            "externalId",
            "externalUserId",
            "partnerProviderId",
            "ehrId",
            "ehrUserId",
        ],
    ),
    (
        "nationalProviderIdentifier",
        &[
            "npi",
            "nationalProviderId",
            "npiNumber",
            "nationalProviderNumber",
            "providerNpi",
        ],
    ),
    (
        "therapyLicence",
        &[
            "licence",
            "license",
            "licenceNumber",
            "licenseNumber",
            "therapyLicenseNumber",
            "therapyLicenceNumber",
            "licenceNo",
            "licenseNo",
        ],
    ),
    (
        "noteIdentifier",
        &[
            "note",
            "noteId",
            "noteType",
            "noteTitle",
            "identifier",
            "noteName",
        ],
    ),
    (
        "defaultNoteTemplateIds",
        &[
            "templateIds",
            "noteTemplateIds",
            "templates",
            "noteTemplates",
            "defaultTemplateIds",
            "defaultTemplates",
            "templateId",
            "noteTemplateId",
        ],
    ),
];

/// The field `typed` is a common name for, if it is one (and the field is
/// read).
fn synonym_of<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed = comparable(typed);
    let (field, _) = SYNONYMS
        .iter()
        .find(|(_, names)| names.iter().any(|name| comparable(name) == typed))?;
    known.iter().find(|name| *name == field).copied()
}

/// The known field whose whole name `typed` holds among other words.
fn contained_field<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed = comparable(typed);
    known
        .iter()
        .filter(|name| {
            let name = comparable(name);
            typed != name && typed.contains(&name)
        })
        .max_by_key(|name| name.len())
        .copied()
}

/// The known name closest to `typed`, when it is close enough to be a typo
/// (`therapyLicense` → `therapyLicence`, `Therapy licence` →
/// `therapyLicence`, `parentUserId` → nothing): compared without case,
/// spaces, `-`, `_` or `.`, within two edits (a swap of two letters is
/// one). Three was too many: `parentUserId` is another word, not
/// `partnerUserId` misspelt.
pub fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed = comparable(typed);
    known
        .iter()
        .map(|name| {
            (
                strsim::damerau_levenshtein(&typed, &comparable(name)),
                *name,
            )
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

fn comparable(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn common_names_mean_their_field_and_longer_names_only_mention_it() {
        let known = super::super::input_row::columns();
        for (typed, meant) in [
            ("NPI", "nationalProviderIdentifier"),
            ("npi", "nationalProviderIdentifier"),
            ("nationalProviderId", "nationalProviderIdentifier"),
            ("licence", "therapyLicence"),
            ("License", "therapyLicence"),
            ("partnerId", "partnerUserId"),
            ("templateIds", "defaultNoteTemplateIds"),
            ("noteTemplateIds", "defaultNoteTemplateIds"),
            ("Provider ID", "providerUserId"),
        ] {
            assert_eq!(super::synonym_of(typed, &known), Some(meant), "{typed}");
        }
        for (typed, inside) in [
            ("oldPartnerUserId", "partnerUserId"),
            ("partnerUserIdOld", "partnerUserId"),
            ("therapyLicenceNo", "therapyLicence"),
        ] {
            assert_eq!(super::synonym_of(typed, &known), None, "{typed}");
            assert_eq!(
                super::contained_field(typed, &known),
                Some(inside),
                "{typed}"
            );
        }
        assert_eq!(closest("parentUserId", &known), None, "another word");
    }

    #[test]
    fn typos_are_matched_and_strangers_are_not() {
        let known = ["therapyLicence", "noteIdentifier"];
        assert_eq!(closest("therapyLicense", &known), Some("therapyLicence"));
        assert_eq!(closest("NoteIdentifer", &known), Some("noteIdentifier"));
        assert_eq!(closest("Therapy_Licence", &known), Some("therapyLicence"));
        assert_eq!(closest("note-identifier", &known), Some("noteIdentifier"));
        assert_eq!(closest("comments", &known), None);
    }
}
