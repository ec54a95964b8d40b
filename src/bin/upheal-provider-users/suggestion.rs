//! "Did you mean …?" for column names typed by hand.

use crate::{input_row::COLUMNS, problem::Problem};

/// The note for a column (CSV) or field (JSON Lines) that is not read,
/// naming it and, when it looks like a typo, the name meant.
pub fn unknown_name(line: u64, kind: &str, name: &str) -> Problem {
    let hint = match closest(name, &COLUMNS) {
        Some(known) => format!("; did you mean `{known}`?"),
        None => format!(" (the {kind}s read are {})", COLUMNS.join(", ")),
    };
    let field = if kind == "column" { "header" } else { "row" };
    Problem::new(
        line,
        field,
        format!("unknown {kind} `{name}` is ignored{hint}"),
    )
}

/// The known name closest to `typed`, when it is close enough to be a typo
/// (`therapyLicense` → `therapyLicence`, `npi` → nothing).
pub fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    known
        .iter()
        .map(|name| (strsim::levenshtein(&typed, &name.to_lowercase()), *name))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_are_matched_and_strangers_are_not() {
        let known = ["therapyLicence", "noteIdentifier"];
        assert_eq!(closest("therapyLicense", &known), Some("therapyLicence"));
        assert_eq!(closest("NoteIdentifer", &known), Some("noteIdentifier"));
        assert_eq!(closest("comments", &known), None);
    }
}
