//! Checks of the fragment as JSON, before progenitor and typify see it:
//! they panic on some mistakes (a broken `$ref`, an unknown type, error
//! responses of different body types) without saying where the mistake is.
//! Each problem here is reported with its location and what to do.

use serde_json::Value;

/// The JSON Schema types OpenAPI 3.0 knows.
const TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

/// Every problem found, each with where it is (a path into the document).
pub fn problems(spec: &Value, operation_id: &str) -> Vec<String> {
    let mut problems = Vec::new();
    walk(spec, spec, &mut Vec::new(), &mut problems);
    problems.extend(error_body_types(spec, operation_id));
    problems.extend(undescribed_properties(spec));
    problems
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
        let properties = body["properties"].as_object().into_iter().flatten();
        for (property, definition) in properties {
            if definition["description"]
                .as_str()
                .is_none_or(|d| d.trim().is_empty())
            {
                problems.push(format!(
                    "`components.schemas.{schema}.properties.{property}` has no `description`: \
                     it becomes a documented field on docs.rs and the crate denies missing \
                     docs; add one (what the API says of it, and any assumption)"
                ));
            }
        }
    }
    problems
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
         different body types ({}); progenitor generates one error type per operation. \
         Give them all the same schema, or describe them with no schema (`\"content\": \
         {{\"*/*\": {{}}}}`) as the others are; changing the error type is a major change",
        listed.join("; ")
    )]
}

fn find_operation<'a>(
    spec: &'a Value,
    operation_id: &str,
) -> Option<(&'a str, &'a str, &'a Value)> {
    spec["paths"].as_object()?.iter().find_map(|(path, item)| {
        item.as_object()?.iter().find_map(|(method, operation)| {
            (operation.get("operationId")?.as_str()? == operation_id).then_some((
                path.as_str(),
                method.as_str(),
                operation,
            ))
        })
    })
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| spec.pointer(target.strip_prefix('#')?))
        .unwrap_or(value)
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
