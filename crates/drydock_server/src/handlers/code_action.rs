//! `textDocument/codeAction`: each finding's fix as a quick fix (preferred when safe),
//! suppression comments the linter honours ("for this instruction" / "for this key", "in this
//! file"), and `source.fixAll.drydock`: every safe fix applied until nothing changes, exactly as
//! `drydock check --fix` writes the file.

use drydock_dockerfile::TextRange;
use drydock_linter::fix::{self, uses_crlf};
use drydock_linter::suppress_edit::{FileKind, Suppressor};
use drydock_linter::{Applicability, Diagnostic, DockerfileInput, Edit, Fix, Settings};
use lsp_types::CodeActionParams;
use serde_json::{Value, json};

use super::{HandlerError, project};
use crate::document::{Document, Kind};
use crate::session::Snapshot;

/// The kind of the fix-all source action.
pub const FIX_ALL: &str = "source.fixAll.drydock";

/// The kinds of actions the server offers (for `codeActionProvider`).
pub const KINDS: [&str; 2] = ["quickfix", FIX_ALL];

/// Answers `textDocument/codeAction`.
///
/// # Errors
/// Malformed parameters.
pub fn code_action(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let client_diagnostics: Vec<Value> = params
        .pointer("/context/diagnostics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let p: CodeActionParams = super::params(params)?;
    let Some(doc) = snapshot.document(&p.text_document.uri).cloned() else {
        return Ok(json!([]));
    };
    // A client without code action literals only runs commands; drydock offers none.
    if doc.kind == Kind::Other || !snapshot.caps.code_action_literals {
        return Ok(json!([]));
    }
    let only: Option<Vec<String>> = p
        .context
        .only
        .map(|kinds| kinds.into_iter().map(String::from).collect());
    let wants = |kind: &str| {
        only.as_ref().is_none_or(|requested| {
            requested.iter().any(|k| {
                kind == k
                    || kind
                        .strip_prefix(k.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            })
        })
    };
    let enc = snapshot.encoding;
    let linted = crate::lint::lint(snapshot, &doc);
    let converted = crate::diagnostics::to_lsp(snapshot, &doc, &linted);
    let skip = usize::from(linted.config_error.is_some());
    let requested = doc.text_range(p.range, enc);
    let lookup = project::lookup_path(snapshot, &doc);
    let settings = project::settings(snapshot, &lookup);
    let crlf = uses_crlf(doc.text.as_bytes());

    // Fixes first (a preferred one leads), then suppressions, then fix-all: editors list
    // actions in this order and apply the first with a single keystroke.
    let mut actions: Vec<Value> = Vec::new();
    let mut suppressions: Vec<Value> = Vec::new();
    if wants("quickfix") {
        let kind = match doc.kind {
            Kind::Dockerfile => Some(FileKind::Dockerfile),
            Kind::Compose => Some(FileKind::Compose),
            Kind::Other => None,
        };
        let suppressor = Suppressor::new(&doc.text, kind, !settings.disable_ignore_pragma);
        let mut titles: Vec<String> = Vec::new();
        for (i, d) in linted.diagnostics.iter().enumerate() {
            let Some(ours) = converted.get(skip + i) else {
                continue;
            };
            let client = client_diagnostics.iter().find(|c| same_diagnostic(c, ours));
            if !overlaps_request(d.range, requested) && client.is_none() {
                continue;
            }
            let attached = client
                .cloned()
                .unwrap_or_else(|| serde_json::to_value(ours).unwrap_or(Value::Null));
            if let Some(fix) = &d.fix
                && let Some(action) = fix_action(snapshot, &doc, d, fix, &attached, crlf)
            {
                actions.push(action);
            }
            for (title, edit) in suppressor.actions(d) {
                if titles.contains(&title) {
                    continue;
                }
                suppressions.push(json!({
                    "title": title,
                    "kind": "quickfix",
                    "diagnostics": [attached],
                    "isPreferred": false,
                    "edit": workspace_edit(snapshot, &doc, vec![text_edit(&doc, enc, &edit, crlf)]),
                }));
                titles.push(title);
            }
        }
    }
    actions.sort_by_key(|a| a["isPreferred"] != true);
    actions.extend(suppressions);
    let any_safe_fix = linted.diagnostics.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe && !f.edits.is_empty())
    });
    if wants(FIX_ALL)
        && any_safe_fix
        && let Some(edit) = fix_all(snapshot, &doc, &settings)
    {
        actions.push(json!({
            "title": "Fix all auto-fixable drydock problems",
            "kind": FIX_ALL,
            "edit": workspace_edit(snapshot, &doc, vec![edit]),
        }));
    }
    Ok(Value::Array(actions))
}

/// Whether a finding at `range` is part of the request's range (a cursor on its first or last
/// character counts).
fn overlaps_request(range: TextRange, requested: TextRange) -> bool {
    if requested.is_empty() || range.is_empty() {
        return range.start() <= requested.end() && requested.start() <= range.end();
    }
    range.start() < requested.end() && requested.start() < range.end()
}

/// Whether the client's diagnostic is this finding (same code and range).
fn same_diagnostic(client: &Value, ours: &lsp_types::Diagnostic) -> bool {
    let code = match &ours.code {
        Some(lsp_types::Code::String(s)) => json!(s),
        Some(lsp_types::Code::Int(i)) => json!(i),
        None => return false,
    };
    client.get("code") == Some(&code)
        && client
            .get("range")
            .and_then(|r| serde_json::from_value::<lsp_types::Range>(r.clone()).ok())
            == Some(ours.range)
        && client
            .get("source")
            .and_then(Value::as_str)
            .is_none_or(|s| s == crate::diagnostics::SOURCE)
}

/// Same semantics as the fix engine: two insertions at one place overlap, an insertion inside
/// a replaced range overlaps it, touching ranges do not.
fn edits_overlap(a: TextRange, b: TextRange) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    if a.is_empty() {
        return b.start() < a.start() && a.start() < b.end();
    }
    if b.is_empty() {
        return a.start() < b.start() && b.start() < a.end();
    }
    a.start() < b.end() && b.start() < a.end()
}

/// New text in the file's line endings.
fn with_eol(content: &str, crlf: bool) -> String {
    if crlf {
        content.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        content.to_owned()
    }
}

fn text_edit(
    doc: &Document,
    enc: drydock_text::PositionEncoding,
    edit: &Edit,
    crlf: bool,
) -> Value {
    json!({
        "range": doc.range(edit.range, enc),
        "newText": with_eol(&edit.content, crlf),
    })
}

/// A workspace edit of one document: `documentChanges` with its version when the client takes
/// them, `changes` otherwise.
fn workspace_edit(snapshot: &Snapshot, doc: &Document, edits: Vec<Value>) -> Value {
    if snapshot.caps.document_changes {
        json!({"documentChanges": [{
            "textDocument": {"uri": doc.uri, "version": doc.version},
            "edits": edits,
        }]})
    } else {
        let mut changes = serde_json::Map::new();
        changes.insert(doc.uri.0.clone(), Value::Array(edits));
        json!({"changes": changes})
    }
}

/// The quick fix of a finding; `None` when its edits are empty, overlap or fall outside the
/// text (never offered rather than corrupting the file).
fn fix_action(
    snapshot: &Snapshot,
    doc: &Document,
    d: &Diagnostic,
    fix: &Fix,
    attached: &Value,
    crlf: bool,
) -> Option<Value> {
    let text = &*doc.text;
    let mut edits: Vec<&Edit> = fix.edits.iter().collect();
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    let valid = !edits.is_empty()
        && edits.iter().all(|e| {
            usize::from(e.range.end()) <= text.len()
                && text.is_char_boundary(usize::from(e.range.start()))
                && text.is_char_boundary(usize::from(e.range.end()))
        })
        && edits
            .windows(2)
            .all(|w| !edits_overlap(w[0].range, w[1].range));
    if !valid {
        return None;
    }
    let safe = fix.applicability == Applicability::Safe;
    let title = if safe {
        format!("{} ({})", fix.title, d.code)
    } else {
        format!("{} ({}; unsafe: may change behaviour)", fix.title, d.code)
    };
    let text_edits = edits
        .iter()
        .map(|e| text_edit(doc, snapshot.encoding, e, crlf))
        .collect();
    Some(json!({
        "title": title,
        "kind": "quickfix",
        "diagnostics": [attached],
        "isPreferred": safe,
        "edit": workspace_edit(snapshot, doc, text_edits),
    }))
}

/// Every safe fix of the document applied until nothing changes (what `drydock check --fix`
/// writes), as one edit replacing the part of the document that changed.
fn fix_all(snapshot: &Snapshot, doc: &Document, settings: &Settings) -> Option<Value> {
    let fixed: Vec<u8> = match doc.kind {
        Kind::Dockerfile => {
            let input = DockerfileInput {
                path: doc.path.as_deref(),
                target_stage: None,
                context: None,
            };
            fix::fix_dockerfile(doc.text.as_bytes().to_vec(), input, settings, false).output
        }
        Kind::Compose => {
            let path = project::lookup_path(snapshot, doc);
            let fs = project::overlay(snapshot, doc, &path);
            let options = project::load_options(snapshot, &path, &fs);
            let focus = [path.clone()];
            let outcome = fix::fix_compose(&options, &fs, Some(&focus), settings, false);
            outcome
                .changed
                .into_iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, _, fixed)| fixed)?
        }
        Kind::Other => return None,
    };
    let fixed = String::from_utf8(fixed).ok()?;
    let old = &*doc.text;
    if fixed == old {
        return None;
    }
    let (range, new_text) = minimal_replacement(old, &fixed);
    Some(json!({
        "range": doc.range(range, snapshot.encoding),
        "newText": new_text,
    }))
}

/// The smallest range of `old` to replace (and its replacement) to get `new`, with both ends on
/// character boundaries and never between the `\r` and `\n` of a line ending.
fn minimal_replacement(old: &str, new: &str) -> (TextRange, String) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while prefix > 0
        && (!old.is_char_boundary(prefix)
            || (a[prefix - 1] == b'\r' && a.get(prefix) == Some(&b'\n')))
    {
        prefix -= 1;
    }
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    loop {
        let s = a.len() - suffix;
        let inside_crlf = suffix > 0 && s > 0 && a[s - 1] == b'\r' && a[s] == b'\n';
        if suffix > 0
            && (!old.is_char_boundary(s) || !new.is_char_boundary(b.len() - suffix) || inside_crlf)
        {
            suffix -= 1;
        } else {
            break;
        }
    }
    (
        drydock_text::range(prefix, a.len() - suffix),
        new[prefix..b.len() - suffix].to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_replacements_keep_line_endings_whole() {
        let (r, t) = minimal_replacement("a\r\nb\r\n", "a\r\nx\r\nb\r\n");
        let old = "a\r\nb\r\n";
        let applied = format!(
            "{}{}{}",
            &old[..usize::from(r.start())],
            t,
            &old[usize::from(r.end())..]
        );
        assert_eq!(applied, "a\r\nx\r\nb\r\n");
        assert!(!old[..usize::from(r.start())].ends_with('\r'));
        let (r, t) = minimal_replacement("é1", "é2");
        assert_eq!((r, t.as_str()), (drydock_text::range(2, 3), "2"));
        let (r, t) = minimal_replacement("éa", "èa");
        assert_eq!((r, t.as_str()), (drydock_text::range(0, 2), "è"));
        let (r, t) = minimal_replacement("abc", "abc\n");
        assert_eq!((r, t.as_str()), (drydock_text::range(3, 3), "\n"));
    }

    #[test]
    fn overlap_of_requests() {
        let r = drydock_text::range;
        assert!(
            overlaps_request(r(4, 8), r(8, 8)),
            "cursor after the last character"
        );
        assert!(overlaps_request(r(4, 8), r(4, 4)));
        assert!(!overlaps_request(r(4, 8), r(9, 9)));
        assert!(overlaps_request(r(4, 8), r(0, 5)));
        assert!(!overlaps_request(r(4, 8), r(8, 12)));
    }
}
