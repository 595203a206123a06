//! Byte offset <-> line/column conversion in the three encodings drydock needs.

use crate::{TextRange, TextSize};

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositionEncoding {
    /// Bytes of UTF-8 (LSP `utf-8`).
    Utf8,
    /// UTF-16 code units (LSP `utf-16`, the default every client supports).
    Utf16,
    /// Unicode scalar values (the CLI's columns; LSP `utf-32`).
    Utf32,
}

/// A zero-based line and column; the column's unit depends on the [`PositionEncoding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based column.
    pub col: u32,
}

/// Line starts of a text. Lines end at `\n`, `\r\n` or a lone `\r`, as the LSP specification
/// defines them, so positions agree with what an editor shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Offset of the first byte of each line; always starts with 0.
    starts: Vec<TextSize>,
    /// Byte offset of each line's terminator (or the end of the text for the last line).
    ends: Vec<TextSize>,
    len: TextSize,
    ascii: bool,
}

impl LineIndex {
    /// Indexes `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        // (A guess at the line count, so that the vectors rarely grow: lines of Dockerfiles
        // and compose files average well over 16 bytes.)
        let guess = bytes.len() / 16 + 1;
        let mut starts = Vec::with_capacity(guess);
        let mut ends = Vec::with_capacity(guess);
        starts.push(TextSize::new(0));
        // One iterator over the line breaks (a `memchr2` call per line costs its setup each
        // time); the `\n` of a `\r\n` pair is skipped.
        let mut next = 0;
        for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if at < next {
                continue;
            }
            ends.push(crate::size(at));
            next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(crate::size(next));
        }
        ends.push(crate::size(bytes.len()));
        Self {
            starts,
            ends,
            len: crate::size(bytes.len()),
            ascii: text.is_ascii(),
        }
    }

    /// Number of lines (a text ending in a newline has an empty last line).
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Length of the indexed text.
    #[must_use]
    pub fn len(&self) -> TextSize {
        self.len
    }

    /// Whether the indexed text is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == TextSize::new(0)
    }

    /// Zero-based line containing `offset` (an offset inside a line terminator belongs to the line
    /// it ends).
    #[must_use]
    pub fn line_of(&self, offset: TextSize) -> usize {
        let offset = offset.min(self.len);
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Range of line `line`'s content, without its terminator.
    #[must_use]
    pub fn line_range(&self, line: usize) -> Option<TextRange> {
        Some(TextRange::new(
            *self.starts.get(line)?,
            *self.ends.get(line)?,
        ))
    }

    /// Range of line `line` including its terminator.
    #[must_use]
    pub fn line_range_full(&self, line: usize) -> Option<TextRange> {
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        Some(TextRange::new(start, end))
    }

    /// Line and column of `offset`. The offset is clamped to the text; an offset that falls
    /// inside a multi-byte character is moved back to that character's start.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: TextSize, encoding: PositionEncoding) -> LineCol {
        let mut offset = usize::from(offset.min(self.len));
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let offset = crate::size(offset);
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = match encoding {
            PositionEncoding::Utf8 => u32::from(offset - start),
            _ if self.ascii => u32::from(offset - start),
            PositionEncoding::Utf16 => {
                let slice = &text[TextRange::new(start, offset)];
                u32::try_from(slice.chars().map(char::len_utf16).sum::<usize>()).unwrap_or(u32::MAX)
            }
            PositionEncoding::Utf32 => {
                let slice = &text[TextRange::new(start, offset)];
                u32::try_from(slice.chars().count()).unwrap_or(u32::MAX)
            }
        };
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col,
        }
    }

    /// Byte offset of a line/column. A line past the end gives the end of the text; a column past
    /// the end of its line gives the line's end (the LSP's rule); a column inside a character (a
    /// UTF-16 column between two surrogates) gives that character's start.
    #[must_use]
    pub fn offset(&self, text: &str, pos: LineCol, encoding: PositionEncoding) -> TextSize {
        let line = pos.line as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(line), self.ends.get(line)) else {
            return self.len;
        };
        let line_text = &text[TextRange::new(start, end)];
        let col = pos.col as usize;
        let within = match encoding {
            PositionEncoding::Utf8 => {
                let mut col = col.min(line_text.len());
                while col > 0 && !line_text.is_char_boundary(col) {
                    col -= 1;
                }
                col
            }
            _ if self.ascii => col.min(line_text.len()),
            PositionEncoding::Utf16 | PositionEncoding::Utf32 => {
                let mut units = 0usize;
                let mut byte = line_text.len();
                for (i, ch) in line_text.char_indices() {
                    if units >= col {
                        byte = i;
                        break;
                    }
                    let width = if encoding == PositionEncoding::Utf16 {
                        ch.len_utf16()
                    } else {
                        1
                    };
                    if units + width > col {
                        byte = i;
                        break;
                    }
                    units += width;
                }
                byte
            }
        };
        start + crate::size(within)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn line_endings() {
        let text = "a\nbc\r\nd\re";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let lc = |o: u32| index.line_col(text, TextSize::new(o), PositionEncoding::Utf8);
        assert_eq!(lc(0), LineCol { line: 0, col: 0 });
        assert_eq!(lc(2), LineCol { line: 1, col: 0 });
        assert_eq!(lc(4), LineCol { line: 1, col: 2 });
        assert_eq!(lc(6), LineCol { line: 2, col: 0 });
        assert_eq!(lc(8), LineCol { line: 3, col: 0 });
        assert_eq!(index.line_range(1), Some(crate::range(2, 4)));
        assert_eq!(index.line_range_full(1), Some(crate::range(2, 6)));
    }

    #[test]
    fn utf16_columns() {
        let text = "é😀x";
        let index = LineIndex::new(text);
        let x = TextSize::new(6);
        assert_eq!(index.line_col(text, x, PositionEncoding::Utf8).col, 6);
        assert_eq!(index.line_col(text, x, PositionEncoding::Utf16).col, 3);
        assert_eq!(index.line_col(text, x, PositionEncoding::Utf32).col, 2);
        assert_eq!(
            index.offset(text, LineCol { line: 0, col: 3 }, PositionEncoding::Utf16),
            x
        );
        // Between the two surrogates of the emoji: snapped to its start.
        assert_eq!(
            index.offset(text, LineCol { line: 0, col: 2 }, PositionEncoding::Utf16),
            TextSize::new(2)
        );
        // Past the end of the line: the line's end.
        assert_eq!(
            index.offset(text, LineCol { line: 0, col: 99 }, PositionEncoding::Utf16),
            TextSize::new(7)
        );
        assert_eq!(
            index.offset(text, LineCol { line: 5, col: 0 }, PositionEncoding::Utf16),
            TextSize::new(7)
        );
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a".to_owned()),
                Just("\n".to_owned()),
                Just("\r".to_owned()),
                Just("\r\n".to_owned()),
                Just("é".to_owned()),
                Just("😀".to_owned()),
                Just("\t".to_owned()),
                any::<char>().prop_map(String::from),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        /// Any position a client may send, however far outside the text, lands on a character
        /// boundary inside it; positions keep their order; and the position of that offset
        /// maps back to it.
        #[test]
        fn any_position_lands_inside_in_order(
            text in text_strategy(),
            positions in proptest::collection::vec((0u32..50, 0u32..200), 1..20),
        ) {
            let index = LineIndex::new(&text);
            for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                let mut sorted = positions.clone();
                sorted.sort_unstable();
                let mut last = crate::size(0);
                for (line, col) in sorted {
                    let offset = index.offset(&text, LineCol { line, col }, encoding);
                    prop_assert!(usize::from(offset) <= text.len());
                    prop_assert!(text.is_char_boundary(usize::from(offset)));
                    prop_assert!(offset >= last, "{:?} went back", (line, col));
                    last = offset;
                    let back = index.line_col(&text, offset, encoding);
                    prop_assert_eq!(index.offset(&text, back, encoding), offset);
                }
            }
        }

        /// The lines are those a scan from break to break finds (`\n`, `\r\n`, a lone `\r`).
        #[test]
        fn lines_are_found_break_by_break(text in text_strategy()) {
            let bytes = text.as_bytes();
            let (mut starts, mut ends, mut i) = (vec![0], Vec::new(), 0);
            while let Some(found) = bytes[i..].iter().position(|&b| b == b'\n' || b == b'\r') {
                let at = i + found;
                ends.push(at);
                i = if bytes[at..].starts_with(b"\r\n") { at + 2 } else { at + 1 };
                starts.push(i);
            }
            ends.push(bytes.len());
            let index = LineIndex::new(&text);
            let found: Vec<(usize, usize)> = index
                .starts
                .iter()
                .zip(&index.ends)
                .map(|(&s, &e)| (usize::from(s), usize::from(e)))
                .collect();
            let expected: Vec<(usize, usize)> = starts.into_iter().zip(ends).collect();
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn offset_line_col_round_trip(text in text_strategy()) {
            let index = LineIndex::new(&text);
            for (offset, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
                let offset = crate::size(offset);
                // Offsets inside a CRLF pair are not positions an editor can express.
                if usize::from(offset) > 0
                    && text.as_bytes()[usize::from(offset) - 1] == b'\r'
                    && text.as_bytes().get(usize::from(offset)) == Some(&b'\n')
                {
                    continue;
                }
                for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                    let pos = index.line_col(&text, offset, encoding);
                    prop_assert_eq!(index.offset(&text, pos, encoding), offset, "{:?} {:?}", encoding, pos);
                }
            }
        }
    }
}
