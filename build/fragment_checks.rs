//! Checks of the fragment as JSON, before progenitor and typify see it:
//! they panic on some mistakes (a broken `$ref`, an unknown type, error
//! responses of different body types) without saying where the mistake is.
//! Each problem here is reported with its location and what to do.

use serde_json::Value;

use crate::fragment_json::{find_operation, resolve};

/// The JSON Schema types OpenAPI 3.0 knows.
const TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

/// Every problem found, each with where it is (a path into the document).
pub fn problems(spec: &Value, operation_id: &str) -> Vec<String> {
    if let Some(problem) = openapi_3_1(spec) {
        return vec![problem];
    }
    let mut problems = Vec::new();
    walk(spec, spec, &mut Vec::new(), &mut problems);
    problems.extend(error_body_types(spec, operation_id));
    problems.extend(undescribed_properties(spec));
    problems
}

/// Keywords that exist only in OpenAPI 3.1 (JSON Schema 2020-12) and
/// change what a schema means; progenitor reads 3.0 and would refuse the
/// document somewhere unrelated, or misread it.
const OPENAPI_3_1_ONLY: [&str; 9] = [
    "webhooks",
    "jsonSchemaDialect",
    "$defs",
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentSchemas",
    "dependentRequired",
    "$dynamicRef",
];

/// The document is OpenAPI 3.1, or uses a 3.1 construct (a list of
/// types, or a keyword above), said first and with its location.
fn openapi_3_1(spec: &Value) -> Option<String> {
    const ADVICE: &str = "progenitor reads OpenAPI 3.0.x only: write the fragment as 3.0.3 \
        (`nullable: true` rather than a `\"null\"` type, `example` rather than `examples` \
        in a schema, no `$defs`). Whether the change is breaking depends on what changed in \
        the types; `cargo xtask spec-diff` says";
    let version = spec["openapi"].as_str().unwrap_or_default();
    if version.starts_with("3.1") {
        return Some(format!("`openapi` is \"{version}\", OpenAPI 3.1; {ADVICE}"));
    }
    let mut found = None;
    find_3_1(spec, &mut Vec::new(), &mut found);
    found.map(|(at, what)| format!("`{at}` {what}, an OpenAPI 3.1 construct; {ADVICE}"))
}

fn find_3_1(value: &Value, path: &mut Vec<String>, found: &mut Option<(String, String)>) {
    if found.is_some() {
        return;
    }
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                if key.starts_with("x-") {
                    continue;
                }
                path.push(key.clone());
                if OPENAPI_3_1_ONLY.contains(&key.as_str()) {
                    *found = Some((located(path), format!("is the keyword `{key}`")));
                } else if key == "type" && child.is_array() {
                    *found = Some((located(path), format!("is a list of types ({child})")));
                } else {
                    find_3_1(child, path, found);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                find_3_1(item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Each property of a component schema becomes a documented field (and a
/// generated setter's docs), and the crate denies missing docs: without a
/// `description`, rustc would stop the build pointing into generated code.
fn undescribed_properties(spec: &Value) -> Vec<String> {
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (schema, body) in schemas {
        undescribed_in(body, &format!("components.schemas.{schema}"), &mut problems);
    }
    problems
}

/// The properties of `body` with no description, and of the objects
/// nested in it (each becomes a generated struct of its own).
fn undescribed_in(body: &Value, at: &str, problems: &mut Vec<String>) {
    if body["type"] == "array" {
        undescribed_in(&body["items"], &format!("{at}.items"), problems);
    }
    let properties = body["properties"].as_object().into_iter().flatten();
    for (property, definition) in properties {
        let here = format!("{at}.properties.{property}");
        if definition["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            problems.push(format!(
                "`{here}` has no `description`: it becomes a documented field on docs.rs and \
                 the crate denies missing docs; add one (what the API says of it, and any \
                 assumption)"
            ));
        }
        undescribed_in(definition, &here, problems);
    }
}

fn walk(root: &Value, value: &Value, path: &mut Vec<String>, problems: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                // Vendor extensions and security schemes use `type` otherwise.
                if key.starts_with("x-") || key == "securitySchemes" {
                    continue;
                }
                path.push(key.clone());
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => check_ref(root, target, path, problems),
                    ("type", Value::String(name)) if !TYPES.contains(&name.as_str()) => problems
                        .push(format!(
                            "`{}`: unknown type `{name}`{}; OpenAPI 3.0 types are {}",
                            located(path),
                            nearest(name, TYPES.iter().copied())
                                .map(|n| format!(" (did you mean `{n}`?)"))
                                .unwrap_or_default(),
                            TYPES.join(", ")
                        )),
                    _ => walk(root, child, path, problems),
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                walk(root, item, path, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

fn check_ref(root: &Value, target: &str, path: &[String], problems: &mut Vec<String>) {
    let Some(pointer) = target.strip_prefix('#') else {
        problems.push(format!(
            "`{}`: `$ref` `{target}` points outside the fragment; only `#/...` references are read",
            located(path)
        ));
        return;
    };
    if root.pointer(pointer).is_some() {
        return;
    }
    let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let siblings = root
        .pointer(parent)
        .and_then(Value::as_object)
        .map(|object| object.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let hint = match nearest(name, siblings.iter().map(String::as_str)) {
        Some(near) => format!("; the nearest existing name is `#{parent}/{near}`"),
        None if siblings.is_empty() => format!("; `#{parent}` does not exist"),
        None => format!("; `#{parent}` has {}", siblings.join(", ")),
    };
    problems.push(format!(
        "`{}`: `$ref` `{target}` points to nothing{hint}",
        located(path)
    ));
}

/// progenitor generates one error type per operation: every error response
/// (4xx, 5xx, `default`) must share one body type, or have none.
fn error_body_types(spec: &Value, operation_id: &str) -> Vec<String> {
    let Some((path, method, operation)) = find_operation(spec, operation_id) else {
        return Vec::new();
    };
    let mut kinds: Vec<(String, String)> = Vec::new();
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        if status.starts_with('2') {
            continue;
        }
        let response = resolve(spec, response);
        let body = response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|content| content.values().find_map(|media| media.get("schema")))
            .map_or("no schema (raw body)".to_owned(), |schema| {
                schema
                    .get("$ref")
                    .and_then(Value::as_str)
                    .map_or_else(|| schema.to_string(), |r| format!("`{r}`"))
            });
        kinds.push((status.clone(), body));
    }
    let mut distinct: Vec<&String> = kinds.iter().map(|(_, body)| body).collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() <= 1 {
        return Vec::new();
    }
    let listed: Vec<String> = kinds.iter().map(|(s, b)| format!("{s}: {b}")).collect();
    vec![format!(
        "`paths.{path}.{method}.responses`: the error responses of `{operation_id}` have \
         different body types ({}); progenitor generates one error type per operation, and \
         the client keeps every error body as text. Describe them with no schema \
         (`\"content\": {{\"*/*\": {{}}}}`) as the others are; a typed error body is a \
         major change (see src/call/response_error.rs)",
        listed.join("; ")
    )]
}

fn located(path: &[String]) -> String {
    path.join(".")
}

/// The candidate within a third of `typed`'s length in edits, if any.
fn nearest<'a>(typed: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| (edit_distance(typed, candidate), candidate))
        .filter(|(distance, _)| *distance <= (typed.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance (the build script has no strsim).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}
