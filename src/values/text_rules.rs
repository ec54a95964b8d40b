//! The rules every free-text request value meets, hand-written setter or
//! generated: the one check both kinds of property run, so that neither
//! file reaches into the other for it.

use crate::{
    errors::Error,
    values::{
        fragment_constraint,
        hidden_character::{describe, hidden_character},
    },
};

/// A sanity bound on free-text fields, not a published limit.
pub const MAX_TEXT_CHARS: usize = 256;

/// The generic text rules: not blank, no control characters, no hidden
/// (bidirectional or zero-width) characters, at most
/// `max_chars` characters.
///
/// The fragment's own `maxLength` for `field` (a request property), when it
/// sets one, replaces `max_chars`; its `minLength` and `pattern` are
/// checked too.
pub(crate) fn check_text(field: &'static str, value: &str, max_chars: usize) -> Result<(), Error> {
    let max_chars = fragment_constraint::max_chars(field, max_chars);
    if value.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be blank"));
    }
    // Every hidden character is outside ASCII, and an ASCII text counts one
    // character per byte: most ids and licence numbers take the byte walks.
    let ascii = value.is_ascii();
    let control = if ascii {
        value.bytes().find(u8::is_ascii_control).map(char::from)
    } else {
        value.chars().find(|c| c.is_control())
    };
    if let Some(c) = control {
        return Err(Error::invalid_input(
            field,
            format!("must not contain control characters (found {c:?})"),
        ));
    }
    let hidden = if ascii { None } else { hidden_character(value) };
    if let Some(hidden) = hidden {
        return Err(Error::invalid_input(
            field,
            format!(
                "must not contain invisible or direction-changing characters (found {}): \
                 what is read on a screen would not be what is sent",
                describe(hidden)
            ),
        ));
    }
    let chars = if ascii {
        value.len()
    } else {
        value.chars().count()
    };
    if chars > max_chars {
        return Err(Error::invalid_input(
            field,
            format!("is {chars} characters long; at most {max_chars} are accepted"),
        ));
    }
    fragment_constraint::check(field, value)
}
