//! Characters that change what a reader sees without being seen: the
//! bidirectional controls of the Trojan Source class (CVE-2021-42574) and
//! zero-width characters. Text holding one reads differently on a screen
//! than it is stored, so an operator cannot check what is sent.

/// The first hidden character in `text`, with its Unicode name.
pub(crate) fn hidden_character(text: &str) -> Option<(char, &'static str)> {
    text.chars().find_map(|c| name(c).map(|name| (c, name)))
}

/// A refused character as a message names it: `U+202E RIGHT-TO-LEFT
/// OVERRIDE`.
pub(crate) fn describe((c, name): (char, &'static str)) -> String {
    format!("U+{:04X} {name}", u32::from(c))
}

fn name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{describe, hidden_character};

    #[test]
    fn every_bidi_control_and_zero_width_character_is_found_and_named() {
        let hidden = [
            '\u{061C}', '\u{180E}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}',
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2060}', '\u{2066}',
            '\u{2067}', '\u{2068}', '\u{2069}', '\u{FEFF}',
        ];
        for c in hidden {
            let found = hidden_character(&format!("LPC{c}-1")).expect("found");
            assert_eq!(found.0, c);
            assert!(describe(found).starts_with(&format!("U+{:04X} ", u32::from(c))));
        }
        assert_eq!(
            hidden_character("José Ñúñez 李 مرحبا"),
            None,
            "letters of any script"
        );
    }
}
