//! The `maxLength`, `minLength` and `pattern` the fragment sets on request
//! strings, enforced by `ProviderUserUpdate::problems` with the field and
//! the rule named. `build.rs` takes them out of what progenitor sees (it
//! would wrap each field in a newtype that hand-written code cannot
//! follow) and writes them here, so that tightening or loosening one is a
//! spec-only change.

use std::sync::OnceLock;

use crate::errors::Error;

/// One request property's string constraints, from the fragment.
pub(crate) struct FragmentConstraint {
    /// The wire name of the request property.
    pub property: &'static str,
    /// Whether the rule applies to each item of a list.
    #[allow(dead_code)]
    pub item: bool,
    pub max_length: Option<usize>,
    pub min_length: Option<usize>,
    /// An ECMA-262 regular expression, as OpenAPI's `pattern` is; it
    /// matches anywhere in the value unless anchored.
    pub pattern: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/fragment_constraints.rs"));

fn constraint(property: &str) -> Option<(usize, &'static FragmentConstraint)> {
    REQUEST_CONSTRAINTS
        .iter()
        .enumerate()
        .find(|(_, c)| c.property == property)
}

/// The fragment's `maxLength` for `property`, else `default`.
pub(crate) fn max_chars(property: &str, default: usize) -> usize {
    constraint(property)
        .and_then(|(_, c)| c.max_length)
        .unwrap_or(default)
}

/// The fragment's `minLength` and `pattern` for `property`, checked on
/// `value` (the length bound is checked with the text rules).
pub(crate) fn check(property: &'static str, value: &str) -> Result<(), Error> {
    match constraint(property) {
        Some((index, rule)) => check_against(rule, compiled(index), value),
        None => Ok(()),
    }
}

fn check_against(
    rule: &FragmentConstraint,
    regex: Option<&regress::Regex>,
    value: &str,
) -> Result<(), Error> {
    let chars = value.chars().count();
    if let Some(min) = rule.min_length.filter(|min| chars < *min) {
        return Err(Error::invalid_input(
            rule.property,
            format!("is {chars} characters long; at least {min} are required"),
        ));
    }
    if let (Some(pattern), Some(regex)) = (rule.pattern, regex)
        && regex.find(value).is_none()
    {
        return Err(Error::invalid_input(
            rule.property,
            format!("does not match the pattern `{pattern}` the API requires"),
        ));
    }
    Ok(())
}

/// The pattern of the `index`th constraint, compiled once (build.rs has
/// checked that each compiles).
fn compiled(index: usize) -> Option<&'static regress::Regex> {
    static COMPILED: OnceLock<Vec<Option<regress::Regex>>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            REQUEST_CONSTRAINTS
                .iter()
                .map(|c| c.pattern.and_then(|p| regress::Regex::new(p).ok()))
                .collect()
        })
        .get(index)?
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::{FragmentConstraint, check_against};

    const LICENCE: FragmentConstraint = FragmentConstraint {
        property: "therapyLicence",
        item: false,
        max_length: Some(12),
        min_length: Some(3),
        pattern: Some("^[A-Z]{2,4}-[0-9]+$"),
    };

    #[test]
    fn min_length_and_pattern_are_enforced_with_the_field_and_the_rule_named() {
        let regex = regress::Regex::new(LICENCE.pattern.unwrap()).unwrap();
        assert!(check_against(&LICENCE, Some(&regex), "LPC-12345").is_ok());
        let short = check_against(&LICENCE, Some(&regex), "L1").unwrap_err();
        assert_eq!(short.field(), Some("therapyLicence"));
        assert!(short.to_string().contains("at least 3"), "{short}");
        let unmatched = check_against(&LICENCE, Some(&regex), "lpc 12345").unwrap_err();
        assert!(
            unmatched
                .to_string()
                .contains("pattern `^[A-Z]{2,4}-[0-9]+$`"),
            "{unmatched}"
        );
    }

    #[test]
    fn an_unanchored_pattern_matches_anywhere_as_in_json_schema() {
        let rule = FragmentConstraint {
            pattern: Some("[0-9]"),
            min_length: None,
            ..LICENCE
        };
        let regex = regress::Regex::new("[0-9]").unwrap();
        assert!(check_against(&rule, Some(&regex), "abc-7-def").is_ok());
        assert!(check_against(&rule, Some(&regex), "abcdef").is_err());
    }
}
