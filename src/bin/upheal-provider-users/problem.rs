//! Something to tell the user about a line of the input: a problem that
//! blocks the run, or a note that does not.

use upheal_provider_users::Error;

use crate::shown::shown;

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
        if !value.is_empty() && !message.contains(&format!("`{value}`")) {
            message.push_str(&format!(" (value `{value}`)"));
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
