//! `textDocument/completion` for Dockerfiles and compose files.
//!
//! Every item carries a `textEdit` that replaces the partial word under the cursor (ranges in
//! the negotiated encoding, on the cursor's line), so clients filter on what was typed. Items
//! are complete when sent (short documentation included), so `completionItem/resolve` is not
//! offered: resolving would cost a round trip and save nothing measurable. Snippets (exec-form
//! skeletons, `key:` followed by an indented block) are sent only to clients that support them.
//!
//! The Dockerfile side is in [`dockerfile`], the compose side in [`compose`]; both return
//! [`Item`]s with byte ranges, turned into LSP values here.

mod compose;
mod dockerfile;

use drydock_linter::rule::Target;
use drydock_text::{TextRange, TextSize};
use lsp_types::CompletionParams;
use serde_json::{Value, json};

use super::HandlerError;
use crate::document::{Document, Kind};
use crate::session::Snapshot;

/// Characters after which clients ask for completions without an explicit request: flags and
/// their values (`-`, `=`, `,`), variables (`$`, `{`), YAML values (`:`, space) and the word
/// after an instruction keyword (space).
pub const TRIGGER_CHARACTERS: [&str; 7] = ["-", "=", "$", "{", ":", " ", ","];

/// The `completionProvider` capability.
#[must_use]
pub fn provider() -> Value {
    json!({
        "triggerCharacters": TRIGGER_CHARACTERS,
        "resolveProvider": false,
    })
}

/// LSP `CompletionItemKind` values used here.
pub(crate) mod kind {
    pub(crate) const VARIABLE: u32 = 6;
    pub(crate) const PROPERTY: u32 = 10;
    pub(crate) const VALUE: u32 = 12;
    pub(crate) const KEYWORD: u32 = 14;
    pub(crate) const SNIPPET: u32 = 15;
    pub(crate) const REFERENCE: u32 = 18;
    pub(crate) const ENUM_MEMBER: u32 = 20;
    pub(crate) const CONSTANT: u32 = 21;
}

/// One completion, with the byte range it replaces.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) label: String,
    pub(crate) kind: u32,
    pub(crate) detail: Option<String>,
    pub(crate) documentation: Option<String>,
    /// The text replacing `range` (snippet syntax when `snippet`).
    pub(crate) insert: String,
    pub(crate) snippet: bool,
    /// What clients filter on, when it differs from the label.
    pub(crate) filter: Option<String>,
    pub(crate) deprecated: bool,
    pub(crate) range: TextRange,
}

impl Item {
    /// An item inserting its label over `range`.
    pub(crate) fn new(label: impl Into<String>, kind: u32, range: TextRange) -> Self {
        let label = label.into();
        Self {
            insert: label.clone(),
            label,
            kind,
            detail: None,
            documentation: None,
            snippet: false,
            filter: None,
            deprecated: false,
            range,
        }
    }

    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        if !detail.is_empty() {
            self.detail = Some(detail);
        }
        self
    }

    pub(crate) fn doc(mut self, doc: impl Into<String>) -> Self {
        let doc = doc.into();
        if !doc.is_empty() {
            self.documentation = Some(doc);
        }
        self
    }

    pub(crate) fn insert(mut self, insert: impl Into<String>) -> Self {
        self.insert = insert.into();
        self
    }

    pub(crate) fn snippet(mut self, insert: impl Into<String>) -> Self {
        self.insert = insert.into();
        self.snippet = true;
        self
    }

    pub(crate) fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    pub(crate) fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
}

/// What both sides need to know about the request.
pub(crate) struct Request<'a> {
    pub(crate) doc: &'a Document,
    /// The cursor, a byte offset on a character boundary.
    pub(crate) offset: usize,
    /// Content range of the cursor's line (terminator excluded).
    pub(crate) line: TextRange,
    /// Whether the client expands snippets.
    pub(crate) snippets: bool,
}

impl Request<'_> {
    pub(crate) fn text(&self) -> &str {
        &self.doc.text
    }

    pub(crate) fn line_start(&self) -> usize {
        usize::from(self.line.start())
    }

    pub(crate) fn line_end(&self) -> usize {
        usize::from(self.line.end())
    }

    /// The cursor's line up to the cursor.
    pub(crate) fn before(&self) -> &str {
        &self.text()[self.line_start()..self.offset]
    }

    /// The cursor's line after the cursor.
    pub(crate) fn after(&self) -> &str {
        &self.text()[self.offset..self.line_end()]
    }

    /// The offset after the characters following the cursor that satisfy `pred` (on this line).
    pub(crate) fn word_end(&self, pred: impl Fn(char) -> bool) -> usize {
        let after = self.after();
        self.offset + after.find(|c: char| !pred(c)).unwrap_or(after.len())
    }

    /// A byte range from `start` (clamped to the line, at most the cursor) to `end` (at least
    /// the cursor, at most the line's end).
    pub(crate) fn range(&self, start: usize, end: usize) -> TextRange {
        let start = start.clamp(self.line_start(), self.offset);
        let end = end.clamp(self.offset, self.line_end());
        drydock_text::range(start, end)
    }
}

/// Answers `textDocument/completion`: `null` for a document that is not open, else a complete
/// `CompletionList` (possibly empty).
///
/// # Errors
/// Malformed parameters.
pub fn completion(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let params: CompletionParams = super::params(params)?;
    let position = params.text_document_position_params;
    let Some(doc) = snapshot.document(&position.text_document.uri) else {
        return Ok(Value::Null);
    };
    let offset = doc.offset(position.position, snapshot.encoding);
    let items = items(snapshot, doc, offset);
    let items: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, item)| to_lsp(snapshot, doc, i, item))
        .collect();
    Ok(json!({"isIncomplete": false, "items": items}))
}

/// The items for `doc` at `offset` (byte ranges), for tests and the handler.
pub(crate) fn items(snapshot: &Snapshot, doc: &Document, offset: TextSize) -> Vec<Item> {
    let text: &str = &doc.text;
    let mut offset = usize::from(offset).min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_no = doc.index.line_of(drydock_text::size(offset));
    let Some(line) = doc.index.line_range(line_no) else {
        return Vec::new();
    };
    // A cursor inside a `\r\n` belongs to the end of its line.
    let offset = offset.min(usize::from(line.end()));
    let request = Request {
        doc,
        offset,
        line,
        snippets: snapshot.caps.completion_snippets,
    };
    match doc.kind {
        Kind::Dockerfile => dockerfile::complete(&request),
        Kind::Compose => compose::complete(snapshot, &request),
        Kind::Other => Vec::new(),
    }
}

fn to_lsp(snapshot: &Snapshot, doc: &Document, index: usize, item: &Item) -> Value {
    let mut out = json!({
        "label": item.label,
        "kind": item.kind,
        "sortText": format!("{index:04}"),
        "textEdit": {
            "range": doc.range(item.range, snapshot.encoding),
            "newText": item.insert,
        },
        "insertTextFormat": if item.snippet { 2 } else { 1 },
    });
    if item.snippet && item.insert.contains('\n') {
        // Continuation lines are relative to the cursor's line.
        out["insertTextMode"] = json!(2);
    }
    if let Some(detail) = &item.detail {
        out["detail"] = json!(detail);
    }
    if let Some(doc) = &item.documentation {
        out["documentation"] = json!(doc);
    }
    if let Some(filter) = &item.filter {
        out["filterText"] = json!(filter);
    }
    if item.deprecated {
        out["tags"] = json!([1]);
    }
    out
}

/// Rule codes in a suppression comment being typed (`comment` from its `#` to the cursor):
/// `# drydock ignore=` (and `global`), and for Dockerfiles hadolint's forms.
pub(crate) fn pragma(req: &Request<'_>, comment: &str, target: Target) -> Vec<Item> {
    let body = comment.trim_start().trim_start_matches('#').trim_start();
    let rest = match body.strip_prefix("drydock") {
        Some(rest) => rest,
        None if target == Target::Dockerfile => match body.strip_prefix("hadolint") {
            Some(rest) => rest,
            None => return Vec::new(),
        },
        None => return Vec::new(),
    };
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("global")
        .or_else(|| rest.strip_prefix("stage"))
        .map_or(rest, str::trim_start);
    let Some(codes) = rest.strip_prefix("ignore=") else {
        return Vec::new();
    };
    if codes.contains(char::is_whitespace) {
        return Vec::new();
    }
    let start = codes.rfind(',').map_or(0, |i| i + 1);
    let present: Vec<&str> = codes.split(',').collect();
    let range = req.range(
        req.offset - (codes.len() - start),
        req.word_end(|c| c.is_ascii_alphanumeric()),
    );
    drydock_linter::registry::rules()
        .iter()
        .map(|r| r.meta())
        .filter(|m| m.target == target && !present.contains(&m.code))
        .map(|m| Item::new(m.code, kind::CONSTANT, range).detail(m.name))
        .collect()
}

/// Where a `$NAME` or `${NAME` being typed starts: `(offset of the name in s, braced)`.
/// `None` when the text does not end in a variable reference, or the `$` is escaped with
/// `escape` (a Dockerfile's `\$`) or doubled (compose's `$$`).
pub(crate) fn variable_at_end(s: &str, escape: Option<char>) -> Option<(usize, bool)> {
    let name_start = s
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_ascii_alphanumeric() || c == '_')
        .last()
        .map_or(s.len(), |(i, _)| i);
    let head = &s[..name_start];
    let (dollar, braced) = if let Some(h) = head.strip_suffix("${") {
        (h.len(), true)
    } else if let Some(h) = head.strip_suffix('$') {
        (h.len(), false)
    } else {
        return None;
    };
    let prev = s[..dollar].chars().next_back();
    if prev == Some('$') || (escape.is_some() && prev == escape) {
        return None;
    }
    Some((name_start, braced))
}

/// The text to insert for a variable name completed after `$` or `${`: a closing brace is
/// added unless one follows.
pub(crate) fn variable_insert(name: &str, braced: bool, next: Option<char>) -> String {
    if braced && next != Some('}') {
        format!("{name}}}")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_at_the_end() {
        assert_eq!(variable_at_end("echo $FO", Some('\\')), Some((6, false)));
        assert_eq!(variable_at_end("echo ${FO", Some('\\')), Some((7, true)));
        assert_eq!(variable_at_end("echo ${", Some('\\')), Some((7, true)));
        assert_eq!(variable_at_end("echo $", Some('\\')), Some((6, false)));
        assert_eq!(variable_at_end("echo \\$X", Some('\\')), None);
        assert_eq!(variable_at_end("echo $$X", None), None);
        assert_eq!(variable_at_end("echo X", None), None);
        assert_eq!(variable_at_end("${A:-x", None), None);
        assert_eq!(variable_insert("A", true, None), "A}");
        assert_eq!(variable_insert("A", true, Some('}')), "A");
        assert_eq!(variable_insert("A", false, None), "A");
    }

    /// Every cursor position of awkward files: no panic, and every edit replaces a piece of
    /// the cursor's line that contains the cursor.
    #[test]
    fn every_position_of_awkward_files() {
        use crate::session::{ClientCaps, ClientSettings, Session};
        use drydock_text::PositionEncoding;
        let dockerfiles = [
            "\u{feff}# syntax=docker/dockerfile:1\r\n# escape=\\\r\nARG BASE=debian\r\nFROM ${BASE} AS é\r\nRUN --mount=type=cache,target=/x \\\r\n  # comment\r\n\r\n  --network=none echo \"😀\" $BASE <<EOF\r\necho ${X:-y}\r\nEOF\r\nCOPY --from=é --chown=1 a b\r\nONBUILD RUN --mount=type=secret,id=a, true\r\nHEALTHCHECK --interval=1s CMD [\"a\"]\r\nRUN \\",
            "# escape=`\nFROM a\nRUN x `\n\n",
            "",
            "\n\n",
            "FROM a\nRUN <<-A <<B\n\tx\n\tA\ny\n",
        ];
        let composes = [
            "\u{feff}x-a: &a\r\n  restart: always\r\nservices:\r\n  wéb:\r\n    <<: [*a]\r\n    image: \"n:${TAG:-1}\"\r\n    depends_on:\r\n      db: {condition: service_healthy}\r\n    cap_add: [NET_ADMIN, \"😀\"]\r\n    command: |\r\n      echo $$x ${Y}\r\n    ports:\r\n    - target: 80\r\n      published: \"8080\"\r\n  db:\r\n    image: postgres # c\r\n",
            "services:\n\tweb: [\n  - : :\n'a\n\"b\": c\n? x\n: y\n---\nz: 1\n",
            "",
            "- a\n- - b\n  - c: d\n    e:\n",
        ];
        let session = Session::new(
            PositionEncoding::Utf16,
            ClientCaps {
                completion_snippets: true,
                ..ClientCaps::default()
            },
            ClientSettings::default(),
            Vec::new(),
        );
        let snapshot = session.snapshot();
        let files = dockerfiles
            .iter()
            .map(|t| (Kind::Dockerfile, "Dockerfile", *t))
            .chain(composes.iter().map(|t| (Kind::Compose, "compose.yaml", *t)));
        for (kind, name, text) in files {
            let doc = Document::new(
                lsp_types::Uri(format!("file:///nowhere/{name}")),
                kind,
                1,
                text.to_owned(),
            );
            for offset in 0..=text.len() {
                if !text.is_char_boundary(offset) {
                    continue;
                }
                for item in items(&snapshot, &doc, drydock_text::size(offset)) {
                    let line = doc.index.line_of(drydock_text::size(offset));
                    let content = doc.index.line_range(line).expect("a line");
                    let at = drydock_text::size(offset).min(content.end());
                    assert!(
                        item.range.start() >= content.start()
                            && item.range.end() <= content.end()
                            && item.range.start() <= at
                            && at <= item.range.end(),
                        "{name} at {offset}: {item:?}"
                    );
                    assert!(!item.label.is_empty(), "{name} at {offset}");
                }
            }
        }
    }
}
