//! Output formats. Each format is one module over the same [`FileResult`] type; the check
//! command computes positions (and, for `tty`, renders snippets) in its worker threads, so
//! writing the output is a cheap, ordered pass.

pub mod json;
pub mod tty;

use std::path::PathBuf;

use drydock_linter::Diagnostic;
use drydock_text::{LineIndex, PositionEncoding, TextRange};

use crate::discover::FileKind;

/// A 1-based line and column (columns count Unicode characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Position {
    /// The position of `offset` in `text`.
    #[must_use]
    pub fn of(text: &str, index: &LineIndex, offset: drydock_text::TextSize) -> Self {
        let lc = index.line_col(text, offset, PositionEncoding::Utf32);
        Self {
            line: lc.line + 1,
            column: lc.col + 1,
        }
    }
}

/// A finding with its positions computed.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The finding.
    pub diagnostic: Diagnostic,
    /// Start of its range.
    pub start: Position,
    /// End of its range (exclusive).
    pub end: Position,
    /// The fix's edits with positions.
    pub edits: Vec<(Position, Position, String)>,
}

impl Finding {
    /// Computes positions for a diagnostic of `text`.
    #[must_use]
    pub fn new(diagnostic: Diagnostic, text: &str, index: &LineIndex) -> Self {
        let pos = |r: TextRange| {
            (
                Position::of(text, index, r.start()),
                Position::of(text, index, r.end()),
            )
        };
        let (start, end) = pos(diagnostic.range);
        let edits = diagnostic
            .fix
            .iter()
            .flat_map(|f| &f.edits)
            .map(|e| {
                let (s, t) = pos(e.range);
                (s, t, e.content.clone())
            })
            .collect();
        Self {
            diagnostic,
            start,
            end,
            edits,
        }
    }
}

/// The outcome for one file.
#[derive(Clone, Debug)]
pub struct FileResult {
    /// The path as given or as found by the walk.
    pub path: PathBuf,
    /// Its kind.
    pub kind: FileKind,
    /// Findings, sorted by position.
    pub findings: Vec<Finding>,
    /// The `tty` rendering of the findings (empty for other formats).
    pub rendered: Vec<u8>,
    /// Number of fixes applied (with `--fix`).
    pub fixed: usize,
}

/// Counts for the summary line and exit code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Findings by severity: error, warning, info, style.
    pub by_severity: [usize; 4],
    /// Findings with a safe fix.
    pub fixable: usize,
    /// Findings with an unsafe fix.
    pub unsafe_fixable: usize,
    /// Files with at least one finding.
    pub files_with_findings: usize,
    /// Files linted.
    pub files: usize,
    /// Fixes applied.
    pub fixed: usize,
}

impl Counts {
    /// Tallies results.
    #[must_use]
    pub fn of(results: &[FileResult]) -> Self {
        let mut counts = Self {
            files: results.len(),
            ..Self::default()
        };
        for result in results {
            counts.fixed += result.fixed;
            if !result.findings.is_empty() {
                counts.files_with_findings += 1;
            }
            for finding in &result.findings {
                let d = &finding.diagnostic;
                counts.by_severity[d.severity as usize] += 1;
                match d.fix.as_ref().map(|f| f.applicability) {
                    Some(drydock_linter::Applicability::Safe) => counts.fixable += 1,
                    Some(drydock_linter::Applicability::Unsafe) => counts.unsafe_fixable += 1,
                    None => {}
                }
            }
        }
        counts
    }

    /// Total findings.
    #[must_use]
    pub fn total(&self) -> usize {
        self.by_severity.iter().sum()
    }
}
