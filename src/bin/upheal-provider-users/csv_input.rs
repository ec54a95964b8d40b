//! CSV as spreadsheets export it: CRLF or LF, quoted cells spanning lines,
//! extra columns, blank rows, and sometimes `;` instead of `,`.

use std::collections::HashMap;

use csv::StringRecord;

use crate::{
    editor_lines::EditorLines,
    found::Found,
    input_row::{GeneratedCell, RawRow, columns, generated_columns},
    problem::Problem,
    suggestion::unknown_name,
};

/// In a CSV cell, this clears a list (an empty cell leaves it).
pub const CLEAR_LIST: &str = "[]";
/// Separates a list's items (template ids) inside one CSV cell.
pub const LIST_SEPARATOR: char = ';';

/// Reads every record lazily, reporting each problem on the line where
/// its record starts, and going on past any one bad row.
pub fn scan(text: &str) -> Box<dyn Iterator<Item = Found> + '_> {
    let lines = EditorLines::new(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => {
            let problem = Problem::new(1, "header", format!("not valid CSV: {e}"));
            return Box::new(std::iter::once(Found::Problem(problem)));
        }
    };
    let mut header_found = Vec::new();
    let Some(columns) = Columns::read(&headers, &mut header_found) else {
        return Box::new(header_found.into_iter());
    };
    let records = reader.into_records().map(move |record| match record {
        Ok(record) => {
            let line = record_line(text, &lines, record.position().map_or(0, |p| p.byte()));
            columns.row(&record, line)
        }
        Err(e) => {
            let line = e
                .position()
                .map_or(0, |p| record_line(text, &lines, p.byte()));
            Found::Problem(Problem::new(line, "row", format!("not valid CSV: {e}")))
        }
    });
    Box::new(header_found.into_iter().chain(records))
}

/// The line a record starts on. The reader may report the offset of line
/// endings it skipped before the record, so those are stepped over.
fn record_line(text: &str, lines: &EditorLines, offset: u64) -> u64 {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let skipped = text.as_bytes()[offset..]
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    lines.line_of(offset + skipped)
}

/// A header read as one cell holding `;` or a tab: the file is separated
/// by something else than commas (Excel's CSV in some locales, its "Text
/// (Tab delimited)"), and no row could be read right.
fn other_separator(headers: &StringRecord) -> Option<String> {
    if headers.len() != 1 {
        return None;
    }
    let only = &headers[0];
    let (name, why) = match (only.contains(';'), only.contains('\t')) {
        (true, _) => ("`;`", "as Excel saves CSV in some locales"),
        (false, true) => ("tabs", "as Excel saves \"Text (Tab delimited)\""),
        (false, false) => return None,
    };
    Some(format!(
        "the header is one cell holding {name}: this file looks separated by {name} \
         ({why}); save it as \"CSV UTF-8 (comma delimited)\""
    ))
}

/// Where each known column is in the header.
struct Columns {
    index: HashMap<&'static str, usize>,
    width: usize,
}

impl Columns {
    /// `None` when no row can be read: the file is not comma-separated, or
    /// it names no id column.
    fn read(headers: &StringRecord, found: &mut Vec<Found>) -> Option<Self> {
        if let Some(hint) = other_separator(headers) {
            found.push(Found::Problem(Problem::new(1, "header", hint)));
            return None;
        }
        let mut index = HashMap::new();
        let columns = columns();
        for (position, name) in headers.iter().enumerate() {
            match columns.iter().find(|known| **known == name) {
                Some(known) => {
                    if index.insert(*known, position).is_some() {
                        found.push(Found::Problem(Problem::new(
                            1,
                            "header",
                            format!("column `{name}` appears twice"),
                        )));
                    }
                }
                None => unknown_name(found, 1, "column", name),
            }
        }
        if !index.contains_key("providerUserId") && !index.contains_key("partnerUserId") {
            found.push(Found::Problem(Problem::new(
                1,
                "header",
                format!(
                    "no providerUserId or partnerUserId column; the columns are {}",
                    columns.join(", ")
                ),
            )));
            return None;
        }
        Some(Self {
            index,
            width: headers.len(),
        })
    }

    fn row(&self, record: &StringRecord, line: u64) -> Found {
        let cell = |name: &str| {
            self.index
                .get(name)
                .and_then(|&i| record.get(i))
                .map(str::to_owned)
        };
        let raw = RawRow {
            provider_user_id: cell("providerUserId"),
            partner_user_id: cell("partnerUserId"),
            national_provider_identifier: cell("nationalProviderIdentifier"),
            therapy_licence: cell("therapyLicence"),
            note_identifier: cell("noteIdentifier"),
            default_note_template_ids: cell("defaultNoteTemplateIds")
                .and_then(|c| template_cell(&c)),
            generated: generated_columns()
                .filter_map(|(name, list)| {
                    let text = cell(name).filter(|text| !text.is_empty())?;
                    let cell = if list {
                        GeneratedCell::List(template_cell(&text)?)
                    } else {
                        GeneratedCell::Text(text)
                    };
                    Some((name, cell))
                })
                .collect(),
        };
        let filled = record.iter().filter(|c| !c.is_empty()).count();
        if filled > 0 && record.len() < self.width {
            Found::Problem(Problem::new(
                line,
                "row",
                format!(
                    "has {} cells but the header has {}: a cell is missing",
                    record.len(),
                    self.width
                ),
            ))
        } else if record.iter().skip(self.width).any(|c| !c.is_empty()) {
            Found::Problem(Problem::new(
                line,
                "row",
                format!(
                    "has {} cells but the header has {}: a value holding `,` needs double quotes",
                    record.len(),
                    self.width
                ),
            ))
        } else {
            Found::Row(line, raw)
        }
    }
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
