//! Findings: what a rule reports, with exact ranges, optional secondary labels and fixes.

use std::borrow::Cow;
use std::fmt;

use drydock_text::{TextRange, TextSize};

/// How serious a finding is. Ordered from most to least serious.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks the build or is a serious security problem (LSP: Error).
    Error,
    /// Likely a problem (LSP: Warning).
    Warning,
    /// Worth knowing (LSP: Information).
    Info,
    /// Style and conventions (LSP: Hint).
    Style,
}

impl Severity {
    /// All severities, most serious first.
    pub const ALL: [Severity; 4] = [
        Severity::Error,
        Severity::Warning,
        Severity::Info,
        Severity::Style,
    ];

    /// The lowercase name used in output and configuration.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Style => "style",
        }
    }

    /// Parses a severity name (case-insensitive).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix can be applied without changing what the build produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the build's behaviour; applied by `--fix`.
    Safe,
    /// May change the build; applied only with `--unsafe-fixes`.
    Unsafe,
}

/// One text replacement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    /// The bytes to replace (empty for an insertion).
    pub range: TextRange,
    /// The new text. Line breaks are written as `\n`; they are converted to the file's line
    /// ending when the fix is applied.
    pub content: String,
}

impl Edit {
    /// Replaces `range` with `content`.
    #[must_use]
    pub fn replace(range: TextRange, content: impl Into<String>) -> Self {
        Self {
            range,
            content: content.into(),
        }
    }

    /// Inserts `content` at `offset`.
    #[must_use]
    pub fn insert(offset: drydock_text::TextSize, content: impl Into<String>) -> Self {
        Self {
            range: TextRange::empty(offset),
            content: content.into(),
        }
    }

    /// Deletes `range`.
    #[must_use]
    pub fn delete(range: TextRange) -> Self {
        Self {
            range,
            content: String::new(),
        }
    }
}

/// A fix: edits that are applied together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Safe or unsafe.
    pub applicability: Applicability,
    /// What the fix does, as a short imperative ("Replace `apt` with `apt-get`").
    pub title: String,
    /// Non-overlapping edits, sorted by position.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A safe fix.
    #[must_use]
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Safe, title, edits)
    }

    /// An unsafe fix.
    #[must_use]
    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Unsafe, title, edits)
    }

    fn new(applicability: Applicability, title: impl Into<String>, mut edits: Vec<Edit>) -> Self {
        edits.sort_by_key(|e| (e.range.start(), e.range.end()));
        Self {
            applicability,
            title: title.into(),
            edits,
        }
    }

    /// The smallest range covering all edits.
    #[must_use]
    pub fn range(&self) -> Option<TextRange> {
        let first = self.edits.first()?.range;
        Some(self.edits.iter().fold(first, |acc, e| acc.cover(e.range)))
    }
}

/// A secondary location with its own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub range: TextRange,
    /// What this place has to do with the finding.
    pub message: String,
    /// The file the label is in, when it is not the finding's file (compose projects span
    /// several files).
    pub file: Option<std::path::PathBuf>,
}

/// Extra meaning editors can show (LSP diagnostic tags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    /// The code is unused or unnecessary (shown faded).
    pub unnecessary: bool,
    /// The code is deprecated (shown struck through).
    pub deprecated: bool,
}

/// A finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's primary code (`DL3008`, `DS101`, `DY001`).
    pub code: &'static str,
    /// Severity after configuration.
    pub severity: Severity,
    /// What is wrong, in one sentence (no trailing period).
    pub message: String,
    /// The exact range the finding is about.
    pub range: TextRange,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// How to fix it, when there is more to say than the message.
    pub help: Option<Cow<'static, str>>,
    /// An automatic fix.
    pub fix: Option<Fix>,
    /// Editor tags.
    pub tags: Tags,
}

impl Diagnostic {
    /// A finding with no labels, help or fix.
    #[must_use]
    pub fn new(
        code: &'static str,
        severity: Severity,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            severity,
            message: message.into(),
            range,
            labels: Vec::new(),
            help: None,
            fix: None,
            tags: Tags::default(),
        }
    }

    /// Every range the finding mentions in its own file: its range, its labels' and its fix's
    /// edits'.
    pub fn ranges(&self) -> impl Iterator<Item = TextRange> + '_ {
        let labels = self
            .labels
            .iter()
            .filter(|l| l.file.is_none())
            .map(|l| l.range);
        let edits = self
            .fix
            .iter()
            .flat_map(|f| f.edits.iter().map(|e| e.range));
        std::iter::once(self.range).chain(labels).chain(edits)
    }

    /// The same finding about text that moved from offset `from` to offset `to` (every range
    /// in its own file is at least `from`).
    #[must_use]
    pub fn moved(&self, from: TextSize, to: TextSize) -> Self {
        let shift = |r: TextRange| drydock_text::moved(r, from, to);
        let mut moved = self.clone();
        moved.range = shift(moved.range);
        for label in moved.labels.iter_mut().filter(|l| l.file.is_none()) {
            label.range = shift(label.range);
        }
        for edit in moved.fix.iter_mut().flat_map(|f| f.edits.iter_mut()) {
            edit.range = shift(edit.range);
        }
        moved
    }

    /// Adds help text.
    pub fn help(&mut self, help: impl Into<Cow<'static, str>>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    pub fn label(&mut self, range: TextRange, message: impl Into<String>) -> &mut Self {
        self.labels.push(Label {
            range,
            message: message.into(),
            file: None,
        });
        self
    }

    /// Attaches a fix.
    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }

    /// Sets this finding's severity (for rules whose specification varies it per finding).
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// Adds a secondary label in another file.
    pub fn label_in(
        &mut self,
        file: std::path::PathBuf,
        range: TextRange,
        message: impl Into<String>,
    ) -> &mut Self {
        self.labels.push(Label {
            range,
            message: message.into(),
            file: Some(file),
        });
        self
    }

    /// Marks the finding's code as unnecessary.
    pub fn unnecessary(&mut self) -> &mut Self {
        self.tags.unnecessary = true;
        self
    }

    /// Marks the finding's code as deprecated.
    pub fn deprecated(&mut self) -> &mut Self {
        self.tags.deprecated = true;
        self
    }
}
