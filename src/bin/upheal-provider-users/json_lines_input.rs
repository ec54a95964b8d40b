//! JSON Lines: one object per line, with the API's field names.

use serde_json::{Map, Value};

use crate::{
    input_file::Scan,
    input_row::{COLUMNS, RawRow},
    problem::Problem,
    suggestion::unknown_name,
};

/// Reads every non-blank line as one row; a bad line is a problem on that
/// line and reading goes on.
pub fn scan(text: &str) -> Scan {
    let mut scan = Scan::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = index as u64 + 1;
        match json_object(line) {
            Ok(object) => {
                for unknown in object.keys().filter(|k| !COLUMNS.contains(&k.as_str())) {
                    scan.notes.push(unknown_name(line_number, "field", unknown));
                }
                match json_row(&object) {
                    Ok(row) => scan.rows.push((line_number, row)),
                    Err(message) => scan
                        .problems
                        .push(Problem::new(line_number, "row", message)),
                }
            }
            Err(message) => scan
                .problems
                .push(Problem::new(line_number, "row", message)),
        }
    }
    scan
}

fn json_object(line: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))? {
        Value::Object(object) => Ok(object),
        _ => Err("each line must be a JSON object".to_owned()),
    }
}

fn json_row(object: &Map<String, Value>) -> Result<RawRow, String> {
    Ok(RawRow {
        provider_user_id: json_text(object, "providerUserId")?,
        partner_user_id: json_text(object, "partnerUserId")?,
        national_provider_identifier: json_text(object, "nationalProviderIdentifier")?,
        therapy_licence: json_text(object, "therapyLicence")?,
        note_identifier: json_text(object, "noteIdentifier")?,
        default_note_template_ids: json_list(object, "defaultNoteTemplateIds")?,
    })
}

fn json_text(object: &Map<String, Value>, field: &str) -> Result<Option<String>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(format!("`{field}` must be a string, not {other}")),
    }
}

fn json_list(object: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("`{field}` must list strings"))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(other) => Err(format!(
            "`{field}` must be an array of strings, not {other}"
        )),
    }
}
