//! Text primitives shared by drydock's syntax crates and everything above them.
//!
//! - [`TextRange`] / [`TextSize`]: byte offsets into a file (re-exported from `text-size`, the
//!   crate rust-analyzer uses).
//! - [`SourceText`]: a file's bytes decoded as UTF-8 **without moving any offset**: every invalid
//!   byte is replaced by one ASCII substitute character, so a byte offset means the same thing in
//!   the original bytes and in the decoded text, and the original bytes can always be restored.
//! - [`LineIndex`]: byte offset <-> line/column in UTF-8 bytes, UTF-16 code units (the LSP) and
//!   Unicode scalar values (the CLI).
//!
//! **Architecture invariant:** this crate knows nothing about Dockerfiles, YAML, rules or the LSP.

mod line_index;
mod source;

pub use line_index::{LineCol, LineIndex, PositionEncoding};
pub use source::{SUBSTITUTE, SourceText};
pub use text_size::{TextLen, TextRange, TextSize};

/// Builds a [`TextRange`] from `usize` offsets.
///
/// # Panics
/// Panics when `start > end` or when an offset does not fit in `u32` (files that large are
/// skipped before parsing, see the CLI's size limit).
#[must_use]
pub fn range(start: usize, end: usize) -> TextRange {
    TextRange::new(size(start), size(end))
}

/// Converts a `usize` offset into a [`TextSize`].
///
/// # Panics
/// Panics when the offset does not fit in `u32`.
#[must_use]
pub fn size(offset: usize) -> TextSize {
    TextSize::try_from(offset).expect("offset fits in u32")
}

/// `range` in text that moved from offset `from` to offset `to` (an edited document's next
/// version: what follows the edit moves as a whole).
///
/// # Panics
/// Panics when `range` starts before `from`.
#[must_use]
pub fn moved(range: TextRange, from: TextSize, to: TextSize) -> TextRange {
    TextRange::new(range.start() - from + to, range.end() - from + to)
}
