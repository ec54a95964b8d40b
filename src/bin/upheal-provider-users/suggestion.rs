//! "Did you mean …?" for column names typed by hand.

use crate::{input_file::Scan, input_row::columns, problem::Problem};

/// A column (CSV) or field (JSON Lines) that is not read. One that looks
/// like a known name misspelt (case, separators, a few letters off) is a
/// problem: its data would be dropped without a word, so nothing is sent
/// until it is renamed. One unlike any field is only a note (an export's
/// extra columns are normal).
pub fn unknown_name(scan: &mut Scan, line: u64, kind: &str, name: &str) {
    let field = if kind == "column" { "header" } else { "row" };
    let columns = columns();
    match closest(name, &columns) {
        Some(known) => scan.problems.push(Problem::new(
            line,
            field,
            format!(
                "{kind} `{name}` looks like `{known}` misspelt, and its values would be \
                 dropped; rename it to `{known}` (or, if it is something else, to a \
                 name unlike any field)"
            ),
        )),
        None => scan.notes.push(Problem::new(
            line,
            field,
            format!(
                "unknown {kind} `{name}` is ignored (the {kind}s read are {})",
                columns.join(", ")
            ),
        )),
    }
}

/// The known name closest to `typed`, when it is close enough to be a typo
/// (`therapyLicense` → `therapyLicence`, `Therapy licence` →
/// `therapyLicence`, `npi` → nothing): compared without case, spaces,
/// `-`, `_` or `.`, within three edits.
pub fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed = comparable(typed);
    known
        .iter()
        .map(|name| (strsim::levenshtein(&typed, &comparable(name)), *name))
        .filter(|(distance, _)| *distance <= 3)
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
    fn typos_are_matched_and_strangers_are_not() {
        let known = ["therapyLicence", "noteIdentifier"];
        assert_eq!(closest("therapyLicense", &known), Some("therapyLicence"));
        assert_eq!(closest("NoteIdentifer", &known), Some("noteIdentifier"));
        assert_eq!(closest("Therapy_Licence", &known), Some("therapyLicence"));
        assert_eq!(closest("note-identifier", &known), Some("noteIdentifier"));
        assert_eq!(closest("comments", &known), None);
    }
}
