//! The crate's own versioning policy, applied to the changes the OpenAPI
//! diff finds. What makes this crate differ from a generic classifier:
//! its generated types are `#[non_exhaustive]` and `NoteIdentifier` has an
//! `Unknown` catch-all, so a new response property or enum value is minor;
//! and the servers URL is `DEFAULT_BASE_URL`, so changing it is major.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::api_smart_diff::Change;

/// The semver bump a change needs (ordered: the largest wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn name(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// A change with its class under the policy.
pub struct Classified {
    pub bump: Bump,
    pub location: String,
    pub why: String,
}

/// Every change with its class: enum values by set difference (the diff
/// aligns lists by position), the rest by where they are.
pub fn classify(before: &Value, after: &Value, changes: &[Change]) -> Vec<Classified> {
    let mut classified = enum_changes(before, after);
    let mut seen = BTreeSet::new();
    // The diff resolves `$ref`s, so a change to a component is reported
    // again wherever an operation uses it: keep the component's line.
    let in_components: BTreeSet<(&str, &str)> = changes
        .iter()
        .filter(|c| c.path.first().is_some_and(|p| p == "components"))
        .filter_map(|c| Some((c.path.last()?.as_str(), c.action.as_str())))
        .collect();
    for change in changes {
        let path = change.path.join("/");
        if path.contains("/enum/") || path.ends_with("/enum") {
            continue;
        }
        let resolved_copy = change.path.first().is_some_and(|p| p == "paths")
            && change.path.len() > 3
            && change.path.last().is_some_and(|last| {
                in_components.contains(&(last.as_str(), change.action.as_str()))
            });
        if resolved_copy {
            continue;
        }
        let (bump, why) = rule(change, &path);
        // One line per change, not one per place a `$ref` resolves it into.
        if seen.insert((path.clone(), why.clone())) {
            classified.push(Classified {
                bump,
                location: path,
                why,
            });
        }
    }
    classified
}

fn rule(change: &Change, path: &str) -> (Bump, String) {
    let action = change.action.as_str();
    let last = change.path.last().map(String::as_str).unwrap_or_default();
    let property_of = |schema: &str| {
        path.starts_with(&format!("components/schemas/{schema}/properties/"))
            && change.path.len() == 5
    };
    let said = change
        .description
        .clone()
        .unwrap_or_else(|| format!("{action} {path}"));
    match () {
        _ if change.path.iter().any(|p| p == "x-deactivated-user") => (
            Bump::Minor,
            "the deactivated-user rule (Error::is_deactivated_user and the fake follow it)"
                .to_owned(),
        ),
        _ if path.starts_with("servers") => (
            Bump::Major,
            "the servers URL changes, and with it DEFAULT_BASE_URL".to_owned(),
        ),
        _ if path.starts_with("paths/") && change.path.len() <= 3 && action != "replace" => (
            Bump::Major,
            format!("{said}: the route (path or method) changes"),
        ),
        _ if matches!(last, "type" | "format" | "$ref" | "items") => (
            Bump::Major,
            "a type changes: the generated field's type changes".to_owned(),
        ),
        _ if last == "nullable" || change.path.iter().any(|p| p == "required") => (
            Bump::Major,
            "a required or nullable flag flips: an Option appears or goes".to_owned(),
        ),
        _ if property_of("ProviderUser") && action == "add" => (
            Bump::Minor,
            "a new response property (ProviderUser is #[non_exhaustive])".to_owned(),
        ),
        _ if property_of("UpdateProviderUserRequest") && action == "add" => {
            (Bump::Minor, "a new optional request property".to_owned())
        }
        _ if (property_of("ProviderUser") || property_of("UpdateProviderUserRequest"))
            && action == "remove" =>
        {
            (Bump::Major, "a property is removed".to_owned())
        }
        _ if path.contains("/parameters") && action == "add" => (
            Bump::Major,
            "a new parameter: the generated method's signature changes".to_owned(),
        ),
        _ if matches!(
            last,
            "description" | "summary" | "title" | "example" | "examples"
        ) =>
        {
            (Bump::Patch, "documentation".to_owned())
        }
        _ => match change.tool_class.as_str() {
            "annotation" => (Bump::Patch, format!("{said} (annotation)")),
            "non-breaking" | "deprecated" => (Bump::Minor, format!("{said} (non-breaking)")),
            _ => (Bump::Major, format!("{said} ({})", change.tool_class)),
        },
    }
}

/// `NoteIdentifier`'s values added (minor: they were decoded as `Unknown`)
/// and removed (major: a variant goes).
fn enum_changes(before: &Value, after: &Value) -> Vec<Classified> {
    let values = |spec: &Value| -> BTreeSet<String> {
        spec.pointer("/components/schemas/NoteIdentifier/enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let (old, new) = (values(before), values(after));
    let location = "components/schemas/NoteIdentifier/enum".to_owned();
    let added = new.difference(&old).map(|value| Classified {
        bump: Bump::Minor,
        location: location.clone(),
        why: format!("value `{value}` added (decoded as `Unknown` before; NoteIdentifier is #[non_exhaustive])"),
    });
    let removed = old.difference(&new).map(|value| Classified {
        bump: Bump::Major,
        location: location.clone(),
        why: format!("value `{value}` removed: its variant goes"),
    });
    added.chain(removed).collect()
}
