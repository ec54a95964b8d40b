//! Reading a whole input file (CSV or JSON Lines) into checked rows.

use std::{
    collections::{HashMap, hash_map::Entry},
    fs,
    path::Path,
};

use upheal_provider_users::ProviderUserId;

use crate::{
    csv_input, input_row::InputRow, input_row::RawRow, json_lines_input, problem::Problem,
    shown::shown,
};

/// Every row that passed, every problem found and every note, in file order.
#[derive(Debug, Default)]
pub struct InputFile {
    pub rows: Vec<InputRow>,
    /// Block `apply`: nothing is sent while there is one.
    pub problems: Vec<Problem>,
    /// Worth reading, but nothing wrong with what will be sent (an ignored
    /// column, a skipped blank row).
    pub notes: Vec<Problem>,
}

/// What a format reader found, before the rows are checked.
#[derive(Debug, Default)]
pub struct Scan {
    /// Each row with the line it starts on.
    pub rows: Vec<(u64, RawRow)>,
    pub problems: Vec<Problem>,
    pub notes: Vec<Problem>,
}

impl InputFile {
    /// Reads `path` as JSON Lines when it ends in `.jsonl` or `.ndjson`, as
    /// CSV otherwise. A leading UTF-8 byte-order mark (Excel's "CSV UTF-8")
    /// is dropped; a file that cannot be read is one problem on line 0.
    pub fn read(path: &Path) -> Self {
        let text = match read_text(path) {
            Ok(text) => text,
            Err(message) => {
                return Self {
                    problems: vec![Problem::new(0, "file", message)],
                    ..Self::default()
                };
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let is_json_lines = path.extension().is_some_and(|ext| {
            ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson")
        });
        let scan = if is_json_lines {
            json_lines_input::scan(text)
        } else {
            csv_input::scan(text)
        };
        Self::check(scan)
    }

    fn check(scan: Scan) -> Self {
        let mut file = Self {
            problems: scan.problems,
            notes: scan.notes,
            ..Self::default()
        };
        for (line, raw) in scan.rows {
            if raw.is_blank() {
                file.notes.push(Problem::new(
                    line,
                    "row",
                    "every cell is empty; row skipped",
                ));
                continue;
            }
            match raw.check(line) {
                Ok(row) => file.rows.push(row),
                Err(problems) => file.problems.extend(problems),
            }
        }
        file.flag_repeated_ids();
        file.problems.sort_by_key(|p| p.line);
        file.notes.sort_by_key(|p| p.line);
        file
    }

    /// Two rows for one provider would race under concurrency. Ids are
    /// compared as parsed, so one UUID written in two forms is caught too.
    fn flag_repeated_ids(&mut self) {
        let mut first_seen: HashMap<&ProviderUserId, u64> = HashMap::new();
        for row in &self.rows {
            match first_seen.entry(&row.id) {
                Entry::Occupied(first) => self.problems.push(Problem::new(
                    row.line,
                    "providerUserId",
                    format!(
                        "`{}` is a provider already on line {}; merge the two rows",
                        row.id_text,
                        first.get()
                    ),
                )),
                Entry::Vacant(slot) => {
                    slot.insert(row.line);
                }
            }
        }
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // Excel's "Unicode Text" is UTF-16 with a byte-order mark (and tabs).
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(format!(
            "{} is UTF-16 text (as Excel saves \"Unicode Text\"); save it as \"CSV UTF-8 \
             (comma delimited)\"",
            shown(&path.display().to_string())
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 text (byte {} is not); save it as \"CSV UTF-8\"",
            shown(&path.display().to_string()),
            e.utf8_error().valid_up_to()
        )
    })
}
