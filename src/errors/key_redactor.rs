//! Keeps the API key out of everything an error holds, even when a server
//! or a proxy echoes the request's `Authorization` header back in a body,
//! in whatever encoding.
//!
//! Three layers: the key and the forms a server most often writes (JSON
//! escapes, percent-encoding, base64 at any alignment, any case) are
//! replaced by `[redacted]`, so a message stays readable; a cut-off tail of
//! the key at the end of a kept body is replaced too; then every reading of
//! what is left (its decodings composed to a fixpoint, see
//! `echo_decoding`) is searched for a run of the key's characters long
//! enough to matter, and a text where one is found is dropped whole.
//!
//! A key shorter than 8 characters (a test's `k`) is only replaced where
//! it stands as a word of its own: inside words it would eat ordinary text
//! (`Un[redacted]nownIssuer`). Real API keys are far longer.

use std::fmt;

use base64::{
    Engine,
    alphabet::{STANDARD, URL_SAFE},
    engine::{GeneralPurpose, GeneralPurposeConfig},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};

use crate::errors::echo_decoding::{json_unescaped, readings};

/// What replaces the key.
const REDACTED: &str = "[redacted]";
/// What replaces a text the key could still be decoded from.
const DROPPED: &str = "[dropped: this text held the API key in an encoded form]";
/// A cut-off tail this long that starts the key is redacted too: a kept
/// body is truncated at 64 KiB, possibly in the middle of an echoed key.
const MIN_TAIL_CHARS: usize = 4;
/// Encoded forms, case-insensitive matching and decoding are used only for
/// keys at least this long.
const MIN_KEY_CHARS_FOR_FORMS: usize = 8;

/// Removes one client's API key from text.
#[derive(Clone)]
pub(crate) struct KeyRedactor {
    key: SecretString,
    /// The encoded forms to replace, lower case (ASCII), longest first.
    forms: SecretString,
    /// The runs of the key (lower case) that a text must not hold in any
    /// reading: every substring of [`run_chars`] characters.
    runs: SecretString,
}

/// How many of the key's characters in a row matter: two fifths of it,
/// at least 8 (a 37-character key: 15). Fewer cannot be told from chance
/// in a long body; more would let a cut-off echo through (a body cap kept
/// 25 of 37).
fn run_chars(key: &str) -> usize {
    (key.chars().count() * 2)
        .div_ceil(5)
        .max(MIN_KEY_CHARS_FOR_FORMS)
}

impl KeyRedactor {
    pub(crate) fn new(key: &str) -> Self {
        let lower = key.to_ascii_lowercase();
        let run = run_chars(key).min(lower.len());
        let runs: Vec<&str> = (0..=lower.len() - run)
            .filter(|start| lower.is_char_boundary(*start) && lower.is_char_boundary(start + run))
            .map(|start| &lower[start..start + run])
            .collect();
        Self {
            key: SecretString::from(key.to_owned()),
            forms: SecretString::from(encoded_forms(key).join("\n")),
            runs: SecretString::from(runs.join("\n")),
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

    /// Whether `text` holds the key in any reading, or ends with the start
    /// of it.
    pub(crate) fn finds_key_in(&self, text: &str) -> bool {
        let key = self.key();
        if !self.uses_forms() {
            return whole_word_at(text, key).is_some();
        }
        text.contains(key) || tail_starting_key(text, key) > 0 || self.any_reading_holds_a_run(text)
    }

    fn any_reading_holds_a_run(&self, text: &str) -> bool {
        let runs = self.runs.expose_secret();
        readings(text)
            .iter()
            .any(|reading| runs.lines().any(|run| reading.contains(run)))
    }

    /// `text` with every occurrence of the key (in every encoded form, and
    /// a tail that starts it) replaced by `[redacted]`; dropped whole if a
    /// run of the key can still be read out of what is left.
    pub(crate) fn redact(&self, text: String) -> String {
        if !self.finds_key_in(&text) {
            return text;
        }
        let key = self.key();
        if !self.uses_forms() {
            return replace_whole_words(&text, key);
        }
        let mut redacted = text.replace(key, REDACTED);
        for form in self.forms.expose_secret().lines() {
            redacted = replace_ignoring_ascii_case(&redacted, form);
        }
        let tail = tail_starting_key(&redacted, key);
        if tail > 0 {
            redacted.truncate(redacted.len() - tail);
            redacted.push_str(REDACTED);
        }
        if self.any_reading_holds_a_run(&redacted) {
            return DROPPED.to_owned();
        }
        redacted
    }
}

/// Where `word` stands in `text` with no letter or digit on either side.
fn whole_word_at(text: &str, word: &str) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    text.match_indices(word).map(|(at, _)| at).find(|&at| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn replace_whole_words(text: &str, word: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = whole_word_at(rest, word) {
        out.push_str(&rest[..at]);
        out.push_str(REDACTED);
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
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
    forms.push(json_unescaped(key).unwrap_or_else(|| key.to_owned()));
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

    /// The review's key in each echo it found leaking, and a few
    /// compositions: none leaves a run of the key in any reading.
    #[test]
    fn echoes_in_any_encoding_leave_no_run_of_the_key() {
        let key = "sk/live+Q9zKEYm0p=0123456789abcdefXYZ";
        let redactor = KeyRedactor::new(key);
        let bytes = key.as_bytes();
        let hex = |sep: &str, upper: bool| {
            let text = bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(sep);
            if upper { text.to_uppercase() } else { text }
        };
        let utf16: String = key
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .map(|b| format!("{b:02x}"))
            .collect();
        let dump = format!("POST /v2/users HTTP/1.1\r\nAuthorization: Bearer {key}\r\n");
        let mime = base64::engine::general_purpose::STANDARD.encode(dump.as_bytes());
        let wrap = |width: usize, joint: &str| {
            mime.as_bytes()
                .chunks(width)
                .map(|line| String::from_utf8(line.to_vec()).unwrap())
                .collect::<Vec<_>>()
                .join(joint)
        };
        let once = percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        let twice =
            percent_encoding::utf8_percent_encode(&once, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let html_decimal: String = key
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_string()
                } else {
                    format!("&#{};", c as u32)
                }
            })
            .collect();
        let html_hex: String = key
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_string()
                } else {
                    format!("&#x{:X};", c as u32)
                }
            })
            .collect();
        let php_in_json =
            serde_json::to_string(&format!("{{\"k\":\"{}\"}}", key.replace('/', "\\/"))).unwrap();
        let quoted_printable = format!("{}=\r\n{}", &key[..12], &key[12..].replace('=', "=3D"));
        let escaped = serde_json::to_string(key).unwrap().replace('/', "\\/");
        let cut_escaped = &escaped[..26];
        for echo in [
            format!("<html><body>Bearer {html_decimal}</body></html>"),
            format!("<p>{html_hex}</p>"),
            hex("", false),
            hex("", true),
            hex(":", true),
            utf16,
            wrap(76, "\r\n"),
            wrap(64, "\n"),
            format!("{{\"dump\":\"{}\"}}", wrap(76, "\\r\\n")),
            format!("https://example.com/cb?next=https%3A%2F%2Fx%2F%3Fk%3D{twice}"),
            php_in_json,
            quoted_printable,
            format!("...{cut_escaped}"),
        ] {
            let kept = redactor.redact(echo.clone());
            assert!(!redactor.finds_key_in(&kept), "{echo}\n-> {kept}");
            assert!(
                kept.contains("[redacted]") || kept.contains("[dropped"),
                "{echo} -> {kept}"
            );
        }
    }

    #[test]
    fn a_short_key_is_redacted_only_as_a_word_of_its_own() {
        let redactor = KeyRedactor::new("k");
        assert_eq!(
            redactor.redact("invalid peer certificate: UnknownIssuer".to_owned()),
            "invalid peer certificate: UnknownIssuer"
        );
        assert_eq!(redactor.redact("Bearer k".to_owned()), "Bearer [redacted]");
        assert!(!redactor.finds_key_in("UnknownIssuer"));
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
