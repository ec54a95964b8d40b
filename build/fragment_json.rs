//! Reading the fragment as JSON: where the wrapped operation is, and what
//! a `$ref` points to. Shared by the build's checks (and, through
//! `hand_written_contract`, by `cargo xtask spec-diff`).

use serde_json::Value;

/// The operation with `operation_id`: its path, method and object.
pub fn find_operation<'a>(
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

/// `value`, or what its `$ref` points to inside the fragment.
pub fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| spec.pointer(target.strip_prefix('#')?))
        .unwrap_or(value)
}
