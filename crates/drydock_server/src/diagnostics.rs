//! drydock's findings as LSP diagnostics.

use drydock_linter::{Diagnostic, Severity, registry};
use drydock_text::TextSize;
use lsp_types::{
    Code, CodeDescription, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, DiagnosticTag, Location, Message, Position, Range, Uri,
};

use crate::document::{Document, position};
use crate::lint::Linted;
use crate::session::Snapshot;

/// The `source` of every diagnostic.
pub const SOURCE: &str = "drydock";

/// The documentation link of a rule: its section of `rules.md` under `docs`.
#[must_use]
pub fn rule_url(docs: &str, code: &str) -> Option<String> {
    let meta = registry::by_code(code)?.meta();
    Some(format!(
        "{docs}#{}-{}",
        meta.code.to_ascii_lowercase(),
        meta.name
    ))
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::Error,
        Severity::Warning => DiagnosticSeverity::Warning,
        Severity::Info => DiagnosticSeverity::Information,
        Severity::Style => DiagnosticSeverity::Hint,
    }
}

/// Tags that let editors render a finding the usual way: unused suppressions and obsolete keys
/// faded (unnecessary), deprecated instructions struck through.
fn tags(code: &str) -> Option<Vec<DiagnosticTag>> {
    match code {
        "DY001" | "CMP104" => Some(vec![DiagnosticTag::Unnecessary]),
        "DL4000" => Some(vec![DiagnosticTag::Deprecated]),
        _ => None,
    }
}

/// Converts the findings of `doc`.
#[must_use]
pub fn to_lsp(snapshot: &Snapshot, doc: &Document, linted: &Linted) -> Vec<LspDiagnostic> {
    let enc = snapshot.encoding;
    let docs = snapshot.settings.docs().to_owned();
    let mut out: Vec<LspDiagnostic> = linted
        .diagnostics
        .iter()
        .map(|d| convert(snapshot, doc, linted, d, &docs))
        .collect();
    if let Some(error) = &linted.config_error {
        out.insert(
            0,
            LspDiagnostic {
                range: doc.range(drydock_text::TextRange::empty(TextSize::new(0)), enc),
                severity: Some(DiagnosticSeverity::Error),
                code: None,
                code_description: None,
                source: Some(SOURCE.to_owned()),
                message: Message::String(format!(
                    "configuration error (defaults are used): {error}"
                )),
                tags: None,
                related_information: None,
                data: None,
            },
        );
    }
    out
}

fn convert(
    snapshot: &Snapshot,
    doc: &Document,
    linted: &Linted,
    d: &Diagnostic,
    docs: &str,
) -> LspDiagnostic {
    let enc = snapshot.encoding;
    let caps = &snapshot.caps;
    let mut related = Vec::new();
    for label in &d.labels {
        let (uri, range) = match &label.file {
            None => (doc.uri.clone(), doc.range(label.range, enc)),
            Some(rel) => {
                let Some((_, other)) = linted.others.iter().find(|(p, _)| p == rel) else {
                    continue;
                };
                (
                    crate::uri::from_path(&other.path),
                    Range {
                        start: position(&other.text, &other.index, label.range.start(), enc),
                        end: position(&other.text, &other.index, label.range.end(), enc),
                    },
                )
            }
        };
        related.push(DiagnosticRelatedInformation {
            location: Location { uri, range },
            message: label.message.clone(),
        });
    }
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let href = caps
        .code_description
        .then(|| rule_url(docs, d.code))
        .flatten();
    LspDiagnostic {
        range: doc.range(d.range, enc),
        severity: Some(severity(d.severity)),
        code: Some(Code::String(d.code.to_owned())),
        code_description: href.map(|h| CodeDescription { href: Uri(h) }),
        source: Some(SOURCE.to_owned()),
        message: Message::String(message),
        tags: if caps.diagnostic_tags {
            tags(d.code)
        } else {
            None
        },
        related_information: (caps.related_information && !related.is_empty()).then_some(related),
        data: None,
    }
}

/// An empty range at the start of a document (for messages about the whole file).
#[must_use]
pub fn start() -> Range {
    Range {
        start: Position {
            line: 0,
            character: 0,
        },
        end: Position {
            line: 0,
            character: 0,
        },
    }
}
