//! Every reading of a text a server may have encoded an echo of the key
//! in: the text's decodings, composed to a fixpoint (a gateway's JSON
//! around a PHP body around a percent-encoded URL), bounded in depth and
//! in bytes so that a hostile body cannot make an error expensive.
//!
//! Why decode instead of listing the key's encoded forms: a list covers
//! the encodings someone thought of, and every review found another
//! (HTML character references, hex with separators, UTF-16, base64 wrapped
//! at 76 columns, percent-encoding twice, quoted-printable). Decoding what
//! was received covers their compositions too.

use base64::{
    Engine,
    alphabet::{STANDARD, URL_SAFE},
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};

/// How many decodings deep a reading may be (three layers: a body inside
/// a body inside a URL).
const MAX_DEPTH: usize = 3;
/// The most bytes of readings one text may produce, all layers together.
const MAX_TOTAL_BYTES: usize = 8 * 1024 * 1024;

/// `text` and every decoding of it, to [`MAX_DEPTH`] layers, each in its
/// canonical form: ASCII lower case, NUL bytes (UTF-16's high halves)
/// removed.
pub(crate) fn readings(text: &str) -> Vec<String> {
    let mut all = vec![canonical(text)];
    let mut layer = vec![text.to_owned()];
    let mut total = text.len();
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for text in &layer {
            for decoded in decodings(text) {
                // UTF-16's zero bytes would hide the next layer's marks.
                let decoded = decoded.replace('\0', "");
                let canonical = canonical(&decoded);
                if total + decoded.len() > MAX_TOTAL_BYTES || all.contains(&canonical) {
                    continue;
                }
                total += decoded.len();
                all.push(canonical);
                next.push(decoded);
            }
        }
        if next.is_empty() {
            break;
        }
        layer = next;
    }
    all
}

fn canonical(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\0')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// One layer: each decoder whose marks are in `text`.
fn decodings(text: &str) -> Vec<String> {
    let decoders: [fn(&str) -> Option<String>; 9] = [
        json_unescaped,
        unicode_escapes_only,
        slash_escapes_only,
        html_unescaped,
        percent_decoded,
        quoted_printable_decoded,
        hex_decoded,
        base64_decoded,
        without_line_breaks,
    ];
    decoders
        .iter()
        .filter_map(|decode| decode(text))
        .filter(|decoded| decoded != text)
        .collect()
}

/// JSON (and PHP, JavaScript) string escapes undone: `\/`, `\\`, `\"`,
/// `\r`, `\n`, `\uXXXX` (with surrogate pairs).
pub(crate) fn json_unescaped(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // `\U` too: a body upper-cased on the way keeps its escapes.
            Some('u' | 'U') => {
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
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('b' | 'f') => {}
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// Only `\uXXXX` escapes undone (what .NET writes for `+` and `/`),
/// leaving every other backslash: the text's own backslashes (a key may
/// hold some) stay as they were written.
fn unicode_escapes_only(text: &str) -> Option<String> {
    if !text.contains("\\u") && !text.contains("\\U") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u").into_iter().chain(rest.find("\\U")).min() {
        out.push_str(&rest[..at]);
        let hex = rest.get(at + 2..at + 6);
        match hex
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32)
        {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 6..];
            }
            None => {
                out.push_str(&rest[at..at + 2]);
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Only `\/` undone (what PHP writes for `/`), leaving other backslashes.
fn slash_escapes_only(text: &str) -> Option<String> {
    text.contains("\\/").then(|| text.replace("\\/", "/"))
}

/// HTML character references undone: `&#43;`, `&#x2F;`, and the named
/// ones an error page escapes a header with.
fn html_unescaped(text: &str) -> Option<String> {
    if !text.contains('&') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(';')
            .map(|end| end + 1)
            .filter(|end| *end <= 10);
        let decoded = end.and_then(|end| reference(&rest[1..end]));
        match (end, decoded) {
            (Some(end), Some(c)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

fn reference(name: &str) -> Option<char> {
    let number = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(decimal) = name.strip_prefix('#') {
        decimal.parse().ok()
    } else {
        return match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "sol" => Some('/'),
            "plus" => Some('+'),
            "equals" => Some('='),
            "colon" => Some(':'),
            _ => None,
        };
    };
    number.and_then(char::from_u32)
}

fn percent_decoded(text: &str) -> Option<String> {
    text.contains('%').then(|| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// Quoted-printable: `=XX` bytes, and soft line breaks (`=` at a line's
/// end) removed.
fn quoted_printable_decoded(text: &str) -> Option<String> {
    if !text.contains('=') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if bytes.get(i + 1..i + 3) == Some(b"\r\n") => i += 3,
            b'=' => match bytes.get(i + 1..i + 3).and_then(hex_byte) {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    std::str::from_utf8(pair)
        .ok()
        .and_then(|pair| u8::from_str_radix(pair, 16).ok())
}

/// Runs of hex (any case, with or without `:`, `-` or space between the
/// bytes, and a `\x` or `0x` before each) decoded to bytes, UTF-16 too
/// (its zero bytes fall away in the canonical form).
fn hex_decoded(text: &str) -> Option<String> {
    let cleaned: String = text
        .replace("\\x", "")
        .replace("0x", "")
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | ' '))
        .collect();
    let mut out = String::new();
    let mut found = false;
    for run in cleaned.split(|c: char| !c.is_ascii_hexdigit()) {
        if run.len() < 16 {
            continue;
        }
        for start in 0..2 {
            let bytes: Vec<u8> = run.as_bytes()[start..]
                .chunks_exact(2)
                .filter_map(hex_byte)
                .collect();
            out.push_str(&String::from_utf8_lossy(&bytes));
            out.push('\n');
            found = true;
        }
    }
    found.then_some(out)
}

/// Runs of base64 (either alphabet, padded or not, across line breaks as
/// MIME wraps it) decoded at every alignment.
fn base64_decoded(text: &str) -> Option<String> {
    let lenient = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let engines = [
        GeneralPurpose::new(&STANDARD, lenient),
        GeneralPurpose::new(&URL_SAFE, lenient),
    ];
    let joined: String = text
        .replace("\\r\\n", "")
        .replace("\\n", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out = String::new();
    for run in
        joined.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')))
    {
        if run.len() < 12 {
            continue;
        }
        for skip in 0..4 {
            let run = &run[skip..];
            let run = &run[..run.len() - usize::from(run.len() % 4 == 1)];
            for engine in &engines {
                if let Ok(bytes) = engine.decode(run) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                    out.push('\n');
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The text with line breaks (and the indentation after them) removed: a
/// key wrapped across lines reads whole again.
fn without_line_breaks(text: &str) -> Option<String> {
    if !text.contains('\n') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line.trim_start());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::readings;

    fn read_as(text: &str, wanted: &str) -> bool {
        readings(text)
            .iter()
            .any(|reading| reading.contains(wanted))
    }

    fn hex(bytes: &[u8], separator: &str) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(separator)
    }

    #[test]
    fn each_layer_and_their_compositions_are_read() {
        let key = "sk/live+q9zkeym0p=0123456789abcdefxyz";
        let utf16: Vec<u8> = key.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let dump = format!("GET / HTTP/1.1\r\nAuthorization: Bearer {key}\r\n\r\n");
        let mime = base64::engine::general_purpose::STANDARD.encode(dump.as_bytes());
        let wrapped: Vec<String> = mime
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8(line.to_vec()).unwrap())
            .collect();
        let once = percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        let twice =
            percent_encoding::utf8_percent_encode(&once, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for case in [
            key.replace('/', "&#47;").replace('+', "&#43;"),
            key.replace('/', "&#x2F;").replace('=', "&#x3D;"),
            hex(key.as_bytes(), "").to_lowercase(),
            hex(key.as_bytes(), ":"),
            hex(&utf16, ""),
            wrapped.join("\r\n"),
            wrapped.join("\n"),
            twice,
            format!("{{\"body\":\"{}\"}}", key.replace('/', "\\\\/")),
            format!("{}=\r\n{}", &key[..10], &key[10..]).replace("=0", "=3D0"),
        ] {
            assert!(read_as(&case, key), "{case}");
        }
    }
}
