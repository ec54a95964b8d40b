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

/// A name from the input (a column, a JSON field) as a message quotes it:
/// [`shown`], and cut like a value, so a 1 MB header cell is not printed
/// whole.
pub fn shown_name(name: &str) -> String {
    const QUOTED_CHARS: usize = 64;
    match name.char_indices().nth(QUOTED_CHARS) {
        None => shown(name),
        Some((end, _)) => format!(
            "{}… ({} characters)",
            shown(&name[..end]),
            name.chars().count()
        ),
    }
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

    #[test]
    fn long_names_are_cut_like_values() {
        let name = "n".repeat(1_000_000);
        let quoted = super::shown_name(&name);
        assert!(quoted.len() < 100, "{}", quoted.len());
        assert!(quoted.ends_with("(1000000 characters)"), "{quoted}");
    }
}
