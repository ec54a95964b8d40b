//! Text from an input file, made safe to print on a terminal.

/// Escapes control characters (an ESC in a cell could rewrite the screen)
/// and the bidirectional overrides that reorder what a reader sees; keeps
/// every other character, accents included, as it is.
pub fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn control_and_bidi_characters_are_escaped_and_accents_kept() {
        assert_eq!(shown("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(shown("x\ny\r"), "x\\ny\\r");
        assert_eq!(shown("evil\u{202E}txt"), "evil\\u{202e}txt");
        assert_eq!(shown("José"), "José");
    }
}
