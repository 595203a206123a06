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
    pub const VARIABLE: u32 = 6;
    pub const MODULE: u32 = 9;
    pub const PROPERTY: u32 = 10;
    pub const VALUE: u32 = 12;
    pub const KEYWORD: u32 = 14;
    pub const SNIPPET: u32 = 15;
    pub const REFERENCE: u32 = 18;
    pub const ENUM_MEMBER: u32 = 20;
    pub const CONSTANT: u32 = 21;
}

/// One completion, with the byte range it replaces.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub label: String,
    pub kind: u32,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// The text replacing `range` (snippet syntax when `snippet`).
    pub insert: String,
    pub snippet: bool,
    /// What clients filter on, when it differs from the label.
    pub filter: Option<String>,
    pub deprecated: bool,
    pub range: TextRange,
}

impl Item {
    /// An item inserting its label over `range`.
    pub fn new(label: impl Into<String>, kind: u32, range: TextRange) -> Self {
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

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        if !detail.is_empty() {
            self.detail = Some(detail);
        }
        self
    }

    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        let doc = doc.into();
        if !doc.is_empty() {
            self.documentation = Some(doc);
        }
        self
    }

    pub fn insert(mut self, insert: impl Into<String>) -> Self {
        self.insert = insert.into();
        self
    }

    pub fn snippet(mut self, insert: impl Into<String>) -> Self {
        self.insert = insert.into();
        self.snippet = true;
        self
    }

    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
}

/// What both sides need to know about the request.
pub(crate) struct Request<'a> {
    pub doc: &'a Document,
    /// The cursor, a byte offset on a character boundary.
    pub offset: usize,
    /// Content range of the cursor's line (terminator excluded).
    pub line: TextRange,
    /// Whether the client expands snippets.
    pub snippets: bool,
}

impl Request<'_> {
    pub fn text(&self) -> &str {
        &self.doc.text
    }

    pub fn line_start(&self) -> usize {
        usize::from(self.line.start())
    }

    pub fn line_end(&self) -> usize {
        usize::from(self.line.end())
    }

    /// The cursor's line up to the cursor.
    pub fn before(&self) -> &str {
        &self.text()[self.line_start()..self.offset]
    }

    /// The cursor's line after the cursor.
    pub fn after(&self) -> &str {
        &self.text()[self.offset..self.line_end()]
    }

    /// The offset after the characters following the cursor that satisfy `pred` (on this line).
    pub fn word_end(&self, pred: impl Fn(char) -> bool) -> usize {
        let after = self.after();
        self.offset + after.find(|c: char| !pred(c)).unwrap_or(after.len())
    }

    /// A byte range from `start` (clamped to the line, at most the cursor) to `end` (at least
    /// the cursor, at most the line's end).
    pub fn range(&self, start: usize, end: usize) -> TextRange {
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
}
