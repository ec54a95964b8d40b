//! `validate FILE`: every problem, with line, field and what to do.

use std::path::Path;

use crate::{exit_code::ExitCode, input_file::InputFile, shown::shown};

pub fn run(path: &Path) -> ExitCode {
    let file = InputFile::read(path);
    report(&file);
    if file.problems.is_empty() {
        println!(
            "{}: {} rows, all valid{}; nothing was sent",
            shown(&path.display().to_string()),
            file.rows.len(),
            notes_mentioned(&file)
        );
        ExitCode::Success
    } else {
        ExitCode::InvalidInput
    }
}

/// Prints the notes and problems (to stderr) and a one-line count.
pub fn report(file: &InputFile) {
    for note in &file.notes {
        eprintln!("note: {}", note.to_line());
    }
    for problem in &file.problems {
        eprintln!("{}", problem.to_line());
    }
    if !file.problems.is_empty() {
        eprintln!("{} problem(s); nothing was sent", file.problems.len());
    }
}

/// ", 2 notes (on stderr)" beside a summary, so a reader of stdout alone
/// knows there is something to read; empty without notes.
pub fn notes_mentioned(file: &InputFile) -> String {
    match file.notes.len() {
        0 => String::new(),
        1 => ", 1 note (on stderr)".to_owned(),
        n => format!(", {n} notes (on stderr)"),
    }
}
