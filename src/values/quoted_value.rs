//! How an error quotes the input it refuses: enough to find it in a file,
//! never the whole of a 10 MB cell.

/// The most characters of a refused value an error message quotes.
pub(crate) const MAX_QUOTED_CHARS: usize = 64;

/// `value` as an error quotes it: whole when short, else its start and how
/// long it is (`abc… (10000000 characters)`).
pub(crate) fn quoted(value: &str) -> String {
    let length = value.chars().count();
    if length <= MAX_QUOTED_CHARS {
        return value.to_owned();
    }
    let start: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    format!("{start}… ({length} characters)")
}

#[cfg(test)]
mod tests {
    use super::{MAX_QUOTED_CHARS, quoted};

    #[test]
    fn long_values_are_cut_and_short_ones_kept() {
        assert_eq!(quoted("LPC-1"), "LPC-1");
        let huge = "x".repeat(10_000_000);
        let shown = quoted(&huge);
        assert!(shown.len() < MAX_QUOTED_CHARS + 40, "{}", shown.len());
        assert!(shown.ends_with("(10000000 characters)"));
    }
}
