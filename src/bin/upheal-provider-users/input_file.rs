//! Reading a whole input file (CSV or JSON Lines) into checked rows.

use std::{
    collections::{HashMap, hash_map::Entry},
    fs,
    path::Path,
};

use serde_json::{Map, Value};
use upheal_provider_users::ProviderUserId;

use crate::input_row::{COLUMNS, InputRow, Problem, RawRow};

/// In a CSV cell, this clears the template list (an empty cell leaves it).
pub const CLEAR_LIST: &str = "[]";
/// Separates template ids inside one CSV cell.
pub const LIST_SEPARATOR: char = ';';

/// Every row that passed and every problem found, in file order.
#[derive(Debug, Default)]
pub struct InputFile {
    pub rows: Vec<InputRow>,
    pub problems: Vec<Problem>,
}

impl InputFile {
    /// Reads `path` as JSON Lines when it ends in `.jsonl` or `.ndjson`, as
    /// CSV otherwise. An unreadable file is one problem on line 0.
    pub fn read(path: &Path) -> Self {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                let problem =
                    Problem::new(0, "file", format!("cannot read {}: {e}", path.display()));
                return Self {
                    rows: Vec::new(),
                    problems: vec![problem],
                };
            }
        };
        let is_json_lines = path.extension().is_some_and(|ext| {
            ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson")
        });
        let raw = if is_json_lines {
            json_lines(&text)
        } else {
            csv_rows(&text)
        };
        let mut file = Self::default();
        for item in raw {
            match item.and_then(|(line, row)| row.check(line)) {
                Ok(row) => file.rows.push(row),
                Err(problems) => file.problems.extend(problems),
            }
        }
        file.flag_repeated_ids();
        file
    }

    /// Two rows for one provider would race under concurrency.
    fn flag_repeated_ids(&mut self) {
        let mut first_seen: HashMap<&ProviderUserId, u64> = HashMap::new();
        for row in &self.rows {
            match first_seen.entry(&row.id) {
                Entry::Occupied(first) => self.problems.push(Problem::new(
                    row.line,
                    "providerUserId",
                    format!(
                        "`{}` already appears on line {}; merge the two rows",
                        row.id,
                        first.get()
                    ),
                )),
                Entry::Vacant(slot) => {
                    slot.insert(row.line);
                }
            }
        }
        self.problems.sort_by_key(|p| p.line);
    }
}

type RawItem = Result<(u64, RawRow), Vec<Problem>>;

fn csv_rows(text: &str) -> Vec<RawItem> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => return vec![Err(vec![Problem::new(1, "header", e.to_string())])],
    };
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(h)) {
        let message = format!(
            "unknown column `{unknown}`; the columns are {}",
            COLUMNS.join(", ")
        );
        return vec![Err(vec![Problem::new(1, "header", message)])];
    }
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| {
                vec![Problem::new(
                    e.position().map_or(0, |p| p.line()),
                    "row",
                    e.to_string(),
                )]
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| record.get(i))
                    .map(str::to_owned)
            };
            Ok((
                line,
                RawRow {
                    provider_user_id: cell("providerUserId"),
                    partner_user_id: cell("partnerUserId"),
                    national_provider_identifier: cell("nationalProviderIdentifier"),
                    therapy_licence: cell("therapyLicence"),
                    note_identifier: cell("noteIdentifier"),
                    default_note_template_ids: cell("defaultNoteTemplateIds")
                        .and_then(|c| template_cell(&c)),
                },
            ))
        })
        .collect()
}

fn template_cell(cell: &str) -> Option<Vec<String>> {
    match cell {
        "" => None,
        CLEAR_LIST => Some(Vec::new()),
        list => Some(
            list.split(LIST_SEPARATOR)
                .map(|id| id.trim().to_owned())
                .collect(),
        ),
    }
}

fn json_lines(text: &str) -> Vec<RawItem> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let line_number = index as u64 + 1;
            json_row(line)
                .map(|row| (line_number, row))
                .map_err(|message| vec![Problem::new(line_number, "row", message)])
        })
        .collect()
}

fn json_row(line: &str) -> Result<RawRow, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("each line must be a JSON object".to_owned());
    };
    if let Some(unknown) = object.keys().find(|k| !COLUMNS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field `{unknown}`; the fields are {}",
            COLUMNS.join(", ")
        ));
    }
    Ok(RawRow {
        provider_user_id: json_text(&object, "providerUserId")?,
        partner_user_id: json_text(&object, "partnerUserId")?,
        national_provider_identifier: json_text(&object, "nationalProviderIdentifier")?,
        therapy_licence: json_text(&object, "therapyLicence")?,
        note_identifier: json_text(&object, "noteIdentifier")?,
        default_note_template_ids: json_list(&object, "defaultNoteTemplateIds")?,
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
