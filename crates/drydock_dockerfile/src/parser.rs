//! The line-level parser: directives, comments, blank lines, instructions with continuations and
//! heredocs. Follows BuildKit's `parser.Parse`, but never stops: each problem becomes a
//! [`SyntaxError`] and parsing goes on.

use std::sync::Arc;

use drydock_text::{SourceText, TextRange};

use crate::args::LineParser;
use crate::logical::LogicalLine;
use crate::syntax::{
    Args, Comment, Directive, Dockerfile, Heredoc, Instruction, Item, ItemKind, SyntaxError,
};

/// Parses a Dockerfile. Never fails: problems are in [`Dockerfile::errors`].
#[must_use]
pub fn parse(source: SourceText) -> Dockerfile {
    let mut parser = Parser::new(source.text());
    parser.run();
    parser.finish().tree(source)
}

/// Parses text that is already valid UTF-8.
#[must_use]
pub fn parse_str(text: &str) -> Dockerfile {
    parse(SourceText::from_string(text.to_owned()))
}

/// A finished parse, apart from the text.
pub(crate) struct Parsed {
    items: Vec<Item>,
    errors: Vec<SyntaxError>,
    error_items: Vec<usize>,
    escape: char,
    lone_cr: bool,
}

impl Parsed {
    /// The tree: the items, and the errors (with those of the bytes that are not UTF-8) in file
    /// order.
    pub(crate) fn tree(self, source: SourceText) -> Dockerfile {
        let mut errors = self.errors.clone();
        for range in source.invalid_ranges() {
            errors.push(SyntaxError {
                range,
                message: "invalid UTF-8: these bytes are not text".to_owned(),
            });
        }
        errors.sort_by_key(|e| (e.range.start(), e.range.end()));
        Dockerfile {
            source,
            items: self.items,
            escape: self.escape,
            errors,
            item_errors: self.error_items.into_iter().zip(self.errors).collect(),
            lone_cr: self.lone_cr,
        }
    }
}

pub(crate) struct Parser<'a> {
    pub(crate) text: &'a str,
    pub(crate) pos: usize,
    pub(crate) items: Vec<Item>,
    pub(crate) errors: Vec<SyntaxError>,
    /// For each error, the index of the item whose parse reported it.
    pub(crate) error_items: Vec<usize>,
    pub(crate) escape: char,
    pub(crate) directives_done: bool,
    seen_directives: Vec<String>,
    reported_cr: bool,
    /// The text has no `\r` at all (most files): no line needs the lone-CR search.
    no_cr: bool,
    /// The pieces (file offset, length) of the instruction being read, gathered before its
    /// logical line is built so the line is allocated once, at its size (reused).
    pieces: Vec<(usize, usize)>,
}

/// Leading whitespace length (Go's `unicode.IsSpace`, which matches Rust's `char::is_whitespace`
/// for every character a Dockerfile can hold).
fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Parser {
            text,
            pos: 0,
            // Room for one item (instruction, comment, blank line) per 64 bytes of a Dockerfile:
            // the corpus's files have one per 88 bytes on average, so most never grow the list.
            items: Vec::with_capacity(text.len() / 64 + 4),
            errors: Vec::new(),
            error_items: Vec::new(),
            escape: '\\',
            directives_done: false,
            seen_directives: Vec::new(),
            reported_cr: false,
            no_cr: memchr::memchr(b'\r', text.as_bytes()).is_none(),
            pieces: Vec::new(),
        }
    }

    /// What the parse found, to make the tree of the text with [`Parsed::tree`].
    pub(crate) fn finish(self) -> Parsed {
        let Parser {
            items,
            errors,
            error_items,
            escape,
            reported_cr,
            ..
        } = self;
        Parsed {
            items,
            errors,
            error_items,
            escape,
            lone_cr: reported_cr,
        }
    }

    /// The line at `pos`: `(content_end, next_line_start)`. The content excludes every trailing
    /// `\r` and `\n` (BuildKit's `trimNewline`).
    fn line_at(&self, pos: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let next = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let mut end = next;
        while end > pos && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        (end, next)
    }

    fn push(&mut self, start: usize, end: usize, kind: ItemKind) {
        self.items.push(Item {
            range: drydock_text::range(start, end),
            kind,
        });
    }

    fn error(&mut self, range: TextRange, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            range,
            message: message.into(),
        });
    }

    fn check_lone_cr(&mut self, start: usize, end: usize) {
        if self.reported_cr || self.no_cr {
            return;
        }
        if let Some(i) = self.text[start..end].find('\r') {
            self.reported_cr = true;
            let at = start + i;
            self.error(
                drydock_text::range(at, at + 1),
                "carriage return (CR) inside a line: Docker breaks lines only at LF, so the text on both sides is one line",
            );
        }
    }

    fn run(&mut self) {
        if self.text.starts_with('\u{feff}') {
            self.push(0, 3, ItemKind::Bom);
            self.pos = 3;
        }
        while self.pos < self.text.len() {
            self.step();
        }
    }

    /// Parses the item at `pos` (which is before the end), and moves past it.
    pub(crate) fn step(&mut self) {
        self.item();
        let index = self.items.len() - 1;
        self.error_items.resize(self.errors.len(), index);
    }

    fn item(&mut self) {
        let start = self.pos;
        let (content_end, next) = self.line_at(start);
        self.check_lone_cr(start, content_end);
        let trimmed = start + leading_ws(&self.text[start..content_end]);
        let content = &self.text[trimmed..content_end];
        if !self.directives_done {
            if let Some(directive) = self.directive(trimmed, content_end) {
                self.push(start, next, ItemKind::Directive(directive));
                self.pos = next;
                return;
            }
            self.directives_done = true;
        }
        if content.starts_with('#') {
            let after = trimmed + 1;
            let inner = &self.text[after..content_end];
            let text_start = after + leading_ws(inner);
            let text_end = after + inner.trim_end().len();
            let comment = Comment {
                range: drydock_text::range(trimmed, content_end),
                text_range: drydock_text::range(text_start, text_end.max(text_start)),
            };
            self.push(start, next, ItemKind::Comment(comment));
            self.pos = next;
            return;
        }
        if content.is_empty() {
            self.push(start, next, ItemKind::Blank);
            self.pos = next;
            return;
        }
        self.instruction(start, trimmed, content_end, next);
    }

    /// A parser directive at the top of the file: `# key = value` with a known key.
    fn directive(&mut self, start: usize, end: usize) -> Option<Directive> {
        let line = &self.text[start..end];
        let rest = line.strip_prefix('#')?;
        let key_start = start + 1 + leading_ws(rest);
        let after_hash = &self.text[key_start..end];
        let key_len = after_hash
            .char_indices()
            .take_while(|&(i, c)| {
                if i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
            .count();
        if key_len == 0 {
            return None;
        }
        let key = &after_hash[..key_len];
        let go_space = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
        let after_key = &after_hash[key_len..];
        let eq = after_key.trim_start_matches(go_space);
        let eq_rest = eq.strip_prefix('=')?;
        let value_text = eq_rest.trim_start_matches(go_space);
        let value_start = end - value_text.len();
        let value = value_text.trim_end_matches(go_space);
        if value.is_empty() {
            return None;
        }
        let name = key.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            return None;
        }
        let range = drydock_text::range(start, value_start + value.len());
        let name_range = drydock_text::range(key_start, key_start + key_len);
        let value_range = drydock_text::range(value_start, value_start + value.len());
        if self.seen_directives.contains(&name) {
            self.error(
                range,
                format!("only one `{name}` parser directive can be used"),
            );
        } else {
            self.seen_directives.push(name.clone());
            if name == "escape" {
                match value {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    other => self.error(
                        value_range,
                        format!(
                            "invalid escape character `{other}`: only `\\` and `` ` `` are allowed"
                        ),
                    ),
                }
            }
        }
        Some(Directive {
            range,
            name,
            name_range,
            value: value.to_owned(),
            value_range,
        })
    }

    /// Returns the length of `line` without its continuation character (and the whitespace after
    /// it), and whether the line continues.
    fn trim_continuation(&self, line: &str) -> (usize, bool) {
        // The escape is `\\` or `` ` `` (the only ones the directive sets): bytes compared (this
        // runs for every line).
        debug_assert!(self.escape.is_ascii());
        let (bytes, escape) = (line.as_bytes(), self.escape as u8);
        let mut end = bytes.len();
        while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        if end == 0 || bytes[end - 1] != escape {
            return (line.len(), false);
        }
        // BuildKit: `([^E])E[ \t]*$|^E[ \t]*$` — an escape preceded by another escape is literal.
        let before = end - 1;
        if before == 0 || bytes[before - 1] != escape {
            (before, true)
        } else {
            (line.len(), false)
        }
    }

    fn instruction(&mut self, start: usize, trimmed: usize, content_end: usize, next: usize) {
        let first = &self.text[trimmed..content_end];
        let (len, mut continued) = self.trim_continuation(first);
        let mut pieces = std::mem::take(&mut self.pieces);
        pieces.clear();
        pieces.push((trimmed, len));
        let mut header_end = content_end;
        let mut comments = Vec::new();
        let mut empty = Vec::new();
        self.pos = next;
        while continued && self.pos < self.text.len() {
            let at = self.pos;
            let (end, next) = self.line_at(at);
            self.check_lone_cr(at, end);
            let raw = &self.text[at..end];
            let lead = leading_ws(raw);
            self.pos = next;
            if raw[lead..].starts_with('#') {
                comments.push(drydock_text::range(at + lead, end));
                header_end = end;
                continue;
            }
            if lead == raw.len() {
                empty.push(drydock_text::range(at, end));
                continue;
            }
            let (len, more) = self.trim_continuation(raw);
            pieces.push((at, len));
            continued = more;
            header_end = end;
        }
        let mut line =
            LogicalLine::with_capacity(pieces.iter().map(|&(_, len)| len).sum(), pieces.len());
        for &(at, len) in &pieces {
            line.push(&self.text[at..at + len], at);
        }
        self.pieces = pieces;

        let mut errors = std::mem::take(&mut self.errors);
        let parsed = LineParser {
            line: &line,
            escape: self.escape,
            errors: &mut errors,
            keyword: None,
        }
        .parse(0);
        self.errors = errors;

        let mut args = parsed.args;
        let heredoc_kind = match &args {
            Args::Onbuild(inner) => (inner.kind, inner.is_exec_form()),
            _ => (
                parsed.kind,
                matches!(&args, Args::Exec(_)) || matches!(&args, Args::Paths(p) if p.json),
            ),
        };
        let mut heredocs = Vec::new();
        if heredoc_kind.0.can_contain_heredoc() && !heredoc_kind.1 && line.text().contains("<<") {
            for marker in crate::heredoc::markers(line.text()) {
                let marker_range = line.file_range(marker.start, marker.end);
                let body_start = self.pos;
                let mut terminator = None;
                while self.pos < self.text.len() {
                    let at = self.pos;
                    let (end, next) = self.line_at(at);
                    self.pos = next;
                    let mut candidate = &self.text[at..end];
                    if marker.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == marker.name {
                        terminator = Some(drydock_text::range(at, end));
                        break;
                    }
                }
                let body_end = terminator.map_or(self.text.len(), |t| usize::from(t.start()));
                if terminator.is_none() {
                    self.error(
                        marker_range,
                        format!(
                            "unterminated heredoc: the file ends before a line `{}`",
                            marker.name
                        ),
                    );
                }
                heredocs.push(Heredoc {
                    marker: marker_range,
                    name: marker.name,
                    expand: marker.expand,
                    chomp: marker.chomp,
                    fd: marker.fd,
                    body: drydock_text::range(body_start, body_end.max(body_start)),
                    terminator,
                });
            }
        }

        let content_start = if parsed.keyword.text.is_empty() {
            trimmed
        } else {
            usize::from(parsed.keyword.range.start())
        };
        let end = heredocs
            .last()
            .map_or(header_end, |h| {
                h.terminator
                    .map_or(usize::from(h.body.end()), |t| usize::from(t.end()))
            })
            .max(content_start);
        let range = drydock_text::range(content_start, end);
        if let Args::Onbuild(inner) = &mut args {
            inner.heredocs.clone_from(&heredocs);
            inner.range = TextRange::new(inner.range.start(), range.end());
        }
        let instruction = Instruction {
            range,
            keyword: parsed.keyword,
            kind: parsed.kind,
            flags: parsed.flags,
            args,
            args_range: parsed.args_range,
            heredocs,
            line,
            continuation_comments: comments,
            empty_continuation_lines: empty,
            header_end: drydock_text::size(header_end),
        };
        self.push(
            start,
            self.pos,
            ItemKind::Instruction(Arc::new(instruction)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Parser;

    /// The byte comparison of `trim_continuation` is BuildKit's `([^E])E[ \t]*$|^E[ \t]*$` as
    /// the `str` methods read it, for both escapes.
    #[test]
    fn continuations_are_found_as_buildkit_finds_them() {
        let lines = [
            "",
            "a",
            "a \\",
            "a\\\\",
            "\\",
            " \\ \t",
            "a `",
            "``",
            "`",
            "a\\ b",
            "\\\\ ",
            "é\\",
            "a \\\t \t",
            "\\`",
            "`\\",
            " ",
            "\t\\",
        ];
        for escape in ['\\', '`'] {
            let parser = Parser {
                escape,
                ..Parser::new("")
            };
            for line in lines {
                let trimmed = line.trim_end_matches([' ', '\t']);
                let expected = match trimmed.strip_suffix(escape) {
                    Some(before) if before.is_empty() || !before.ends_with(escape) => {
                        (before.len(), true)
                    }
                    _ => (line.len(), false),
                };
                assert_eq!(
                    parser.trim_continuation(line),
                    expected,
                    "{line:?} {escape}"
                );
            }
        }
    }
}
