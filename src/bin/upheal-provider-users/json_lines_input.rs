//! JSON Lines: one object per line, with the API's field names.

use serde_json::{Map, Value};

use crate::{
    found::Found,
    input_row::{GeneratedCell, RawRow, columns, generated_columns},
    problem::Problem,
    suggestion::unknown_name,
};

/// Reads every non-blank line as one row, lazily: a bad line is a problem
/// on that line and reading goes on.
pub fn scan(text: &str) -> impl Iterator<Item = Found> + '_ {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .flat_map(|(index, line)| read_line(index as u64 + 1, line))
}

/// What one line holds: notes on its unknown fields, then the row or the
/// problem.
fn read_line(line_number: u64, line: &str) -> Vec<Found> {
    let mut found = Vec::new();
    match json_object(line) {
        Ok(object) => {
            let columns = columns();
            for unknown in object.keys().filter(|k| !columns.contains(&k.as_str())) {
                unknown_name(&mut found, line_number, "field", unknown);
            }
            found.push(match json_row(&object) {
                Ok(row) => Found::Row(line_number, row),
                Err(message) => Found::Problem(Problem::new(line_number, "row", message)),
            });
        }
        Err(message) => found.push(Found::Problem(Problem::new(line_number, "row", message))),
    }
    found
}

fn json_object(line: &str) -> Result<Map<String, Value>, String> {
    if !line.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(line).map_err(|e| format!("not JSON: {e}"))?;
        return Err("each line must be a JSON object".to_owned());
    }
    let UniqueKeys(object) = serde_json::from_str(line).map_err(|e| {
        let e = e.to_string();
        match e.strip_prefix(DUPLICATE) {
            // The duplicate's own message, without serde's position noise.
            Some(rest) => rest.split(" at line ").next().unwrap_or(rest).to_owned(),
            None => format!("not JSON: {e}"),
        }
    })?;
    Ok(object)
}

/// serde_json keeps the last of two equal keys without a word
/// (`{"partnerUserId":"ext-1","partnerUserId":"ext-2"}` would update ext-2):
/// an object read through this refuses the line instead, as CSV refuses a
/// header that names a column twice.
struct UniqueKeys(Map<String, Value>);

const DUPLICATE: &str = "duplicate: ";

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut object = Map::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "{DUPLICATE}field `{key}` appears twice in this object; keep one"
                )));
            }
            object.insert(key, value);
        }
        Ok(UniqueKeys(object))
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
        generated: generated_cells(object)?,
    })
}

fn generated_cells(
    object: &Map<String, Value>,
) -> Result<Vec<(&'static str, GeneratedCell)>, String> {
    let mut cells = Vec::new();
    for (name, list) in generated_columns() {
        let cell = if list {
            json_list(object, name)?.map(GeneratedCell::List)
        } else {
            json_text(object, name)?
                .filter(|text| !text.is_empty())
                .map(GeneratedCell::Text)
        };
        cells.extend(cell.map(|cell| (name, cell)));
    }
    Ok(cells)
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
