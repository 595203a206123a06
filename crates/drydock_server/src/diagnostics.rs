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
use drydock_text::PositionEncoding;

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
    let docs = snapshot.settings.docs();
    let config = linted
        .config_error
        .as_deref()
        .map(|error| config_error(doc, error, snapshot.encoding));
    config
        .into_iter()
        .chain(
            linted
                .diagnostics
                .iter()
                .map(|d| convert(snapshot, doc, linted, d, docs)),
        )
        .collect()
}

/// A broken configuration, shown at the start of the document.
fn config_error(doc: &Document, error: &str, enc: PositionEncoding) -> LspDiagnostic {
    LspDiagnostic {
        range: doc.range(drydock_text::TextRange::empty(TextSize::new(0)), enc),
        severity: Some(DiagnosticSeverity::Error),
        code: None,
        code_description: None,
        source: Some(SOURCE.to_owned()),
        message: Message::String(format!("configuration error (defaults are used): {error}")),
        tags: None,
        related_information: None,
        data: None,
    }
}

/// The diagnostics last written out for a document, each as JSON text with what it was
/// written from: the next publication copies the text of those an edit left as they were
/// (the same range in the editor's coordinates, code, severity, message and help) instead of
/// converting and serializing them again ([`write_json`]).
#[derive(Debug, Default)]
pub struct Written {
    /// The documentation link base they were written with.
    docs: String,
    /// In the order they were written.
    entries: Vec<WrittenEntry>,
}

#[derive(Debug)]
struct WrittenEntry {
    range: Range,
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<std::borrow::Cow<'static, str>>,
    json: Box<[u8]>,
}

impl WrittenEntry {
    fn key(&self) -> Key<'_> {
        key(&self.range, self.code, &self.message)
    }
}

/// The order of findings (see `drydock_linter::lint::sort`), in the editor's coordinates.
type Key<'a> = (u32, u32, u32, u32, &'a str, &'a str);

fn key<'a>(range: &Range, code: &'a str, message: &'a str) -> Key<'a> {
    let Range { start, end } = range;
    (
        start.line,
        start.character,
        end.line,
        end.character,
        code,
        message,
    )
}

/// Writes what [`to_lsp`] gives as a JSON array to `out`, copying the text of the diagnostics
/// `written` has from the previous publication of the document; `written` then has this one's.
/// Findings with labels (rare) are always written afresh.
pub fn write_json(
    snapshot: &Snapshot,
    doc: &Document,
    linted: &Linted,
    written: &mut Written,
    out: &mut Vec<u8>,
) {
    let enc = snapshot.encoding;
    let docs = snapshot.settings.docs();
    if written.docs != docs {
        *written = Written {
            docs: docs.to_owned(),
            entries: Vec::new(),
        };
    }
    let mut old = std::mem::take(&mut written.entries).into_iter().peekable();
    let mut first = true;
    let mut separate = |out: &mut Vec<u8>| {
        out.push(if first { b'[' } else { b',' });
        first = false;
    };
    if let Some(error) = &linted.config_error {
        separate(out);
        let _ = serde_json::to_writer(&mut *out, &config_error(doc, error, enc));
    }
    for d in &linted.diagnostics {
        separate(out);
        if !d.labels.is_empty() {
            let _ = serde_json::to_writer(&mut *out, &convert(snapshot, doc, linted, d, docs));
            continue;
        }
        let range = doc.range(d.range, enc);
        let here = key(&range, d.code, &d.message);
        while old.next_if(|e| e.key() < here).is_some() {}
        let same =
            |e: &WrittenEntry| e.key() == here && e.severity == d.severity && e.help == d.help;
        let entry = old.next_if(same).unwrap_or_else(|| WrittenEntry {
            json: serde_json::to_vec(&convert(snapshot, doc, linted, d, docs))
                .unwrap_or_default()
                .into_boxed_slice(),
            range,
            code: d.code,
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
        });
        out.extend_from_slice(&entry.json);
        written.entries.push(entry);
    }
    if first {
        out.push(b'[');
    }
    out.push(b']');
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Kind;
    use crate::session::{ClientCaps, ClientSettings, Session};

    /// The JSON written with what the previous publication kept is, byte for byte, what
    /// serializing [`to_lsp`] gives, version after version of an edited document (findings
    /// that move, appear, disappear and change; help, tags, documentation links and labels).
    #[test]
    fn written_json_is_the_serialized_diagnostics_across_edits() {
        let caps = ClientCaps::from_json(&serde_json::json!({
            "textDocument": {"publishDiagnostics": {
                "codeDescriptionSupport": true,
                "relatedInformation": true,
                "tagSupport": {"valueSet": [1, 2]},
                "versionSupport": true,
            }},
        }));
        let (settings, _) = ClientSettings::from_json(&serde_json::Value::Null);
        for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let session = Session::new(encoding, caps.clone(), settings.clone(), Vec::new());
            let snapshot = session.snapshot();
            let uri =
                crate::uri::from_path(std::path::Path::new("/tmp/drydock-written/Dockerfile"));
            let versions = [
                "FROM debian\nRUN apt-get install curl\nMAINTAINER me\nFROM a AS x\nFROM b AS x\n",
                "# é\nFROM debian\nRUN apt-get install curl\nMAINTAINER me\nFROM a AS x\nFROM b AS x\n",
                "# é\nFROM debian\nRUN apt-get install curl wget\nMAINTAINER me\nFROM a AS x\nFROM b AS x\n",
                "# é\nFROM debian:12\nrun apt-get install curl wget\nMAINTAINER me\nFROM a AS x\nFROM b AS y\n",
                "FROM debian:12\nrun apt-get install curl wget\n# hadolint ignore=DL3008\nUSER root\n",
                "",
                "FROM debian\nRUN apt-get install curl\nMAINTAINER me\nFROM a AS x\nFROM b AS x\n",
            ];
            let mut written = Written::default();
            for (version, text) in (0..).zip(versions) {
                let doc = Document::new(uri.clone(), Kind::Dockerfile, version, text.to_owned());
                let mut linted = crate::lint::lint(&snapshot, &doc);
                if version == 3 {
                    linted.config_error = Some("a broken `.drydock.toml`".to_owned());
                }
                let expected = serde_json::to_vec(&to_lsp(&snapshot, &doc, &linted)).unwrap();
                let before: Vec<*const u8> =
                    written.entries.iter().map(|e| e.json.as_ptr()).collect();
                let mut json = Vec::new();
                write_json(&snapshot, &doc, &linted, &mut written, &mut json);
                let kept = written
                    .entries
                    .iter()
                    .filter(|e| before.contains(&e.json.as_ptr()))
                    .count();
                if version == 2 {
                    // Only the second RUN line changed: the findings on other lines are copied.
                    assert!(kept >= 3, "{kept} copied");
                }
                if version == 2 {
                    assert!(linted.diagnostics.iter().any(|d| !d.labels.is_empty()));
                }
                assert_eq!(
                    String::from_utf8_lossy(&json),
                    String::from_utf8_lossy(&expected),
                    "version {version} ({encoding:?})"
                );
            }
        }
    }
}
