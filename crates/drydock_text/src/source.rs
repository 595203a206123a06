//! Offset-preserving decoding of a file's bytes.

use crate::TextRange;

/// The character that stands in for each byte of an invalid UTF-8 sequence.
///
/// U+001A SUBSTITUTE is one byte long, so replacing one invalid byte by it keeps every later offset
/// exactly where it was, and no Dockerfile or YAML syntax gives it a meaning.
pub const SUBSTITUTE: char = '\u{1a}';

/// A file's contents as text, with the original bytes recoverable.
///
/// Rules and parsers work on `&str`; diagnostics, fixes and the lossless round trip work on byte
/// offsets. Decoding with U+FFFD would move every offset after an invalid byte (one byte becomes
/// three), so instead each invalid byte becomes [`SUBSTITUTE`] and the replaced ranges are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceText {
    text: String,
    /// Ranges of `text` that were invalid UTF-8, with the original bytes.
    invalid: Vec<(TextRange, Vec<u8>)>,
}

impl SourceText {
    /// Decodes `bytes`; never fails.
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Self {
                text,
                invalid: Vec::new(),
            },
            Err(err) => Self::from_invalid(&err.into_bytes()),
        }
    }

    /// Wraps text that is already valid UTF-8 (an editor buffer, a test string).
    #[must_use]
    pub fn from_string(text: String) -> Self {
        Self {
            text,
            invalid: Vec::new(),
        }
    }

    fn from_invalid(bytes: &[u8]) -> Self {
        let mut text = String::with_capacity(bytes.len());
        let mut invalid: Vec<(TextRange, Vec<u8>)> = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(valid) => {
                    text.push_str(valid);
                    break;
                }
                Err(err) => {
                    let (valid, after) = rest.split_at(err.valid_up_to());
                    // `valid_up_to` guarantees this prefix is valid UTF-8.
                    text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    let bad_len = err.error_len().unwrap_or(after.len());
                    let start = text.len();
                    for _ in 0..bad_len {
                        text.push(SUBSTITUTE);
                    }
                    let range = crate::range(start, text.len());
                    // Merge with a directly preceding invalid run.
                    match invalid.last_mut() {
                        Some((prev, prev_bytes)) if prev.end() == range.start() => {
                            *prev = prev.cover(range);
                            prev_bytes.extend_from_slice(&after[..bad_len]);
                        }
                        _ => invalid.push((range, after[..bad_len].to_vec())),
                    }
                    rest = &after[bad_len..];
                }
            }
        }
        Self { text, invalid }
    }

    /// The decoded text; same length in bytes as the original file.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Byte length of the file.
    #[must_use]
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether the file is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Ranges that held invalid UTF-8 in the original file.
    pub fn invalid_ranges(&self) -> impl Iterator<Item = TextRange> + '_ {
        self.invalid.iter().map(|(range, _)| *range)
    }

    /// Whether the original file was valid UTF-8.
    #[must_use]
    pub fn is_valid_utf8(&self) -> bool {
        self.invalid.is_empty()
    }

    /// The original bytes of `range` (invalid bytes restored).
    #[must_use]
    pub fn original_bytes(&self, range: TextRange) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::from(range.len()));
        let mut pos = range.start();
        for (bad, bytes) in &self.invalid {
            if bad.end() <= range.start() {
                continue;
            }
            if bad.start() >= range.end() {
                break;
            }
            if bad.start() > pos {
                out.extend_from_slice(
                    &self.text.as_bytes()[usize::from(pos)..usize::from(bad.start())],
                );
            }
            let from = bad.start().max(range.start());
            let to = bad.end().min(range.end());
            let skip = usize::from(from - bad.start());
            let take = usize::from(to - from);
            out.extend_from_slice(&bytes[skip..skip + take]);
            pos = to;
        }
        if pos < range.end() {
            out.extend_from_slice(
                &self.text.as_bytes()[usize::from(pos)..usize::from(range.end())],
            );
        }
        out
    }

    /// The whole original file.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.original_bytes(crate::range(0, self.text.len()))
    }

    /// Whether `offset` is a character boundary of the decoded text.
    #[must_use]
    pub fn is_char_boundary(&self, offset: usize) -> bool {
        self.text.is_char_boundary(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn invalid_bytes_keep_offsets() {
        let bytes = b"FROM a\xff\xfeb\nRUN x".to_vec();
        let src = SourceText::from_bytes(bytes.clone());
        assert_eq!(src.len(), bytes.len());
        assert_eq!(&src.text()[..6], "FROM a");
        assert_eq!(&src.text()[8..], "b\nRUN x");
        assert_eq!(
            src.invalid_ranges().collect::<Vec<_>>(),
            vec![crate::range(6, 8)]
        );
        assert_eq!(src.to_bytes(), bytes);
        assert_eq!(src.original_bytes(crate::range(7, 9)), b"\xfeb".to_vec());
    }

    #[test]
    fn truncated_sequence_at_end() {
        let bytes = b"ok \xe2\x82".to_vec();
        let src = SourceText::from_bytes(bytes.clone());
        assert_eq!(src.to_bytes(), bytes);
        assert_eq!(src.len(), 5);
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let src = SourceText::from_bytes(bytes.clone());
            prop_assert_eq!(src.len(), bytes.len());
            prop_assert_eq!(src.to_bytes(), bytes.clone());
            // Any sub-range restores its own bytes.
            let n = bytes.len();
            for (a, b) in [(0, n / 2), (n / 3, n), (n / 4, (3 * n) / 4)] {
                prop_assert_eq!(src.original_bytes(crate::range(a, b)), bytes[a..b].to_vec());
            }
        }
    }
}
