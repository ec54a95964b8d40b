//! `validate FILE`: every problem, with line, field and what to do.

use std::path::Path;

use crate::{exit_code::ExitCode, input_file::InputFile};

pub fn run(path: &Path) -> ExitCode {
    let file = InputFile::read(path);
    report(&file);
    if file.problems.is_empty() {
        println!(
            "{}: {} rows, all valid; nothing was sent",
            path.display(),
            file.rows.len()
        );
        ExitCode::Success
    } else {
        ExitCode::InvalidInput
    }
}

/// Prints the problems (to stderr) and a one-line count.
pub fn report(file: &InputFile) {
    for problem in &file.problems {
        eprintln!(
            "line {}: {}: {}",
            problem.line, problem.field, problem.message
        );
    }
    if !file.problems.is_empty() {
        eprintln!("{} problem(s); nothing was sent", file.problems.len());
    }
}
