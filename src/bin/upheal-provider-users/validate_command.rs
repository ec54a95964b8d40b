//! `validate FILE`: every problem, with line, field and what to do.

use std::path::Path;

use crate::{exit_code::ExitCode, input_file::InputFile, shown::shown};

pub fn run(path: &Path) -> ExitCode {
    let file = InputFile::read(path);
    report(&file);
    let shown_path = shown(&path.display().to_string());
    let notes = notes_mentioned(&file);
    // The summary goes to stdout either way (the problems themselves are
    // on stderr), as guide::cli says.
    if file.problems.is_empty() {
        println!(
            "{shown_path}: {} rows, all valid{notes}; nothing was sent",
            file.rows,
        );
        ExitCode::Success
    } else {
        println!(
            "{shown_path}: {} problem(s) (on stderr){notes}; nothing was sent",
            file.problems.len(),
        );
        ExitCode::InvalidInput
    }
}

/// Prints the notes and problems, to stderr.
pub fn report(file: &InputFile) {
    for note in &file.notes {
        eprintln!("note: {}", note.to_line());
    }
    for problem in &file.problems {
        eprintln!("{}", problem.to_line());
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
