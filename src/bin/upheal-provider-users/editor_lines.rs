//! Line numbers as an editor shows them, whatever the file's line endings.
//!
//! The `csv` crate's own line counter is off with CRLF endings and blank
//! lines, so every report maps a byte offset back to a line instead.

/// The byte offset where each line starts.
pub struct EditorLines {
    starts: Vec<usize>,
}

impl EditorLines {
    /// Indexes `text`; `\r\n`, `\n` and a lone `\r` (old Mac exports) each
    /// end a line, as editors count them.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &byte) in bytes.iter().enumerate() {
            let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        Self { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|&start| start <= offset) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::EditorLines;

    #[test]
    fn every_line_ending_counts_once() {
        let text = "a\r\nb\n\r\nc\rd";
        let lines = EditorLines::new(text);
        let line_of = |needle: &str| lines.line_of(text.find(needle).unwrap());
        assert_eq!(
            [line_of("a"), line_of("b"), line_of("c"), line_of("d")],
            [1, 2, 4, 5]
        );
    }
}
