//! Output formats. Each format is one module over the same [`FileResult`] type; the check
//! command computes positions (and, for `tty`, renders snippets) in its worker threads, so
//! writing the output is a cheap, ordered pass.
//!
//! hadolint's formats (`checkstyle`, `codeclimate`, `gitlab_codeclimate`, `gnu`, `codacy`,
//! `sonarqube`, `sarif`, `junit`) keep hadolint 2.15.1's shapes: the same keys in the same
//! order, the same severity mappings, drydock's name and version, and drydock's exact columns
//! and end positions wherever the shape has a place for them.

pub mod checkstyle;
pub mod codacy;
pub mod codeclimate;
pub mod github;
pub mod gitlab;
pub mod gnu;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod sonarqube;
pub mod statistics;
pub mod tty;
mod xml;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::args::Format;

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
    /// SHA-1 (hex) of the text the finding points at, whitespace runs collapsed: what the
    /// `gitlab_codeclimate` fingerprint is made of, so that it survives lines moving.
    pub content_digest: String,
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
        let content_digest = digest_of(
            text.get(usize::from(diagnostic.range.start())..usize::from(diagnostic.range.end()))
                .unwrap_or(""),
        );
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
            content_digest,
        }
    }

    /// The last line the finding covers: a range that ends at the start of a line (after a
    /// line break) does not cover that line.
    #[must_use]
    pub fn last_line(&self) -> u32 {
        if self.end.line > self.start.line && self.end.column == 1 {
            self.end.line - 1
        } else {
            self.end.line
        }
    }
}

/// SHA-1 (hex) of `text` with each run of whitespace replaced by one space and the ends
/// trimmed.
fn digest_of(text: &str) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    let mut first = true;
    for word in text.split_whitespace() {
        if !first {
            hasher.update(b" ");
        }
        first = false;
        hasher.update(word.as_bytes());
    }
    hasher.digest().to_string()
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
    /// The tally of the findings when only it was kept, not `findings` (the terminal rendering
    /// is the only output: a run over thousands of files then holds no findings).
    pub dropped: Option<Counts>,
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
            if let Some(dropped) = &result.dropped {
                for (total, n) in counts.by_severity.iter_mut().zip(dropped.by_severity) {
                    *total += n;
                }
                counts.fixable += dropped.fixable;
                counts.unsafe_fixable += dropped.unsafe_fixable;
                counts.files_with_findings += dropped.files_with_findings;
                continue;
            }
            if !result.findings.is_empty() {
                counts.files_with_findings += 1;
            }
            for finding in &result.findings {
                counts.tally(&finding.diagnostic);
            }
        }
        counts
    }

    /// The tally of one file's findings, for a result that keeps only that
    /// ([`FileResult::dropped`]).
    #[must_use]
    pub fn of_diagnostics(diagnostics: &[drydock_linter::Diagnostic]) -> Self {
        let mut counts = Self {
            files: 1,
            files_with_findings: usize::from(!diagnostics.is_empty()),
            ..Self::default()
        };
        for d in diagnostics {
            counts.tally(d);
        }
        counts
    }

    fn tally(&mut self, d: &drydock_linter::Diagnostic) {
        self.by_severity[d.severity as usize] += 1;
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(drydock_linter::Applicability::Safe) => self.fixable += 1,
            Some(drydock_linter::Applicability::Unsafe) => self.unsafe_fixable += 1,
            None => {}
        }
    }

    /// Total findings.
    #[must_use]
    pub fn total(&self) -> usize {
        self.by_severity.iter().sum()
    }
}

/// Where the rules documentation lives by default (`--rules-url`).
pub const DEFAULT_RULES_URL: &str = "https://github.com/drydock-lint/drydock/blob/main/rules.md";

/// The repository, for tool metadata.
pub const REPOSITORY_URL: &str = "https://github.com/drydock-lint/drydock";

/// What the writers need besides the results.
#[derive(Clone, Debug)]
pub struct Context {
    /// drydock's version.
    pub version: String,
    /// Base address of the rules documentation (SARIF `helpUri`).
    pub rules_url: String,
    /// `--file-path-in-report`.
    pub path_in_report: Option<PathBuf>,
    /// When the run started (JUnit).
    pub started: SystemTime,
    /// How long linting took (JUnit).
    pub elapsed: Duration,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            rules_url: DEFAULT_RULES_URL.to_owned(),
            path_in_report: None,
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }
}

impl Context {
    /// The path `format` reports for a file: `--file-path-in-report` when the format honours
    /// it, else the path as found.
    #[must_use]
    pub fn report_path(&self, format: Format, path: &Path) -> String {
        match &self.path_in_report {
            Some(replacement) if format.honors_path_in_report() => {
                replacement.display().to_string()
            }
            _ => path.display().to_string(),
        }
    }
}

/// Writes `results` in `format`. `tty` writes the rendered snippets only (the summary is the
/// caller's); `color` says whether ANSI colours may stay in them.
///
/// # Errors
/// Write errors.
pub fn write(
    format: Format,
    results: &[FileResult],
    ctx: &Context,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Tty => tty::write(results, color, out),
        Format::Json => json::write(results, out),
        Format::Checkstyle => checkstyle::write(results, ctx, out),
        Format::Codeclimate => codeclimate::write(results, ctx, out),
        Format::GitlabCodeclimate => gitlab::write(results, ctx, out),
        Format::Gnu => gnu::write(results, ctx, out),
        Format::Codacy => codacy::write(results, ctx, out),
        Format::Sonarqube => sonarqube::write(results, ctx, out),
        Format::Sarif => sarif::write(results, ctx, out),
        Format::Junit => junit::write(results, ctx, out),
        Format::Github => github::write(results, ctx, out),
    }
}
