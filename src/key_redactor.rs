//! Keeps the API key out of everything an error holds, even when a server
//! or a proxy echoes the request's `Authorization` header back in a body.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// What replaces the key.
const REDACTED: &str = "[redacted]";
/// A cut-off tail this long that starts the key is redacted too: a kept
/// body is truncated at 64 KiB, possibly in the middle of an echoed key.
const MIN_TAIL_CHARS: usize = 4;

/// Removes one client's API key from text.
#[derive(Clone)]
pub(crate) struct KeyRedactor {
    key: SecretString,
}

impl KeyRedactor {
    pub(crate) fn new(key: &str) -> Self {
        Self {
            key: SecretString::from(key.to_owned()),
        }
    }

    /// The key itself, for the one place that derives a name from it (the
    /// shared rate budget's Redis key, an HMAC of it).
    pub(crate) fn key(&self) -> &str {
        self.key.expose_secret()
    }

    /// Whether `text` holds the key, or ends with the start of it.
    pub(crate) fn finds_key_in(&self, text: &str) -> bool {
        let key = self.key.expose_secret();
        text.contains(key) || tail_starting_key(text, key) > 0
    }

    /// `text` with every occurrence of the key, and a tail that starts it,
    /// replaced by `[redacted]`.
    pub(crate) fn redact(&self, text: String) -> String {
        if !self.finds_key_in(&text) {
            return text;
        }
        let key = self.key.expose_secret();
        let mut redacted = text.replace(key, REDACTED);
        let tail = tail_starting_key(&redacted, key);
        if tail > 0 {
            redacted.truncate(redacted.len() - tail);
            redacted.push_str(REDACTED);
        }
        redacted
    }
}

/// The length in bytes of the longest tail of `text` (at least
/// [`MIN_TAIL_CHARS`] long, shorter than the key) that the key starts with.
fn tail_starting_key(text: &str, key: &str) -> usize {
    let longest = key.len().saturating_sub(1).min(text.len());
    (MIN_TAIL_CHARS..=longest)
        .rev()
        .find(|&len| {
            text.is_char_boundary(text.len() - len) && key.starts_with(&text[text.len() - len..])
        })
        .unwrap_or(0)
}

impl fmt::Debug for KeyRedactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyRedactor([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::KeyRedactor;

    #[test]
    fn every_occurrence_and_a_cut_off_tail_are_redacted() {
        let redactor = KeyRedactor::new("sk-live-123456");
        assert_eq!(
            redactor.redact("a sk-live-123456 b sk-live-123456".to_owned()),
            "a [redacted] b [redacted]"
        );
        assert_eq!(
            redactor.redact("auth: Bearer sk-live-12".to_owned()),
            "auth: Bearer [redacted]"
        );
        assert_eq!(
            redactor.redact("nothing here sk".to_owned()),
            "nothing here sk"
        );
        assert_eq!(format!("{redactor:?}"), "KeyRedactor([redacted])");
    }
}
