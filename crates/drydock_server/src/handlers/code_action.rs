//! `textDocument/codeAction`: each finding's fix as a quick fix (preferred when safe),
//! suppression comments the linter honours ("for this instruction" / "for this key", "in this
//! file"), and `source.fixAll.drydock`: every safe fix applied until nothing changes, exactly as
//! `drydock check --fix` writes the file.

use drydock_compose::yaml::{self, Node, NodeKind};
use drydock_dockerfile::{ItemKind, TextRange, TextSize};
use drydock_linter::fix::{self, uses_crlf};
use drydock_linter::registry;
use drydock_linter::suppression::{self, Flavor, Scope};
use drydock_linter::{Applicability, Diagnostic, DockerfileInput, Edit, Fix, Settings};
use drydock_text::LineIndex;
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
            requested
                .iter()
                .any(|k| kind == k || kind.strip_prefix(k.as_str()).is_some_and(|r| r.starts_with('.')))
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

    let mut actions: Vec<Value> = Vec::new();
    if wants("quickfix") {
        let suppressor = Suppressor::new(&doc, !settings.disable_ignore_pragma);
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
                actions.push(json!({
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

fn text_edit(doc: &Document, enc: drydock_text::PositionEncoding, edit: &Edit, crlf: bool) -> Value {
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

// --- suppression comments ----------------------------------------------------------------------

/// Builds suppression edits for one document, in forms the linter honours.
enum Suppressor<'a> {
    /// Pragmas are turned off (`disable-ignore-pragma`) or the document is neither kind.
    Off,
    Dockerfile {
        text: &'a str,
        file: drydock_dockerfile::Dockerfile,
        pragmas: Vec<suppression::Pragma>,
    },
    Compose {
        text: &'a str,
        index: LineIndex,
        tree: yaml::Document,
        comments: Vec<yaml::Comment>,
    },
}

impl<'a> Suppressor<'a> {
    fn new(doc: &'a Document, enabled: bool) -> Self {
        let text = &*doc.text;
        match doc.kind {
            _ if !enabled => Self::Off,
            Kind::Dockerfile => {
                let file = drydock_dockerfile::parse_str(text);
                let index = LineIndex::new(text);
                let pragmas = suppression::pragmas(&file, &index);
                Self::Dockerfile {
                    text,
                    file,
                    pragmas,
                }
            }
            Kind::Compose => {
                let tree = yaml::parse(text);
                let comments = yaml::comments(text, &tree);
                Self::Compose {
                    text,
                    index: LineIndex::new(text),
                    tree,
                    comments,
                }
            }
            Kind::Other => Self::Off,
        }
    }

    /// The suppression actions for a finding: `(title, edit)`, the narrow one first.
    fn actions(&self, d: &Diagnostic) -> Vec<(String, Edit)> {
        let code = d.code;
        let suppressible = match self {
            Self::Off => false,
            // Findings about suppressions themselves come after suppressions are applied.
            _ if code.starts_with("DY") => false,
            Self::Dockerfile { .. } => {
                registry::by_code(code).is_some() || registry::is_shellcheck_code(code)
            }
            Self::Compose { .. } => registry::by_code(code).is_some(),
        };
        if !suppressible {
            return Vec::new();
        }
        let mut out = Vec::new();
        match self {
            Self::Off => {}
            Self::Dockerfile {
                text,
                file,
                pragmas,
            } => {
                if let Some(edit) = dockerfile_next(text, file, pragmas, d) {
                    out.push((format!("Suppress {code} for this instruction"), edit));
                }
                out.push((
                    format!("Suppress {code} in this file"),
                    dockerfile_global(text, file, pragmas, code),
                ));
            }
            Self::Compose {
                text,
                index,
                tree,
                comments,
            } => {
                if let Some(edit) = compose_next(text, index, tree, comments, d) {
                    out.push((format!("Suppress {code} for this key"), edit));
                }
                out.push((
                    format!("Suppress {code} in this file"),
                    compose_global(text, comments, code),
                ));
            }
        }
        out
    }
}

/// Whether a pragma code names the finding's code.
fn names(code_text: &str, code: &str) -> bool {
    match registry::by_code(code) {
        Some(id) => registry::find(code_text) == Some(id),
        None => code_text.eq_ignore_ascii_case(code),
    }
}

/// `# drydock ignore=CODE` in the comment block above the instruction holding the finding (the
/// code added to a drydock comment already there).
fn dockerfile_next(
    text: &str,
    file: &drydock_dockerfile::Dockerfile,
    pragmas: &[suppression::Pragma],
    d: &Diagnostic,
) -> Option<Edit> {
    let items = file.items();
    let start = d.range.start();
    // The instruction whose comment block covers the finding, as the linter decides it.
    let (i, instruction) = items.iter().enumerate().find_map(|(i, item)| match &item.kind {
        ItemKind::Instruction(instruction) => {
            let covered = TextRange::new(item.range.start(), instruction.range.end());
            (covered.contains(start) || covered.start() == start).then_some((i, instruction))
        }
        _ => None,
    })?;
    let pragma_of = |item: &drydock_dockerfile::Item| match &item.kind {
        ItemKind::Comment(c) => pragmas.iter().find(|p| p.comment == c.range),
        _ => None,
    };
    // The comment block directly above: items `block..i`.
    let mut block = i;
    while block > 0 && matches!(items[block - 1].kind, ItemKind::Comment(_)) {
        block -= 1;
    }
    for item in items[block..i].iter().rev() {
        if let Some(p) = pragma_of(item)
            && p.flavor == Flavor::Drydock
            && p.scope == Scope::Next
            && let Some(last) = p.codes.last()
        {
            if p.codes.iter().any(|c| names(&c.text, d.code)) {
                return None;
            }
            return Some(Edit::insert(last.range.end(), format!(",{}", d.code)));
        }
    }
    // A new line right above the instruction, but above hadolint's pragmas that must stay
    // directly above it.
    let mut at = i;
    while at > block
        && pragma_of(&items[at - 1])
            .is_some_and(|p| p.flavor == Flavor::Hadolint && p.scope == Scope::Next)
    {
        at -= 1;
    }
    let indent = &text[TextRange::new(items[i].range.start(), instruction.range.start())];
    let indent = if indent.chars().all(|c| c == ' ' || c == '\t') {
        indent
    } else {
        ""
    };
    Some(Edit::insert(
        items[at].range.start(),
        format!("{indent}# drydock ignore={}\n", d.code),
    ))
}

/// `# drydock global ignore=CODE` after the BOM and parser directives (or the code added to a
/// global drydock comment already there).
fn dockerfile_global(
    text: &str,
    file: &drydock_dockerfile::Dockerfile,
    pragmas: &[suppression::Pragma],
    code: &str,
) -> Edit {
    if let Some(last) = pragmas
        .iter()
        .filter(|p| p.flavor == Flavor::Drydock && p.scope == Scope::Global)
        .find_map(|p| p.codes.last())
    {
        return Edit::insert(last.range.end(), format!(",{code}"));
    }
    let at = file
        .items()
        .iter()
        .take_while(|item| matches!(item.kind, ItemKind::Bom | ItemKind::Directive(_)))
        .last()
        .map_or(TextSize::new(0), |item| item.range.end());
    top_insert(text, at, &format!("# drydock global ignore={code}"))
}

/// Inserts `line` as a line of its own at `at` (the start of a line, or the end of a file that
/// does not end with a line break).
fn top_insert(text: &str, at: TextSize, line: &str) -> Edit {
    let offset = usize::from(at);
    if offset > 0 && offset == text.len() && !text.ends_with(['\n', '\r']) {
        Edit::insert(at, format!("\n{line}"))
    } else {
        Edit::insert(at, format!("{line}\n"))
    }
}

/// The entries of a YAML document (mapping entries from key to value, sequence items), as the
/// linter's compose suppressions see them.
fn yaml_entries(tree: &yaml::Document) -> Vec<TextRange> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = tree.root.iter().collect();
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                for (k, v) in entries {
                    out.push(TextRange::new(
                        k.range.start(),
                        v.range.end().max(k.range.end()),
                    ));
                    stack.push(v);
                }
            }
            NodeKind::Sequence(items) => {
                for item in items {
                    out.push(item.range);
                    stack.push(item);
                }
            }
            _ => {}
        }
    }
    out
}

fn covers(range: TextRange, offset: TextSize) -> bool {
    range.contains(offset) || range.start() == offset
}

/// `# drydock ignore=CODE` on the line above the key holding the finding, indented like it (or
/// the code added to a drydock comment already aimed at that line).
fn compose_next(
    text: &str,
    index: &LineIndex,
    tree: &yaml::Document,
    comments: &[yaml::Comment],
    d: &Diagnostic,
) -> Option<Edit> {
    let start = d.range.start();
    let entries = yaml_entries(tree);
    // The entry the linter gives a comment aimed at `line`: the outermost starting there.
    let on_line = |line: usize| {
        entries
            .iter()
            .filter(|r| index.line_of(r.start()) == line)
            .min_by(|a, b| a.start().cmp(&b.start()).then(b.end().cmp(&a.end())))
            .copied()
    };
    let mut holding: Vec<TextRange> = entries.iter().copied().filter(|r| covers(*r, start)).collect();
    holding.sort_by_key(|r| r.len());
    let target = holding.iter().find_map(|r| {
        let line = index.line_of(r.start());
        on_line(line)
            .is_some_and(|e| covers(e, start))
            .then_some(line)
    })?;
    let pragma_in = |c: &yaml::Comment| {
        let after_hash = usize::from(c.range.start()) + 1;
        suppression::parse_comment(&text[after_hash..usize::from(c.range.end())], after_hash)
            .filter(|p| p.flavor == Flavor::Drydock && p.scope == Scope::Next)
    };
    let append = |p: suppression::CommentPragma| -> Option<Option<Edit>> {
        let (_, last) = p.codes.last()?;
        if p.codes.iter().any(|(c, _)| names(c, d.code)) {
            return Some(None);
        }
        Some(Some(Edit::insert(last.end(), format!(",{}", d.code))))
    };
    // A drydock comment at the end of the target line, or in the comment lines above it.
    let line_comment = |line: usize| comments.iter().find(|c| index.line_of(c.range.start()) == line);
    if let Some(c) = line_comment(target).filter(|c| !c.own_line)
        && let Some(p) = pragma_in(c)
        && let Some(edit) = append(p)
    {
        return edit;
    }
    let mut line = target;
    while line > 0 {
        line -= 1;
        let Some(range) = index.line_range(line) else {
            break;
        };
        if text[range].trim().is_empty() {
            continue;
        }
        let Some(c) = line_comment(line).filter(|c| c.own_line) else {
            break;
        };
        if let Some(p) = pragma_in(c)
            && let Some(edit) = append(p)
        {
            return edit;
        }
    }
    let line_range = index.line_range(target)?;
    let line_text = &text[line_range];
    let indent = &line_text[..line_text.len() - line_text.trim_start_matches([' ', '\t']).len()];
    Some(Edit::insert(
        line_range.start(),
        format!("{indent}# drydock ignore={}\n", d.code),
    ))
}

/// `# drydock global ignore=CODE` at the top of a compose file (or the code added to a global
/// drydock comment already there).
fn compose_global(text: &str, comments: &[yaml::Comment], code: &str) -> Edit {
    for c in comments {
        let after_hash = usize::from(c.range.start()) + 1;
        if let Some(p) =
            suppression::parse_comment(&text[after_hash..usize::from(c.range.end())], after_hash)
            && p.flavor == Flavor::Drydock
            && p.scope == Scope::Global
            && let Some((_, last)) = p.codes.last()
        {
            return Edit::insert(last.end(), format!(",{code}"));
        }
    }
    let at = if text.starts_with('\u{feff}') {
        TextSize::new(3)
    } else {
        TextSize::new(0)
    };
    top_insert(text, at, &format!("# drydock global ignore={code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_replacements_keep_line_endings_whole() {
        let (r, t) = minimal_replacement("a\r\nb\r\n", "a\r\nx\r\nb\r\n");
        let old = "a\r\nb\r\n";
        let applied = format!("{}{}{}", &old[..usize::from(r.start())], t, &old[usize::from(r.end())..]);
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
        assert!(overlaps_request(r(4, 8), r(8, 8)), "cursor after the last character");
        assert!(overlaps_request(r(4, 8), r(4, 4)));
        assert!(!overlaps_request(r(4, 8), r(9, 9)));
        assert!(overlaps_request(r(4, 8), r(0, 5)));
        assert!(!overlaps_request(r(4, 8), r(8, 12)));
    }
}
