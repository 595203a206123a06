//! The logical line of an instruction: its physical lines joined the way BuildKit joins them,
//! with a map from every logical offset back to the file.

use drydock_text::{TextRange, TextSize};

/// A joined instruction line and where each piece of it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogicalLine {
    text: String,
    /// `(logical start, file start)` of each contiguous piece, in order; pieces are non-empty.
    segments: Vec<(u32, u32)>,
    /// Where the first piece starts in the file, even when it is empty (the file offset of
    /// every position of an empty line).
    origin: Option<u32>,
}

impl LogicalLine {
    /// An empty line with room for `text` bytes in `segments` pieces.
    pub(crate) fn with_capacity(text: usize, segments: usize) -> Self {
        Self {
            text: String::with_capacity(text),
            segments: Vec::with_capacity(segments),
            origin: None,
        }
    }

    pub(crate) fn push(&mut self, piece: &str, file_start: usize) {
        let file = u32::try_from(file_start).unwrap_or(u32::MAX);
        self.origin.get_or_insert(file);
        if piece.is_empty() {
            return;
        }
        let logical = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        // Extend the previous segment when the piece is contiguous in the file too.
        let contiguous = self.segments.last().is_some_and(|&(l, f)| {
            let len = logical - l;
            f + len == file
        });
        if !contiguous {
            self.segments.push((logical, file));
        }
        self.text.push_str(piece);
    }

    /// Moves the pieces in the file (the line of an instruction after an edit).
    pub(crate) fn shift_file_offsets(&mut self, moved: impl Fn(TextSize) -> TextSize) {
        for file in self
            .segments
            .iter_mut()
            .map(|(_, f)| f)
            .chain(&mut self.origin)
        {
            *file = u32::from(moved(TextSize::new(*file)));
        }
    }

    /// The joined text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the line spans more than one piece of the file.
    #[must_use]
    pub fn is_split(&self) -> bool {
        self.segments.len() > 1
    }

    fn segment_index(&self, offset: u32) -> usize {
        match self.segments.binary_search_by_key(&offset, |&(l, _)| l) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// File offset of a logical offset used as the start of a range (at a piece boundary, the
    /// start of the later piece).
    #[must_use]
    pub fn file_start(&self, offset: usize) -> TextSize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        if self.segments.is_empty() {
            return TextSize::new(self.origin.unwrap_or(0));
        }
        let (l, f) = self.segments[self.segment_index(offset)];
        TextSize::new(f + (offset - l))
    }

    /// File offset of a logical offset used as the end of a range (at a piece boundary, the end
    /// of the earlier piece).
    #[must_use]
    pub fn file_end(&self, offset: usize) -> TextSize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        if self.segments.is_empty() {
            return TextSize::new(self.origin.unwrap_or(0));
        }
        let mut i = self.segment_index(offset);
        if i > 0 && self.segments[i].0 == offset {
            i -= 1;
        }
        let (l, f) = self.segments[i];
        TextSize::new(f + (offset - l))
    }

    /// File range of a logical range. An empty logical range maps to an empty file range.
    #[must_use]
    pub fn file_range(&self, start: usize, end: usize) -> TextRange {
        let file_start = self.file_start(start);
        if end <= start {
            return TextRange::empty(file_start);
        }
        let file_end = self.file_end(end).max(file_start);
        TextRange::new(file_start, file_end)
    }

    /// The logical offset of a file offset, if the file offset is part of the logical line.
    #[must_use]
    pub fn logical_offset(&self, file: TextSize) -> Option<usize> {
        let file = u32::from(file);
        for (i, &(l, f)) in self.segments.iter().enumerate() {
            let len = self
                .segments
                .get(i + 1)
                .map_or(self.text.len() as u32, |&(next, _)| next)
                - l;
            if file >= f && file <= f + len {
                return Some((l + (file - f)) as usize);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_across_pieces() {
        // "RUN a \\\n  b" -> pieces "RUN a " at 0 and "  b" at 8.
        let mut line = LogicalLine::default();
        line.push("RUN a ", 0);
        line.push("  b", 8);
        assert_eq!(line.text(), "RUN a   b");
        assert_eq!(line.file_start(6), TextSize::new(8));
        assert_eq!(line.file_end(6), TextSize::new(6));
        assert_eq!(line.file_range(4, 9), drydock_text::range(4, 11));
        assert_eq!(line.logical_offset(TextSize::new(10)), Some(8));
        assert!(line.is_split());
    }
}
