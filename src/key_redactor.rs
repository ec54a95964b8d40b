//! Keeps the API key out of everything an error holds, even when a server
//! or a proxy echoes the request's `Authorization` header back in a body,
//! and even when it echoes it encoded: JSON-escaped (PHP writes `/` as
//! `\/`, .NET writes `+` as `\u002B`), percent-encoded, base64-encoded
//! (`Basic` credentials, a logged header) or in another case.
//!
//! Two layers: every form a server plausibly writes is replaced by
//! `[redacted]`; then, if the key can still be read out of what is left by
//! decoding it (JSON escapes, percent-encoding, base64 at any alignment, any
//! case), the whole text is dropped instead of kept.

use std::fmt;

use base64::{
    Engine,
    alphabet::{STANDARD, URL_SAFE},
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};

/// What replaces the key.
const REDACTED: &str = "[redacted]";
/// What replaces a text the key could still be decoded from.
const DROPPED: &str = "[dropped: this text held the API key in an encoded form]";
/// A cut-off tail this long that starts the key is redacted too: a kept
/// body is truncated at 64 KiB, possibly in the middle of an echoed key.
const MIN_TAIL_CHARS: usize = 4;
/// Encoded forms, case-insensitive matching and base64 are used only for
/// keys at least this long: a shorter "key" (a test's `k`) would match
/// ordinary text everywhere. Real API keys are far longer.
const MIN_KEY_CHARS_FOR_FORMS: usize = 8;

/// Removes one client's API key from text.
#[derive(Clone)]
pub(crate) struct KeyRedactor {
    key: SecretString,
    /// The encoded forms to replace, lower case (ASCII), longest first.
    forms: SecretString,
}

impl KeyRedactor {
    pub(crate) fn new(key: &str) -> Self {
        Self {
            key: SecretString::from(key.to_owned()),
            forms: SecretString::from(encoded_forms(key).join("\n")),
        }
    }

    /// The key itself, for the one place that derives a name from it (the
    /// shared rate budget's Redis key, an HMAC of it).
    pub(crate) fn key(&self) -> &str {
        self.key.expose_secret()
    }

    fn uses_forms(&self) -> bool {
        self.key().chars().count() >= MIN_KEY_CHARS_FOR_FORMS
    }

    /// Whether `text` holds the key in any form, or ends with the start of it.
    pub(crate) fn finds_key_in(&self, text: &str) -> bool {
        let key = self.key();
        if text.contains(key) || tail_starting_key(text, key) > 0 {
            return true;
        }
        if !self.uses_forms() {
            return false;
        }
        let lower = text.to_ascii_lowercase();
        self.forms
            .expose_secret()
            .lines()
            .any(|form| lower.contains(form))
            || decodes_to_key(text, key)
    }

    /// `text` with every occurrence of the key (in every encoded form, and
    /// a tail that starts it) replaced by `[redacted]`; dropped whole if
    /// the key can still be decoded from what is left.
    pub(crate) fn redact(&self, text: String) -> String {
        if !self.finds_key_in(&text) {
            return text;
        }
        let key = self.key();
        let mut redacted = text.replace(key, REDACTED);
        if self.uses_forms() {
            for form in self.forms.expose_secret().lines() {
                redacted = replace_ignoring_ascii_case(&redacted, form);
            }
        }
        let tail = tail_starting_key(&redacted, key);
        if tail > 0 {
            redacted.truncate(redacted.len() - tail);
            redacted.push_str(REDACTED);
        }
        if self.uses_forms() && decodes_to_key(&redacted, key) {
            return DROPPED.to_owned();
        }
        redacted
    }
}

/// Every form of `key` a server plausibly writes, lower case (they are
/// matched without regard to ASCII case), longest first so that a longer
/// form is replaced before a shorter one inside it.
fn encoded_forms(key: &str) -> Vec<String> {
    let mut forms = vec![key.to_owned()];
    // JSON string escapes: serde's, then `/` as `\/`, then every
    // non-alphanumeric character as `\uXXXX`.
    let json = serde_json::to_string(key).expect("a string serialises");
    let json = json[1..json.len() - 1].to_owned();
    forms.push(json.replace('/', "\\/"));
    forms.push(json);
    forms.push(
        key.chars()
            .map(|c| match c {
                c if c.is_ascii_alphanumeric() => c.to_string(),
                c => c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|unit| format!("\\u{unit:04x}"))
                    .collect(),
            })
            .collect(),
    );
    forms.push(utf8_percent_encode(key, NON_ALPHANUMERIC).to_string());
    // A server that writes the key into JSON unescaped (a key holding `\`)
    // makes a JSON reader see it with its escapes undone: the API's message
    // read from such a body holds this form.
    forms.push(json_unescaped(key));
    for alphabet in [STANDARD, URL_SAFE] {
        let engine = GeneralPurpose::new(&alphabet, GeneralPurposeConfig::new());
        for offset in 0..3 {
            forms.extend(base64_core(&engine, key, offset));
        }
    }
    let mut forms: Vec<String> = forms.into_iter().map(|f| f.to_ascii_lowercase()).collect();
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    forms.dedup();
    forms.retain(|form| form.chars().count() >= MIN_KEY_CHARS_FOR_FORMS);
    forms
}

/// The base64 characters that encode `key` alone when it starts `offset`
/// bytes into an encoded string (after `Basic `'s `user:`, say): the
/// characters shared with the neighbouring bytes are left out.
fn base64_core(engine: &GeneralPurpose, key: &str, offset: usize) -> Option<String> {
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(key.as_bytes());
    let encoded = engine.encode(&bytes);
    let start = (offset * 4).div_ceil(3);
    let end = ((offset + key.len()) * 4) / 3;
    encoded.get(start..end).map(str::to_owned)
}

/// `text` with every ASCII-case-insensitive match of `form` (lower case)
/// replaced by `[redacted]`.
fn replace_ignoring_ascii_case(text: &str, form: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !lower.contains(form) {
        return text.to_owned();
    }
    // ASCII lower-casing keeps every byte offset, so matches in `lower`
    // are matches in `text` at the same place.
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(form) {
        out.push_str(&text[last..at]);
        out.push_str(REDACTED);
        last = at + form.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Whether the key can be read out of `text` by undoing an encoding: JSON
/// escapes, percent-encoding, base64 (either alphabet, any alignment), in
/// any ASCII case.
fn decodes_to_key(text: &str, key: &str) -> bool {
    let key_lower = key.to_ascii_lowercase();
    let holds = |decoded: &str| decoded.to_ascii_lowercase().contains(&key_lower);
    holds(text)
        || holds(&json_unescaped(text))
        || holds(&percent_encoding::percent_decode_str(text).decode_utf8_lossy())
        || base64_runs_hold(text, key.as_bytes())
}

/// `text` with JSON string escapes undone (`\/`, `\\`, `\"`, `\uXXXX`).
fn json_unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let Ok(unit) = u16::from_str_radix(&hex, 16) else {
                    out.push_str(&hex);
                    continue;
                };
                let units: Vec<u16> = pending_high.take().into_iter().chain([unit]).collect();
                match String::from_utf16(&units) {
                    Ok(decoded) => out.push_str(&decoded),
                    Err(_) => pending_high = Some(unit),
                }
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Whether a run of base64 characters in `text` decodes, at some
/// alignment, to bytes holding `key`.
fn base64_runs_hold(text: &str, key: &[u8]) -> bool {
    let shortest = key.len() * 4 / 3;
    let lenient = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let engines = [
        GeneralPurpose::new(&STANDARD, lenient),
        GeneralPurpose::new(&URL_SAFE, lenient),
    ];
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')))
        .filter(|run| run.len() >= shortest)
        .any(|run| {
            (0..4).any(|skip| {
                // Unpadded is fine, but one character alone encodes no byte.
                let run = &run[skip..];
                let run = &run[..run.len() - usize::from(run.len() % 4 == 1)];
                engines.iter().any(|engine| {
                    engine
                        .decode(run)
                        .is_ok_and(|bytes| bytes.windows(key.len()).any(|w| w == key))
                })
            })
        })
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
    use base64::Engine;

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

    /// Found by the property test: a key holding `\\`, echoed raw into a
    /// JSON body, reaches the API's message with its escapes undone.
    #[test]
    fn a_key_read_back_through_json_unescaping_is_redacted() {
        let key = r"\\a=Aa=00aA//A0a";
        let redactor = KeyRedactor::new(key);
        let body = format!(r#"{{"message":"invalid key {}"}}"#, key.to_uppercase());
        let message: serde_json::Value = serde_json::from_str(&body).unwrap();
        let message = message["message"].as_str().unwrap().to_owned();
        let redacted = redactor.redact(message);
        assert!(
            !format!("{redacted:?}")
                .to_lowercase()
                .contains(&key.to_lowercase()),
            "{redacted:?}"
        );
        assert!(redacted.contains("[redacted]"), "{redacted}");
    }

    #[test]
    fn encoded_echoes_are_redacted() {
        let key = "sk/live+AbC=9\"q\\z";
        let redactor = KeyRedactor::new(key);
        let json = serde_json::to_string(key).unwrap();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{key}"));
        for echo in [
            json.clone(),
            json.replace('/', "\\/"),
            json.replace('+', "\\u002B"),
            percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
            key.to_uppercase(),
            format!("Basic {basic}"),
        ] {
            let text = redactor.redact(format!("{{\"echo\":{echo}, \"other\":\"kept\"}}"));
            assert!(!redactor.finds_key_in(&text), "{echo} -> {text}");
            assert!(
                text.contains("redacted") || text.contains("dropped"),
                "{text}"
            );
        }
    }
}
