//! An input file (CSV or JSON Lines), checked row by row.
//!
//! Rows are never all held at once: the file's text is read once, and its
//! rows are scanned from it each time they are needed (once to check them
//! all, once more to send them), so memory holds the text, one row at a
//! time, and a small hash per provider to catch one listed twice.

use std::{
    collections::HashMap,
    fs,
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
};

use crate::{
    csv_input, found::Found, input_row::InputRow, json_lines_input, problem::Problem, shown::shown,
};

/// A checked input file: its problems and notes, how many rows passed, and
/// its text, to scan the rows again for sending.
#[derive(Debug, Default)]
pub struct InputFile {
    text: String,
    json_lines: bool,
    /// How many rows passed every check.
    pub rows: usize,
    /// Block `apply`: nothing is sent while there is one.
    pub problems: Vec<Problem>,
    /// Worth reading, but nothing wrong with what will be sent (an ignored
    /// column, a skipped blank row).
    pub notes: Vec<Problem>,
}

impl InputFile {
    /// Reads `path` as JSON Lines when it ends in `.jsonl` or `.ndjson`, as
    /// CSV otherwise, and checks every row. A leading UTF-8 byte-order mark
    /// (Excel's "CSV UTF-8") is dropped; a file that cannot be read is one
    /// problem on line 0.
    pub fn read(path: &Path) -> Self {
        let mut text = match read_text(path) {
            Ok(text) => text,
            Err(message) => {
                return Self {
                    problems: vec![Problem::new(0, "file", message)],
                    ..Self::default()
                };
            }
        };
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let json_lines = path.extension().is_some_and(|ext| {
            ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson")
        });
        let mut file = Self {
            text,
            json_lines,
            ..Self::default()
        };
        file.check();
        file
    }

    fn scan(&self) -> Box<dyn Iterator<Item = Found> + '_> {
        if self.json_lines {
            Box::new(json_lines_input::scan(&self.text))
        } else {
            csv_input::scan(&self.text)
        }
    }

    /// Checks every row, reporting all problems rather than the first. Two
    /// rows for one provider would race under concurrency: ids are compared
    /// as parsed (one UUID written in two forms is caught too), through a
    /// hash each (16 bytes a row), sorted at the end; the rows found twice
    /// are then read once more for their message.
    fn check(&mut self) {
        let (mut problems, mut notes, mut rows) = (Vec::new(), Vec::new(), 0);
        let mut providers: Vec<(u64, u64)> = Vec::new();
        for found in self.scan() {
            match found {
                Found::Problem(problem) => problems.push(problem),
                Found::Note(note) => notes.push(note),
                Found::Row(line, raw) if raw.is_blank() => notes.push(Problem::new(
                    line,
                    "row",
                    "every cell is empty; row skipped",
                )),
                Found::Row(line, raw) => match raw.check(line) {
                    Ok(row) => {
                        rows += 1;
                        providers.push((provider_hash(&row), row.line));
                    }
                    Err(row_problems) => problems.extend(row_problems),
                },
            }
        }
        let repeated = repeated_providers(providers);
        if !repeated.is_empty() {
            problems.extend(self.valid_rows().filter_map(|row| {
                let first = repeated.get(&row.line)?;
                Some(Problem::new(
                    row.line,
                    "providerUserId",
                    format!(
                        "`{}` is a provider already on line {first}; merge the two rows",
                        row.id_text
                    ),
                ))
            }));
        }
        problems.sort_by_key(|p| p.line);
        notes.sort_by_key(|p| p.line);
        (self.problems, self.notes, self.rows) = (problems, notes, rows);
    }

    /// The rows that passed, scanned again from the text, in file order:
    /// for a file with no problems, every row.
    pub fn valid_rows(&self) -> impl Iterator<Item = InputRow> + '_ {
        self.scan().filter_map(|found| match found {
            Found::Row(line, raw) if !raw.is_blank() => raw.check(line).ok(),
            _ => None,
        })
    }
}

fn provider_hash(row: &InputRow) -> u64 {
    let mut hasher = DefaultHasher::new();
    row.id.hash(&mut hasher);
    hasher.finish()
}

/// The lines of rows whose provider an earlier row names, each with that
/// earlier row's line, from `(provider hash, line)` pairs.
fn repeated_providers(mut providers: Vec<(u64, u64)>) -> HashMap<u64, u64> {
    providers.sort_unstable();
    let mut repeated = HashMap::new();
    for pair in providers.windows(2) {
        let [(earlier, first), (hash, line)] = [pair[0], pair[1]];
        if earlier == hash {
            let first = repeated.get(&first).copied().unwrap_or(first);
            repeated.insert(line, first);
        }
    }
    repeated
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
