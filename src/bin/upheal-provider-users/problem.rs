//! Something to tell the user about a line of the input: a problem that
//! blocks the run, or a note that does not.

use upheal_provider_users::Error;

use crate::shown::shown;

/// The most characters of a cell a message quotes: enough to find it in
/// the file, never a whole 10 MB cell on one terminal line.
const QUOTED_CHARS: usize = 64;

/// `value` whole when short, else its start and its length.
fn quoted(value: &str) -> String {
    match value.char_indices().nth(QUOTED_CHARS) {
        None => value.to_owned(),
        Some((end, _)) => format!("{}… ({} characters)", &value[..end], value.chars().count()),
    }
}

/// A line, the field concerned, and what is wrong or what was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based, as an editor shows it; 0 for the file as a whole.
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(line: u64, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// The library's message, quoting `value` unless the message already
    /// does, so the user can search the file for it.
    pub fn from_error(line: u64, error: &Error, value: &str) -> Self {
        let mut message = error.message().to_owned();
        let start: String = value.chars().take(QUOTED_CHARS).collect();
        if !value.is_empty() && !message.contains(&format!("`{start}")) {
            message.push_str(&format!(" (value `{}`)", quoted(value)));
        }
        Self::new(line, error.field().unwrap_or("row"), message)
    }

    /// `line N: field: message`, with terminal control characters escaped.
    pub fn to_line(&self) -> String {
        shown(&format!(
            "line {}: {}: {}",
            self.line, self.field, self.message
        ))
    }
}
