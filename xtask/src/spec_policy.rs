//! The crate's versioning policy, as one table of rules ([`RULES`]) applied
//! to every change between two fragments.
//!
//! The changes come from a walk of both documents side by side
//! ([`differences`]): every key that appears, goes or changes, with `enum`
//! and `required` compared as sets (value by value) and parameters keyed by
//! `in` and `name` (not by position), so no change is merged into another.
//! Each change takes the bump of the first rule that matches it. The rules
//! know what the generator makes of the fragment, which a generic
//! classifier cannot: every generated struct is `#[non_exhaustive]`, every
//! string enum has an `Unknown` catch-all, string formats and response
//! length bounds stay documentation, request bounds are enforced by
//! `ProviderUserUpdate::problems`, and the generated client's method takes
//! the parameters positionally.
//!
//! api-smart-diff's own verdict is shown beside each change it also
//! reports; where the two disagree the stricter wins, except under rules
//! marked `knows_better`, whose reason says what the tool cannot see. A
//! change api-smart-diff reports and no rule explains gets its own line with
//! the tool's class.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::api_smart_diff::Change;

#[allow(dead_code)]
#[path = "../../build/hand_written_contract.rs"]
mod hand_written_contract;

/// The schema keywords OpenAPI 3.0 has (build.rs drops the others).
#[allow(dead_code)]
#[path = "../../build/generator_input.rs"]
mod generator_input;
use generator_input::SCHEMA_KEYWORDS;

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

    fn of_tool_class(class: &str) -> Self {
        match class {
            "annotation" => Self::Patch,
            "non-breaking" | "deprecated" => Self::Minor,
            _ => Self::Major,
        }
    }
}

/// A change with its class under the policy.
pub struct Classified {
    pub bump: Bump,
    pub location: String,
    pub why: String,
}

/// One difference between the two documents.
#[derive(Debug)]
pub struct Difference<'a> {
    /// Where, as keys (a parameter's key is `in:name`; an `enum` or
    /// `required` member adds the value as the last key).
    pub path: Vec<String>,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

impl Difference<'_> {
    fn added(&self) -> bool {
        self.before.is_none() && self.after.is_some()
    }

    fn removed(&self) -> bool {
        self.before.is_some() && self.after.is_none()
    }

    fn last(&self) -> &str {
        self.path.last().map(String::as_str).unwrap_or_default()
    }

    /// The key before the last one (`enum` for an enum member).
    fn parent(&self) -> &str {
        let n = self.path.len();
        if n >= 2 { &self.path[n - 2] } else { "" }
    }

    fn has(&self, key: &str) -> bool {
        self.path.iter().any(|p| p == key)
    }

    fn location(&self) -> String {
        self.path.join("/")
    }

    /// `(schema, property)` when the change is at or under a property of
    /// a component schema.
    fn property(&self) -> Option<(&str, &str)> {
        match self.path.as_slice() {
            [c, s, schema, p, property, ..]
                if c == "components" && s == "schemas" && p == "properties" =>
            {
                Some((schema, property))
            }
            _ => None,
        }
    }
}

/// What the rules know of both documents.
pub struct Context<'a> {
    pub before: &'a Value,
    pub after: &'a Value,
    /// Component schemas a request body reaches (in either document).
    inputs: BTreeSet<String>,
}

impl<'a> Context<'a> {
    pub fn new(before: &'a Value, after: &'a Value) -> Self {
        let mut inputs = BTreeSet::new();
        for spec in [before, after] {
            for body in request_bodies(spec) {
                reachable(spec, body, &mut inputs);
            }
        }
        Self {
            before,
            after,
            inputs,
        }
    }

    /// Whether the change is in a schema a request sends.
    fn is_input(&self, difference: &Difference) -> bool {
        match difference.path.as_slice() {
            [c, s, schema, ..] if c == "components" && s == "schemas" => {
                self.inputs.contains(schema)
            }
            _ => difference.has("requestBody") || difference.has("parameters"),
        }
    }

    /// The operation ids under `paths/P[/method]`, in either document.
    fn operation_ids(&self, difference: &Difference) -> Vec<String> {
        let mut ids = Vec::new();
        for spec in [self.before, self.after] {
            let mut node = spec;
            for key in &difference.path {
                node = &node[key.as_str()];
            }
            let operations: Vec<&Value> = if difference.path.len() == 2 {
                node.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(_, op)| op)
                    .collect()
            } else {
                vec![node]
            };
            ids.extend(
                operations
                    .iter()
                    .filter_map(|op| op["operationId"].as_str().map(str::to_owned)),
            );
        }
        ids
    }
}

fn request_bodies(spec: &Value) -> Vec<&Value> {
    let mut bodies = Vec::new();
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, i)| i)
    {
        for operation in item.as_object().into_iter().flatten().map(|(_, o)| o) {
            for media in operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                bodies.push(&media.1["schema"]);
            }
        }
    }
    bodies
}

/// Every component schema `schema` reaches through `$ref`s.
fn reachable(spec: &Value, schema: &Value, found: &mut BTreeSet<String>) {
    match schema {
        Value::Object(object) => {
            for (key, child) in object {
                if key == "$ref" {
                    let Some(name) = child
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    else {
                        continue;
                    };
                    if found.insert(name.to_owned()) {
                        reachable(spec, &spec["components"]["schemas"][name], found);
                    }
                } else {
                    reachable(spec, child, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| reachable(spec, item, found)),
        _ => {}
    }
}

/// A rule: when it applies, the bump it gives, and why.
pub struct Rule {
    pub name: &'static str,
    applies: fn(&Difference, &Context) -> bool,
    bump: fn(&Difference, &Context) -> Bump,
    pub why: &'static str,
    /// The rule's bump stands even where api-smart-diff is stricter: the
    /// reason says what a generic classifier cannot see.
    knows_better: bool,
}

const fn rule(
    name: &'static str,
    applies: fn(&Difference, &Context) -> bool,
    bump: fn(&Difference, &Context) -> Bump,
    why: &'static str,
    knows_better: bool,
) -> Rule {
    Rule {
        name,
        applies,
        bump,
        why,
        knows_better,
    }
}

fn patch(_: &Difference, _: &Context) -> Bump {
    Bump::Patch
}

fn minor(_: &Difference, _: &Context) -> Bump {
    Bump::Minor
}

fn major(_: &Difference, _: &Context) -> Bump {
    Bump::Major
}

fn in_schema(d: &Difference) -> bool {
    d.path.len() >= 3 && d.path[0] == "components" && d.path[1] == "schemas" || d.has("schema")
}

/// The key that changed is a schema keyword (not a property's name).
fn keyword(d: &Difference, key: &str) -> bool {
    d.last() == key && d.parent() != "properties"
}

fn tighter(d: &Difference) -> bool {
    let number = |v: Option<&Value>| v.and_then(Value::as_u64);
    match d.last() {
        "maxLength" => match (number(d.before), number(d.after)) {
            (Some(before), Some(after)) => after < before,
            (None, Some(_)) => true,
            _ => false,
        },
        "minLength" => match (number(d.before), number(d.after)) {
            (Some(before), Some(after)) => after > before,
            (None, Some(_)) => true,
            _ => false,
        },
        // A pattern added or changed may refuse what was accepted.
        _ => d.after.is_some(),
    }
}

/// The policy, first match wins. Each rule has a test below.
pub const RULES: &[Rule] = &[
    rule(
        "deactivated-user rule",
        |d, _| d.has("x-deactivated-user") && d.last() != "description",
        minor,
        "how a deactivated user is told apart changes (Error::is_deactivated_user and the fake follow it)",
        false,
    ),
    rule(
        "extension",
        |d, _| d.path.iter().any(|p| p.starts_with("x-")),
        patch,
        "an extension's text: documentation, nothing generated reads it",
        true,
    ),
    rule(
        "documentation",
        |d, _| {
            d.path.first().is_some_and(|p| p == "info")
                || ["description", "summary", "title", "externalDocs"]
                    .iter()
                    .any(|key| keyword(d, key))
        },
        patch,
        "documentation",
        true,
    ),
    rule(
        "example",
        |d, _| {
            d.path
                .windows(2)
                .any(|w| (w[1] == "example" || w[1] == "examples") && w[0] != "properties")
        },
        patch,
        "an example: documentation (the docs' example user follows it; no type changes)",
        true,
    ),
    rule(
        "OpenAPI version",
        |d, _| d.path.len() == 1 && d.path[0] == "openapi",
        |d, _| {
            let minor = |v: Option<&Value>| {
                let text = v.and_then(Value::as_str).unwrap_or_default().to_owned();
                text.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
            };
            if minor(d.before) == minor(d.after) {
                Bump::Patch
            } else {
                Bump::Major
            }
        },
        "the OpenAPI version: another minor version (3.1) is another schema dialect, which the generator does not read; a patch version changes nothing",
        true,
    ),
    rule(
        "servers",
        |d, _| d.path.first().is_some_and(|p| p == "servers"),
        major,
        "the servers URL changes, and with it DEFAULT_BASE_URL",
        false,
    ),
    rule(
        "security",
        |d, _| d.has("security") || d.has("securitySchemes"),
        major,
        "the API key is sent another way (AUTH_HEADER, AUTH_PREFIX): a server that reads the old way refuses every call",
        false,
    ),
    rule(
        "route",
        |d, c| {
            d.path.first().is_some_and(|p| p == "paths")
                && d.path.len() <= 3
                && (d.added() || d.removed())
                && c.operation_ids(d)
                    .iter()
                    .any(|id| id == crate::OPERATION_ID)
        },
        major,
        "the route (path or method) of the wrapped operation changes",
        false,
    ),
    rule(
        "new operation",
        |d, _| d.path.first().is_some_and(|p| p == "paths") && d.path.len() <= 3 && d.added(),
        minor,
        "a new operation: the generated client gains a method",
        true,
    ),
    rule(
        "operation removed",
        |d, _| d.path.first().is_some_and(|p| p == "paths") && d.path.len() <= 3 && d.removed(),
        major,
        "an operation goes: its generated method goes",
        false,
    ),
    rule(
        "parameter",
        |d, _| d.has("parameters"),
        major,
        "a parameter comes, goes or changes: the generated method takes parameters positionally, so its signature changes (and the build asks src/call/client.rs to pass it)",
        false,
    ),
    rule(
        "error status",
        |d, _| {
            d.parent() == "responses" && !d.last().starts_with('2') && (d.added() || d.removed())
        },
        minor,
        "a documented error status comes or goes: it maps to ErrorKind::DocumentedStatus (or back to UnexpectedStatus); no type changes",
        true,
    ),
    rule(
        "success status",
        |d, _| d.parent() == "responses",
        major,
        "a success status comes or goes: the generated method's return type changes",
        false,
    ),
    rule(
        "enum value",
        |d, _| d.parent() == "enum",
        |d, _| if d.added() { Bump::Minor } else { Bump::Major },
        "an enum value: added, it is a new variant of a #[non_exhaustive] enum and was decoded as `Unknown` before (a request may now send it); removed, its variant goes",
        true,
    ),
    rule(
        "becomes or stops being an enum",
        |d, _| in_schema(d) && keyword(d, "enum"),
        major,
        "a type becomes an enum or stops being one: the generated field's type changes",
        false,
    ),
    rule(
        "format of a text",
        |d, c| {
            let string = |spec: &Value| {
                let mut node = spec;
                for key in &d.path[..d.path.len() - 1] {
                    node = &node[key.as_str()];
                }
                node["type"] == "string"
            };
            in_schema(d)
                && keyword(d, "format")
                && string(c.before)
                && string(c.after)
                && !d
                    .property()
                    .is_some_and(|(s, p)| hand_written_contract::relied_on(s, p))
        },
        patch,
        "a string's format: build.rs keeps the field `String` (the format is documentation), so no type changes",
        true,
    ),
    rule(
        "type",
        |d, _| {
            in_schema(d)
                && [
                    "type",
                    "format",
                    "$ref",
                    "items",
                    "allOf",
                    "oneOf",
                    "anyOf",
                    "additionalProperties",
                ]
                .iter()
                .any(|key| keyword(d, key))
        },
        major,
        "a type changes: the generated field's type changes (for a property hand-written code reads, the build refuses it)",
        false,
    ),
    rule(
        "bound of a request text",
        |d, c| {
            in_schema(d)
                && ["maxLength", "minLength", "pattern"]
                    .iter()
                    .any(|key| keyword(d, key))
                && c.is_input(d)
        },
        |d, _| if tighter(d) { Bump::Major } else { Bump::Minor },
        "a request bound (maxLength, minLength, pattern), enforced by ProviderUserUpdate::problems: tightened, a value accepted before is refused; loosened, more is accepted",
        true,
    ),
    rule(
        "bound of a response text",
        |d, _| {
            in_schema(d)
                && ["maxLength", "minLength", "pattern"]
                    .iter()
                    .any(|key| keyword(d, key))
        },
        patch,
        "a response bound: build.rs keeps the field `String` and responses are not checked against it, so no type or behaviour changes",
        true,
    ),
    rule(
        "required or nullable",
        |d, _| {
            in_schema(d)
                && (d.parent() == "required" || keyword(d, "required") || keyword(d, "nullable"))
        },
        major,
        "a required or nullable flag flips: an Option appears or goes (a new required request property is refused by the build)",
        false,
    ),
    rule(
        "new property",
        |d, c| in_schema(d) && d.parent() == "properties" && d.added() && !required_after(d, c),
        minor,
        "a new optional property: every generated struct is #[non_exhaustive] (a request property gets a generated setter)",
        true,
    ),
    rule(
        "new required property",
        |d, c| in_schema(d) && d.parent() == "properties" && d.added() && c.is_input(d),
        major,
        "a new required request property: every update must send it (the build refuses it until the hand-written layer asks for it)",
        false,
    ),
    rule(
        "new required response property",
        |d, _| in_schema(d) && d.parent() == "properties" && d.added(),
        minor,
        "a new required response property: a new field of a #[non_exhaustive] struct",
        true,
    ),
    rule(
        "property removed",
        |d, _| in_schema(d) && d.parent() == "properties" && d.removed(),
        major,
        "a property is removed: its field goes",
        false,
    ),
    rule(
        "new schema",
        |d, _| d.path.len() == 3 && d.path[0] == "components" && d.added(),
        minor,
        "a new component: a new generated type (or response) beside the others",
        true,
    ),
    rule(
        "schema removed",
        |d, _| d.path.len() == 3 && d.path[0] == "components" && d.removed(),
        major,
        "a component goes: its generated type goes",
        false,
    ),
    rule(
        "ignored keyword",
        |d, _| in_schema(d) && d.parent() != "properties" && !SCHEMA_KEYWORDS.contains(&d.last()),
        patch,
        "not an OpenAPI 3.0 keyword (`const` is 3.1): progenitor ignores it and build.rs warns; nothing generated changes",
        true,
    ),
    rule(
        "response body",
        |d, _| d.has("content"),
        major,
        "a body changes: the generated types it decodes into change",
        false,
    ),
];

fn required_after(d: &Difference, c: &Context) -> bool {
    let mut node = c.after;
    for key in &d.path[..d.path.len() - 2] {
        node = &node[key.as_str()];
    }
    node["required"]
        .as_array()
        .is_some_and(|names| names.iter().any(|n| n == d.last()))
}

/// Every difference between the two documents.
pub fn differences<'a>(before: &'a Value, after: &'a Value) -> Vec<Difference<'a>> {
    let mut found = Vec::new();
    walk(Some(before), Some(after), &mut Vec::new(), &mut found);
    found
}

fn walk<'a>(
    before: Option<&'a Value>,
    after: Option<&'a Value>,
    path: &mut Vec<String>,
    found: &mut Vec<Difference<'a>>,
) {
    let key = path.last().map(String::as_str).unwrap_or_default();
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                path.push(k.clone());
                walk(b.get(k), a.get(k), path, found);
                path.pop();
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) if key == "enum" || key == "required" => {
            for value in b.iter().filter(|v| !a.contains(v)) {
                path.push(text(value));
                found.push(Difference {
                    path: path.clone(),
                    before: Some(value),
                    after: None,
                });
                path.pop();
            }
            for value in a.iter().filter(|v| !b.contains(v)) {
                path.push(text(value));
                found.push(Difference {
                    path: path.clone(),
                    before: None,
                    after: Some(value),
                });
                path.pop();
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) if key == "parameters" => {
            let keyed = |list: &'a [Value]| -> serde_json::Map<String, Value> {
                list.iter()
                    .map(|p| {
                        (
                            format!("{}:{}", text(&p["in"]), text(&p["name"])),
                            p.clone(),
                        )
                    })
                    .collect()
            };
            let (b, a) = (Value::Object(keyed(b)), Value::Object(keyed(a)));
            // Owned copies: leak them for the walk's lifetime (a maintainer
            // command, run once).
            let (b, a): (&'a Value, &'a Value) = (Box::leak(Box::new(b)), Box::leak(Box::new(a)));
            walk(Some(b), Some(a), path, found);
        }
        (b, a) if b != a => found.push(Difference {
            path: path.clone(),
            before: b,
            after: a,
        }),
        _ => {}
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// The rule for a difference (the last rule, `response body`, and a
/// catch-all below it make sure every difference has one).
fn rule_for(d: &Difference, c: &Context) -> Option<&'static Rule> {
    RULES.iter().find(|rule| (rule.applies)(d, c))
}

/// Every change with its class: one line per difference, api-smart-diff's
/// verdict beside it, and one line per change of the tool's no rule saw.
pub fn classify(before: &Value, after: &Value, changes: &[Change]) -> Vec<Classified> {
    let context = Context::new(before, after);
    let differences = differences(before, after);
    let mut explained = vec![false; changes.len()];
    let mut classified = Vec::new();
    for d in &differences {
        let location = d.location();
        let tool: Vec<usize> = changes
            .iter()
            .enumerate()
            .filter(|(_, c)| same_place(&c.path, &d.path, &context))
            .map(|(i, _)| i)
            .collect();
        tool.iter().for_each(|&i| explained[i] = true);
        let tool_bump = tool
            .iter()
            .map(|&i| Bump::of_tool_class(&changes[i].tool_class))
            .max();
        let tool_said = tool
            .iter()
            .map(|&i| changes[i].tool_class.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("/");
        let (bump, why) = match rule_for(d, &context) {
            Some(rule) => {
                let ours = (rule.bump)(d, &context);
                let stricter = tool_bump.filter(|t| *t > ours && !rule.knows_better);
                let mut why = format!("{} ({})", rule.why, rule.name);
                if let Some(tool_bump) = tool_bump.filter(|t| *t != ours) {
                    let verdict = match () {
                        _ if stricter.is_some() => "stricter, so it wins",
                        _ if tool_bump > ours => "overruled: the rule knows the generated code",
                        _ => "the rule is stricter",
                    };
                    why.push_str(&format!(" [api-smart-diff: {tool_said}, {verdict}]"));
                }
                (stricter.unwrap_or(ours), why)
            }
            None => {
                let bump = tool_bump.unwrap_or(Bump::Major);
                let said = if tool_said.is_empty() {
                    "unclassified"
                } else {
                    &tool_said
                };
                (
                    bump,
                    format!("no rule of the crate's covers it; api-smart-diff: {said}"),
                )
            }
        };
        classified.push(Classified {
            bump,
            location,
            why,
        });
    }
    for (change, _) in changes.iter().zip(explained).filter(|(_, seen)| !seen) {
        classified.push(Classified {
            bump: Bump::of_tool_class(&change.tool_class),
            location: change.path.join("/"),
            why: format!(
                "{} (api-smart-diff: {}; no difference of the crate's walk matches it)",
                change
                    .description
                    .clone()
                    .unwrap_or_else(|| change.action.clone()),
                change.tool_class
            ),
        });
    }
    classified
}

/// Whether the tool's change is at the difference's place: under it or
/// above it, once its path is read the way the walk reads paths.
fn same_place(tool: &[String], ours: &[String], context: &Context) -> bool {
    let ours: &[String] = if ours.len() >= 2 && ours[ours.len() - 2] == "enum" {
        &ours[..ours.len() - 1] // an enum member: a value in ours, an index in the tool's
    } else {
        ours
    };
    [context.before, context.after]
        .into_iter()
        .map(|spec| canonical(spec, tool))
        .any(|tool| tool.starts_with(ours) || ours.starts_with(&tool))
}

/// The tool's path as the walk names it: api-smart-diff resolves `$ref`s
/// (a component's change is reported again under every operation that
/// uses it), so a step through a `$ref` continues from its target; a
/// parameter's index becomes its `in:name`.
fn canonical(spec: &Value, tool: &[String]) -> Vec<String> {
    let mut node = spec;
    let mut path: Vec<String> = Vec::new();
    for key in tool {
        if let Some(target) = node.get("$ref").and_then(Value::as_str)
            && key != "$ref"
            && let Some(resolved) = target
                .strip_prefix('#')
                .and_then(|pointer| spec.pointer(pointer))
        {
            path = target
                .trim_start_matches("#/")
                .split('/')
                .map(str::to_owned)
                .collect();
            node = resolved;
        }
        let step = match (path.last().map(String::as_str), key.parse::<usize>()) {
            (Some("parameters"), Ok(index)) => {
                let parameter = &node[index];
                format!("{}:{}", text(&parameter["in"]), text(&parameter["name"]))
            }
            _ => key.clone(),
        };
        node = match key.parse::<usize>() {
            Ok(index) if node.is_array() => &node[index],
            _ => &node[key.as_str()],
        };
        path.push(step);
    }
    path
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{Bump, classify};
    use crate::api_smart_diff::Change;

    fn fragment() -> Value {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/update-provider-user-by-id-v2.json"
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// The bump and the rules named for a change made by `edit`.
    fn verdict(edit: impl FnOnce(&mut Value)) -> (Bump, String) {
        verdict_with_tool(edit, &[])
    }

    fn verdict_with_tool(edit: impl FnOnce(&mut Value), tool: &[Change]) -> (Bump, String) {
        let before = fragment();
        let mut after = before.clone();
        edit(&mut after);
        let classified = classify(&before, &after, tool);
        assert!(!classified.is_empty(), "the change is listed");
        let bump = classified.iter().map(|c| c.bump).max().unwrap();
        let why = classified
            .iter()
            .map(|c| format!("{}: {}", c.location, c.why))
            .collect::<Vec<_>>()
            .join("\n");
        (bump, why)
    }

    fn schemas(spec: &mut Value) -> &mut Value {
        &mut spec["components"]["schemas"]
    }

    fn operation(spec: &mut Value) -> &mut Value {
        &mut spec["paths"]["/users/providers/{providerUserId}"]["patch"]
    }

    fn enum_schema() -> Value {
        json!({"type": "string", "description": "L.", "enum": ["en", "fr"]})
    }

    #[test]
    fn enum_values_of_any_schema_are_classified() {
        let with_languages = |spec: &mut Value| {
            schemas(spec)["ProviderUser"]["properties"]["languages"] =
                json!({"type": "array", "description": "L.", "items": enum_schema()});
        };
        let mut base = fragment();
        with_languages(&mut base);
        let diff = |edit: fn(&mut Value)| {
            let mut after = base.clone();
            edit(&mut after);
            let classified = classify(&base, &after, &[]);
            classified.iter().map(|c| c.bump).max().unwrap()
        };
        assert_eq!(
            diff(|s| {
                s["components"]["schemas"]["ProviderUser"]["properties"]["languages"]["items"]["enum"]
                .as_array_mut().unwrap().retain(|v| v != "fr")
            }),
            Bump::Major
        );
        assert_eq!(
            diff(|s| {
                s["components"]["schemas"]["ProviderUser"]["properties"]["languages"]["items"]["enum"]
                .as_array_mut().unwrap().push(json!("de"))
            }),
            Bump::Minor
        );
        let (bump, why) = verdict(|s| {
            schemas(s)["NoteIdentifier"]["enum"]
                .as_array_mut()
                .unwrap()
                .push(json!("Nurse"))
        });
        assert_eq!(bump, Bump::Minor, "{why}");
        assert!(why.contains("NoteIdentifier/enum/Nurse"), "{why}");
    }

    #[test]
    fn a_text_becoming_an_enum_is_major_in_a_request_and_a_response() {
        for schema in ["ProviderUser", "UpdateProviderUserRequest"] {
            let (bump, why) = verdict(|s| {
                schemas(s)[schema]["properties"]["therapyLicence"]["enum"] = json!(["a", "b"])
            });
            assert_eq!(bump, Bump::Major, "{schema}: {why}");
            assert!(why.contains("becomes or stops being an enum"), "{why}");
        }
    }

    #[test]
    fn new_properties_are_minor_and_a_required_request_property_is_major() {
        let (bump, _) = verdict(|s| {
            schemas(s)["ProviderUser"]["properties"]["languages"] =
                json!({"type": "array", "description": "L.", "items": enum_schema()})
        });
        assert_eq!(bump, Bump::Minor);
        let (bump, _) = verdict(|s| {
            schemas(s)["UpdateProviderUserRequest"]["properties"]["timezone"] =
                json!({"type": "string", "description": "Zone."})
        });
        assert_eq!(bump, Bump::Minor);
        let (bump, why) = verdict(|s| {
            let request = &mut schemas(s)["UpdateProviderUserRequest"];
            request["properties"]["timezone"] = json!({"type": "string", "description": "Zone."});
            request["required"] = json!(["timezone"]);
        });
        assert_eq!(bump, Bump::Major, "{why}");
    }

    #[test]
    fn operations_parameters_and_statuses() {
        let (bump, why) = verdict(|s| {
            let get = json!({"operationId": "getProviderUser", "responses": {"200": {"description": "ok"}}});
            s["paths"]["/users/providers/{providerUserId}"]["get"] = get;
        });
        assert_eq!(bump, Bump::Minor, "{why}");
        let (bump, why) = verdict(|s| {
            operation(s)["parameters"].as_array_mut().unwrap().push(
                json!({"name": "dryRun", "in": "query", "required": false, "description": "d", "schema": {"type": "boolean"}}),
            )
        });
        assert_eq!(bump, Bump::Major, "{why}");
        assert!(
            why.contains("query:dryRun"),
            "the parameter is named, not hidden: {why}"
        );
        let (bump, why) = verdict(|s| {
            operation(s)["responses"]["422"] =
                json!({"description": "Unprocessable.", "content": {"*/*": {}}})
        });
        assert_eq!(bump, Bump::Minor, "{why}");
        let (bump, _) = verdict(|s| {
            let path = s["paths"]
                .as_object_mut()
                .unwrap()
                .remove("/users/providers/{providerUserId}")
                .unwrap();
            s["paths"]["/v2/users/providers/{providerUserId}"] = path;
        });
        assert_eq!(bump, Bump::Major);
    }

    #[test]
    fn documentation_examples_extensions_and_ignored_keywords_are_patches() {
        let edits: [fn(&mut Value); 4] = [
            |s| schemas(s)["ProviderUser"]["example"]["firstName"] = json!("Grace"),
            |s| schemas(s)["ProviderUser"]["properties"]["email"]["const"] = json!("x"),
            |s| {
                s["components"]["responses"]["InvalidRequestParameters"]["x-deactivated-user"]["description"] =
                    json!("changed")
            },
            |s| operation(s)["description"] = json!("Updates."),
        ];
        for edit in edits {
            let (bump, why) = verdict(edit);
            assert_eq!(bump, Bump::Patch, "{why}");
        }
        let (bump, _) = verdict(|s| {
            s["components"]["responses"]["InvalidRequestParameters"]["x-deactivated-user"]["messageContains"] =
                json!("inactive")
        });
        assert_eq!(bump, Bump::Minor);
    }

    #[test]
    fn request_bounds_tightened_are_major_loosened_minor_response_bounds_patch() {
        let (bump, _) = verdict(|s| {
            schemas(s)["UpdateProviderUserRequest"]["properties"]["therapyLicence"]["maxLength"] =
                json!(64)
        });
        assert_eq!(bump, Bump::Major);
        let mut tight = fragment();
        schemas(&mut tight)["UpdateProviderUserRequest"]["properties"]["therapyLicence"]["maxLength"] =
            json!(64);
        let mut loose = tight.clone();
        schemas(&mut loose)["UpdateProviderUserRequest"]["properties"]["therapyLicence"]["maxLength"] =
            json!(128);
        let loosened = classify(&tight, &loose, &[]);
        assert_eq!(loosened.iter().map(|c| c.bump).max(), Some(Bump::Minor));
        let (bump, _) = verdict(|s| {
            schemas(s)["UpdateProviderUserRequest"]["properties"]["nationalProviderIdentifier"]["pattern"] =
                json!("^1")
        });
        assert_eq!(bump, Bump::Major);
        let (bump, _) = verdict(|s| {
            schemas(s)["ProviderUser"]["properties"]["therapyLicence"]["maxLength"] = json!(64)
        });
        assert_eq!(bump, Bump::Patch);
    }

    #[test]
    fn a_format_on_a_text_is_a_patch_unless_hand_written_code_reads_it() {
        let mut before = fragment();
        schemas(&mut before)["ProviderUser"]["properties"]["createdAt"] =
            json!({"type": "string", "description": "When."});
        let mut after = before.clone();
        schemas(&mut after)["ProviderUser"]["properties"]["createdAt"]["format"] =
            json!("date-time");
        let classified = classify(&before, &after, &[]);
        assert_eq!(classified.iter().map(|c| c.bump).max(), Some(Bump::Patch));
        let (bump, why) = verdict(|s| {
            schemas(s)["ProviderUser"]["properties"]["userId"]["format"] = json!("uuid")
        });
        assert_eq!(bump, Bump::Major, "{why}");
    }

    #[test]
    fn openapi_3_1_is_major_and_3_0_4_a_patch() {
        let (bump, _) = verdict(|s| s["openapi"] = json!("3.1.0"));
        assert_eq!(bump, Bump::Major);
        let (bump, _) = verdict(|s| s["openapi"] = json!("3.0.4"));
        assert_eq!(bump, Bump::Patch);
    }

    #[test]
    fn security_and_servers_are_major() {
        let (bump, _) = verdict(|s| {
            s["components"]["securitySchemes"] =
                json!({"key": {"type": "apiKey", "in": "header", "name": "X-Upheal-Api-Key"}});
            s["security"] = json!([{"key": []}]);
        });
        assert_eq!(bump, Bump::Major);
        let (bump, _) = verdict(|s| s["servers"][0]["url"] = json!("https://api.eu.upheal.io"));
        assert_eq!(bump, Bump::Major);
    }

    fn tool(path: &str, class: &str) -> Change {
        Change {
            action: "add".into(),
            path: path.split('/').map(str::to_owned).collect(),
            tool_class: class.into(),
            description: None,
        }
    }

    #[test]
    fn the_tools_verdict_is_shown_and_the_stricter_wins_unless_the_rule_knows_better() {
        // The tool calls a new required response field breaking at the
        // component: the rule (non_exhaustive struct) knows better.
        let (bump, why) = verdict_with_tool(
            |s| {
                schemas(s)["ProviderUser"]["properties"]["email"]["const"] = json!("x");
            },
            &[tool(
                "components/schemas/ProviderUser/properties/email/const",
                "breaking",
            )],
        );
        assert_eq!(bump, Bump::Patch, "{why}");
        assert!(why.contains("api-smart-diff: breaking, overruled"), "{why}");
        // A change no rule knows better about: the stricter tool wins.
        let (bump, why) = verdict_with_tool(
            |s| schemas(s)["ProviderUser"]["properties"]["email"]["minimum"] = json!(1),
            &[tool(
                "components/schemas/ProviderUser/properties/email/minimum",
                "breaking",
            )],
        );
        assert_eq!(bump, Bump::Major, "{why}");
        // A change only the tool reports still gets its line.
        let before = fragment();
        let classified = classify(&before, &before, &[tool("paths/x/y", "non-breaking")]);
        assert_eq!(classified.len(), 1);
        assert_eq!(classified[0].bump, Bump::Minor);
    }
}
