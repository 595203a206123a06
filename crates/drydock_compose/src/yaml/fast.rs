//! A reader for the plain block YAML that compose files are almost always written in.
//!
//! saphyr-parser reads character by character through a token queue, and reading the YAML was
//! a third of a compose lint. This reader takes the common subset byte by byte and builds the
//! same tree through the same [`Builder`]: block mappings and sequences (compact and
//! indentless ones too), one-line plain and quoted scalars, literal and folded block scalars,
//! flow sequences and mappings of scalars, aliases and flows (over several lines too), anchors,
//! local tags (`!reset`, `!override`) and comments, with LF or CRLF line breaks. At anything
//! else (a multi-line plain or quoted scalar, an explicit key, a tab or a lone carriage
//! return, a second document, an escape it does not know, anything YAML rejects) it gives up,
//! and [`parse`](super::parse) reads the text with saphyr-parser, so syntax errors are always
//! saphyr's.
//!
//! Where it reads, the tree must be saphyr's to the byte: values, styles, anchors, tags,
//! duplicate-key problems, and ranges with the quirks of saphyr's spans and of the builder's
//! adjustments to them (an empty value sits at its `:`, an indentless sequence starts after
//! its first `-`). The tests below compare the two on generated documents, and
//! `tests/tests/yaml_fast.rs` on every compose fixture and corpus file.

use std::collections::HashMap;

use drydock_text::{TextRange, TextSize};

use super::{Builder, Document, Node, NodeKind, Scalar, Style};

/// Nesting beyond this is left to saphyr-parser (and its limits).
const MAX_DEPTH: usize = 64;

/// YAML limits implicit keys to 1024 characters; longer keys are left to saphyr-parser.
const MAX_KEY: usize = 1000;

/// The document read by the fast reader, or `None` when saphyr-parser must read it.
pub(super) fn parse(text: &str) -> Option<Document> {
    let start = eligible(text)?;
    let mut reader = Reader {
        text,
        b: text.as_bytes(),
        pos: start,
        builder: Builder::new(text),
        anchors: HashMap::new(),
        next_anchor: 1,
        depth: 0,
        lenient_brackets: 0,
    };
    reader.document()?;
    if reader.lenient_brackets > 0 && !reader.builder.doc.errors.is_empty() {
        // `parse` retries such brackets only while they are the first problem.
        return None;
    }
    Some(reader.builder.doc)
}

/// Where the document's content starts, if the text has nothing the reader leaves to
/// saphyr-parser wholesale: control characters other than line breaks (tabs and lone carriage
/// returns included), characters YAML does not allow or treats specially (C1 controls, byte
/// order marks, U+FFFE/U+FFFF, Unicode line separators), directives and document markers
/// (except one `---` line opening the text).
fn eligible(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    // (Folded over chunks without stopping early, which compiles to vector compares.)
    let control = |c: u8| (c < b' ' && c != b'\n' && c != b'\r') | (c == 0x7f);
    if b.chunks(64)
        .any(|chunk| chunk.iter().fold(false, |any, &c| any | control(c)))
    {
        return None;
    }
    // Carriage returns only in CRLF line breaks (the reader takes `\r` for the end of a line).
    if memchr::memchr_iter(b'\r', b).any(|i| b.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    if !text.is_ascii()
        && text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}'
            )
        })
    {
        return None;
    }
    let marker = |at: usize| {
        b.get(at) == Some(&b'%')
            || (b[at..].starts_with(b"---") || b[at..].starts_with(b"..."))
                && matches!(b.get(at + 3), None | Some(b' ' | b'\n' | b'\r'))
    };
    let start = if b.starts_with(b"---\n") {
        4
    } else if b.starts_with(b"---\r\n") {
        5
    } else {
        0
    };
    if start == 0 && !b.is_empty() && marker(0) {
        return None;
    }
    if memchr::memchr_iter(b'\n', b)
        .map(|i| i + 1)
        .filter(|&i| i >= start && i < b.len())
        .any(marker)
    {
        return None;
    }
    Some(start)
}

/// A node's anchor id (0: none) and tag.
#[derive(Default)]
struct Props {
    anchor: usize,
    tag: Option<String>,
    /// From the first property's start to the last one's end.
    start: usize,
    end: usize,
}

impl Props {
    fn is_empty(&self) -> bool {
        self.anchor == 0 && self.tag.is_none()
    }
}

/// Chomping of a block scalar's final line breaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Clip,
    Strip,
    Keep,
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    builder: Builder<'a>,
    /// Anchor ids by name (a later definition replaces an earlier one).
    anchors: HashMap<&'a str, usize>,
    next_anchor: usize,
    depth: usize,
    /// Closing brackets at their block's indentation (see [`Reader::flow`]).
    lenient_brackets: usize,
}

/// Whether `c` cannot start a plain scalar (YAML's indicators).
fn indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

fn flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Reader<'a> {
    /// The byte at `i`, or 0 past the end (the text has no NUL).
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    /// Whether `i` is a blank, a line end or the end of the text.
    fn blank_or_end(&self, i: usize) -> bool {
        matches!(self.at(i), b' ' | b'\n' | b'\r' | 0)
    }

    fn column(&self, at: usize) -> usize {
        at - memchr::memrchr(b'\n', &self.b[..at]).map_or(0, |i| i + 1)
    }

    /// Where the line holding `at` ends: its line feed, or the end of the text.
    fn line_end(&self, at: usize) -> usize {
        memchr::memchr(b'\n', &self.b[at..]).map_or(self.b.len(), |i| at + i)
    }

    /// Where the content of the line holding `at` ends (before a CRLF's carriage return).
    fn content_end(&self, at: usize) -> usize {
        let end = self.line_end(at);
        if end > at && self.b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    fn skip_spaces(&mut self) -> usize {
        let from = self.pos;
        while self.at(self.pos) == b' ' {
            self.pos += 1;
        }
        self.pos - from
    }

    /// Moves to the next content on a line, skipping blank and comment lines; `pos` must be at
    /// a line's start or at its first content. The content's column, or `None` at the end.
    fn next_content(&mut self) -> Option<usize> {
        loop {
            let mut i = self.pos;
            while self.at(i) == b' ' {
                i += 1;
            }
            match self.at(i) {
                0 => {
                    self.pos = self.b.len();
                    return None;
                }
                b'\n' | b'\r' => self.pos = i + 1,
                b'#' => self.pos = (self.line_end(i) + 1).min(self.b.len()),
                _ => {
                    self.pos = i;
                    return Some(self.column(i));
                }
            }
        }
    }

    /// Ends a line after a node: blanks, then a comment (after a blank) or nothing.
    fn end_line(&mut self) -> Option<()> {
        let blanks = self.skip_spaces();
        match self.at(self.pos) {
            b'#' if blanks > 0 => {
                self.pos = (self.line_end(self.pos) + 1).min(self.b.len());
                Some(())
            }
            // (At a CRLF's `\r`, the next line is found from its `\n`.)
            b'\n' | b'\r' => {
                self.pos += 1;
                Some(())
            }
            0 => Some(()),
            _ => None,
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn document(&mut self) -> Option<()> {
        let Some(column) = self.next_content() else {
            // `---` alone is a document holding a null; an empty text has none.
            return (self.pos == self.b.len() && !self.b.starts_with(b"---\n")).then_some(());
        };
        self.block(column, None, Props::default())?;
        match self.next_content() {
            None => Some(()),
            Some(_) => None,
        }
    }

    /// The node at `pos`, the first content of its line, at `column`, in the collection at
    /// `parent` (`None` at the top).
    fn block(&mut self, column: usize, parent: Option<usize>, props: Props) -> Option<()> {
        if matches!(self.at(self.pos), b'&' | b'!') && props.is_empty() {
            // Properties before the node, on the node's line or on a line of their own.
            let props = self.properties()?;
            return match self.at(self.pos) {
                b'\n' | b'\r' | 0 | b'#' => self.node_below(parent?, props),
                b'-' | b'|' | b'>' => None,
                _ if self.key_ahead() => None,
                _ => self.inline(parent, props),
            };
        }
        if self.at(self.pos) == b'-' && self.blank_or_end(self.pos + 1) {
            self.sequence(column, props)
        } else if self.key_ahead() {
            self.mapping(column, props)
        } else if matches!(self.at(self.pos), b'|' | b'>') {
            // A block scalar's header on a line of its own: left to saphyr-parser.
            None
        } else {
            self.inline(parent, props)
        }
    }

    /// The node after properties that end their line: on the next line with content, indented
    /// more than the collection at `parent`.
    fn node_below(&mut self, parent: usize, props: Props) -> Option<()> {
        self.pos = (self.line_end(self.pos) + 1).min(self.b.len());
        match self.next_content() {
            Some(c) if c > parent => self.block(c, Some(parent), props),
            _ => None,
        }
    }

    /// The node after `key:` or `- ` (`pos` just after the indicator) in the collection at
    /// `column`.
    fn value(&mut self, column: usize, in_mapping: bool) -> Option<()> {
        let indicator_end = self.pos;
        self.skip_spaces();
        let props = if matches!(self.at(self.pos), b'&' | b'!') {
            self.properties()?
        } else {
            Props::default()
        };
        let c = self.at(self.pos);
        if matches!(c, b'\n' | b'\r' | 0 | b'#') {
            self.pos = (self.line_end(self.pos) + 1).min(self.b.len());
            let null_at = if in_mapping {
                // saphyr puts an empty value at its `:`.
                indicator_end - 1
            } else {
                // ... and an empty item at the end of the `-` line, comment included.
                self.content_end(indicator_end)
            };
            match self.next_content() {
                Some(c) if c > column => return self.block(c, Some(column), props),
                Some(c)
                    if c == column
                        && in_mapping
                        && self.at(self.pos) == b'-'
                        && self.blank_or_end(self.pos + 1) =>
                {
                    if !props.is_empty() {
                        return None;
                    }
                    return self.indentless_sequence(column);
                }
                _ => {}
            }
            let null = if props.is_empty() {
                drydock_text::range(null_at, null_at)
            } else {
                // saphyr's span runs from the properties to their end; the builder starts it
                // past them (and the blank lines and comments after them) unless the text ends.
                let start = self.builder.skip_properties(props.start);
                drydock_text::range(start, props.end.max(start))
            };
            self.scalar(null, String::new(), Style::Plain, props);
            return Some(());
        }
        if c == b'-' && self.blank_or_end(self.pos + 1) {
            if in_mapping || !props.is_empty() {
                return None;
            }
            let column = self.column(self.pos);
            return self.sequence(column, props);
        }
        if self.key_ahead() {
            if in_mapping || !props.is_empty() {
                return None;
            }
            let column = self.column(self.pos);
            return self.mapping(column, props);
        }
        if matches!(c, b'|' | b'>') {
            // (saphyr's range of a block scalar with properties starts at its header.)
            if !props.is_empty() {
                return None;
            }
            return self.block_scalar(column);
        }
        self.inline(Some(column), props)
    }

    /// A node that ends on its line (or a flow collection, on the line where it closes): an
    /// alias or a quoted or plain scalar, in the block collection at `parent`.
    fn inline(&mut self, parent: Option<usize>, props: Props) -> Option<()> {
        let start = self.pos;
        match self.at(start) {
            b'[' | b'{' => self.flow(parent, props, true)?,
            b'*' => {
                if !props.is_empty() {
                    return None;
                }
                self.alias()?;
            }
            b'"' | b'\'' => self.quoted_scalar(props)?,
            _ if !self.plain_start(start, false) => return None,
            _ => {
                let end = self.plain_end(start, false)?;
                let value = self.text[start..end].to_owned();
                self.scalar(drydock_text::range(start, end), value, Style::Plain, props);
                self.pos = end;
            }
        }
        self.end_line()
    }

    /// Closes an empty flow collection: saphyr ends it at the end of its line (past blanks and
    /// a comment).
    fn close_empty(&mut self) -> Option<()> {
        let save = self.pos;
        let blanks = self.skip_spaces();
        let ok = match self.at(self.pos) {
            b'\n' | b'\r' | 0 => true,
            b'#' => blanks > 0,
            _ => false,
        };
        if !ok {
            return None;
        }
        let end = self.content_end(save);
        self.pos = save;
        self.builder.pop_frame(end);
        Some(())
    }

    /// The end of the plain scalar starting at `start` (trailing blanks excluded); `None` when
    /// it is not one the reader takes (it runs into a `: `, or in a flow, a flow indicator
    /// other than `,`, `]` and `}`, or the end of the line).
    fn plain_end(&self, start: usize, flow: bool) -> Option<usize> {
        let mut i = start;
        let mut end = start;
        loop {
            match self.at(i) {
                b'\n' | b'\r' | 0 => {
                    if flow {
                        return None;
                    }
                    break;
                }
                b':' if self.blank_or_end(i + 1) || flow && flow_indicator(self.at(i + 1)) => {
                    return None;
                }
                b' ' => {
                    if self.at(i + 1) == b'#' {
                        if flow {
                            return None;
                        }
                        break;
                    }
                }
                b',' | b']' | b'}' if flow => break,
                c if flow && flow_indicator(c) => return None,
                _ => end = i + 1,
            }
            i += 1;
        }
        (end > start).then_some(end)
    }

    /// Emits the key from `start` to `end` (quoted, or plain).
    fn key(&mut self, start: usize, end: usize) -> Option<()> {
        let (value, style) = match self.b[start] {
            b'"' => (self.quoted(start)?.1, Style::DoubleQuoted),
            b'\'' => (self.quoted(start)?.1, Style::SingleQuoted),
            _ => (self.text[start..end].to_owned(), Style::Plain),
        };
        self.scalar(
            drydock_text::range(start, end),
            value,
            style,
            Props::default(),
        );
        Some(())
    }

    /// Emits the one-line quoted scalar at `pos` with `props`, and moves past it.
    fn quoted_scalar(&mut self, props: Props) -> Option<()> {
        let start = self.pos;
        let (end, value) = self.quoted(start)?;
        let style = if self.b[start] == b'"' {
            Style::DoubleQuoted
        } else {
            Style::SingleQuoted
        };
        self.scalar(drydock_text::range(start, end), value, style, props);
        self.pos = end;
        Some(())
    }

    /// Whether a mapping key starts at `pos`.
    fn key_ahead(&self) -> bool {
        self.key_at(self.pos, false).is_some()
    }

    /// The key at `at`, on one line with its `:` (then a blank): the key's end and the `:`'s
    /// position. In a `flow`, a plain key must not run into a flow indicator.
    fn key_at(&self, at: usize, flow: bool) -> Option<(usize, usize)> {
        let end = match self.at(at) {
            b'"' | b'\'' => self.quoted(at)?.0,
            _ if !self.plain_start(at, flow) => return None,
            _ => {
                let mut i = at;
                let mut end = at;
                loop {
                    match self.at(i) {
                        b'\n' | b'\r' | 0 => return None,
                        b':' if self.blank_or_end(i + 1) => return Some((end, i)),
                        b' ' if self.at(i + 1) == b'#' => return None,
                        b' ' => {}
                        c if flow && flow_indicator(c) => return None,
                        _ => end = i + 1,
                    }
                    i += 1;
                }
            }
        };
        let mut i = end;
        while self.at(i) == b' ' {
            i += 1;
        }
        (self.at(i) == b':' && self.blank_or_end(i + 1)).then_some((end, i))
    }

    /// A block mapping whose first key is at `pos`, at `column`.
    fn mapping(&mut self, column: usize, props: Props) -> Option<()> {
        self.enter()?;
        self.builder.open(self.pos, props.anchor, props.tag, true);
        loop {
            let start = self.pos;
            let (end, colon) = self.key_at(start, false)?;
            if end - start > MAX_KEY {
                return None;
            }
            self.key(start, end)?;
            self.pos = colon + 1;
            self.value(column, true)?;
            match self.next_content() {
                None => break,
                Some(c) if c == column => {
                    if self.at(self.pos) == b'-' && self.blank_or_end(self.pos + 1) {
                        return None;
                    }
                }
                Some(c) if c < column => break,
                Some(_) => return None,
            }
        }
        self.builder.pop_frame(self.pos);
        self.depth -= 1;
        Some(())
    }

    /// A block sequence whose first `-` is at `pos`, at `column`.
    fn sequence(&mut self, column: usize, props: Props) -> Option<()> {
        self.enter()?;
        self.builder.open(self.pos, props.anchor, props.tag, false);
        self.items(column)?;
        self.depth -= 1;
        Some(())
    }

    /// A block sequence at its mapping's indentation: saphyr starts it after its first `-`
    /// and the blanks after it (on a line of its own, at the line's end; the builder then
    /// skips properties there).
    fn indentless_sequence(&mut self, column: usize) -> Option<()> {
        let mut start = self.pos + 1;
        while self.at(start) == b' ' {
            start += 1;
        }
        match self.at(start) {
            b'&' | b'!' => return None,
            // (A comment after the `-` is part of its line.)
            b'#' => start = self.content_end(start),
            _ => {}
        }
        self.enter()?;
        self.builder.open(start, 0, None, false);
        self.items(column)?;
        self.depth -= 1;
        Some(())
    }

    /// The items of the open sequence at `column`, from the `-` at `pos`; closes it.
    fn items(&mut self, column: usize) -> Option<()> {
        loop {
            self.pos += 1;
            self.value(column, false)?;
            match self.next_content() {
                None => break,
                Some(c)
                    if c == column
                        && self.at(self.pos) == b'-'
                        && self.blank_or_end(self.pos + 1) => {}
                Some(c) if c <= column => break,
                Some(_) => return None,
            }
        }
        self.builder.pop_frame(self.pos);
        Some(())
    }

    /// Whether a plain scalar starts at `at`: not at an indicator, except `-` and `:` before a
    /// character that is not a blank (nor, in a flow, a flow indicator).
    fn plain_start(&self, at: usize, flow: bool) -> bool {
        let c = self.at(at);
        if !indicator(c) {
            return true;
        }
        let next = self.at(at + 1);
        matches!(c, b'-' | b':') && !self.blank_or_end(at + 1) && !(flow && flow_indicator(next))
    }

    /// A flow sequence or mapping at `pos`, inside the block collection at `block`. Its items
    /// are scalars, aliases and flow collections, a mapping's keys scalars; lines after the
    /// first are indented more than `block` (its closing bracket may sit at `block`'s
    /// indentation, as go-yaml and the lenient retry accept).
    fn flow(&mut self, block: Option<usize>, props: Props, outer: bool) -> Option<()> {
        let start = self.pos;
        let mapping = self.b[start] == b'{';
        let close = if mapping { b'}' } else { b']' };
        self.enter()?;
        self.builder.open(start, props.anchor, props.tag, mapping);
        self.pos += 1;
        self.flow_space(block, close, outer)?;
        if self.at(self.pos) == close {
            // Empty: saphyr ends it at the end of its line, so only one on a line of its own.
            if !outer || memchr::memchr(b'\n', &self.b[start..self.pos]).is_some() {
                return None;
            }
            self.pos += 1;
            self.close_empty()?;
            self.depth -= 1;
            return Some(());
        }
        loop {
            if mapping {
                let key = self.pos;
                let (end, colon) = self.key_at(key, true)?;
                self.key(key, end)?;
                self.pos = colon + 1;
                self.flow_space(block, close, outer)?;
                if matches!(self.at(self.pos), b',' | b'}') {
                    return None;
                }
            }
            self.flow_item(block)?;
            self.flow_space(block, close, outer)?;
            match self.at(self.pos) {
                b',' => {
                    self.pos += 1;
                    self.flow_space(block, close, outer)?;
                    if self.at(self.pos) == close {
                        self.pos += 1;
                        break;
                    }
                }
                c if c == close => {
                    self.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
        self.builder.pop_frame(self.pos);
        self.depth -= 1;
        Some(())
    }

    /// One item (or mapping value) in a flow at `pos`.
    fn flow_item(&mut self, block: Option<usize>) -> Option<()> {
        let item = self.pos;
        match self.at(item) {
            b'[' | b'{' => self.flow(block, Props::default(), false),
            b'*' => self.alias(),
            b'"' | b'\'' => self.quoted_scalar(Props::default()),
            _ if !self.plain_start(item, true) => None,
            _ => {
                let end = self.plain_end(item, true)?;
                let value = self.text[item..end].to_owned();
                self.scalar(
                    drydock_text::range(item, end),
                    value,
                    Style::Plain,
                    Props::default(),
                );
                self.pos = end;
                Some(())
            }
        }
    }

    /// Blanks, comments and line breaks inside a flow, up to its next token. A token starting
    /// a line must be indented more than `block` (`close` on the outermost flow may sit at
    /// `block`'s indentation).
    fn flow_space(&mut self, block: Option<usize>, close: u8, outer: bool) -> Option<()> {
        let mut line_start = false;
        loop {
            let blanks = self.skip_spaces();
            match self.at(self.pos) {
                b'#' if blanks > 0 || line_start => self.pos = self.line_end(self.pos),
                b'\n' | b'\r' => {
                    self.pos += 1;
                    line_start = true;
                }
                0 => return None,
                c => {
                    if line_start {
                        let column = self.column(self.pos);
                        let indented = block.is_none_or(|b| column > b);
                        let closing = outer && c == close && block == Some(column);
                        if !indented && !closing {
                            return None;
                        }
                        if !indented {
                            // saphyr-parser rejects some of these, and `parse` retries a bounded
                            // number of times; far below that bound, both read the same.
                            self.lenient_brackets += 1;
                            if self.lenient_brackets > 16 {
                                return None;
                            }
                        }
                    }
                    return Some(());
                }
            }
        }
    }

    /// Node properties at `pos`: an anchor (`&name`) and a tag (`!name`), in either order, each
    /// followed by a blank or a line end; `pos` ends after the blanks that follow them.
    fn properties(&mut self) -> Option<Props> {
        let mut props = Props {
            start: self.pos,
            ..Props::default()
        };
        loop {
            match self.at(self.pos) {
                b'&' if props.anchor == 0 => props.anchor = self.anchor()?,
                b'!' if props.tag.is_none() => {
                    // Only local tags (`!reset`, `!override`); saphyr displays them as written.
                    let start = self.pos;
                    self.name()?;
                    props.tag = Some(self.text[start..self.pos].to_owned());
                }
                _ => return Some(props),
            }
            props.end = self.pos;
            if self.skip_spaces() == 0 && !matches!(self.at(self.pos), b'\n' | b'\r' | 0) {
                return None;
            }
        }
    }

    /// An anchor's name at `pos` (`&name`), registered; its id.
    fn anchor(&mut self) -> Option<usize> {
        let name = self.name()?;
        let id = self.next_anchor;
        self.next_anchor += 1;
        self.anchors.insert(name, id);
        Some(id)
    }

    /// An alias at `pos` (`*name`) of a defined anchor.
    fn alias(&mut self) -> Option<()> {
        let start = self.pos;
        let name = self.name()?;
        let id = *self.anchors.get(name)?;
        self.builder.emit(Node {
            range: drydock_text::range(start, self.pos),
            tag: None,
            anchor: 0,
            kind: NodeKind::Alias(id),
        });
        Some(())
    }

    /// The name after `&` or `*` at `pos`: letters, digits, `-`, `_` and `.` up to a blank, a
    /// line end, `,` or `]`.
    fn name(&mut self) -> Option<&'a str> {
        let start = self.pos + 1;
        let mut i = start;
        while matches!(self.at(i), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.') {
            i += 1;
        }
        if i == start || !matches!(self.at(i), b' ' | b'\n' | b'\r' | 0 | b',' | b']') {
            return None;
        }
        self.pos = i;
        Some(&self.text[start..i])
    }

    /// The one-line quoted scalar at `at`: the end after its closing quote, and its value.
    fn quoted(&self, at: usize) -> Option<(usize, String)> {
        let quote = self.b[at];
        let mut value = String::new();
        let mut i = at + 1;
        let mut run = i;
        loop {
            match self.at(i) {
                b'\n' | b'\r' | 0 => return None,
                b'\'' if quote == b'\'' => {
                    value.push_str(&self.text[run..i]);
                    if self.at(i + 1) == b'\'' {
                        value.push('\'');
                        i += 2;
                        run = i;
                    } else {
                        return Some((i + 1, value));
                    }
                }
                b'"' if quote == b'"' => {
                    value.push_str(&self.text[run..i]);
                    return Some((i + 1, value));
                }
                b'\\' if quote == b'"' => {
                    value.push_str(&self.text[run..i]);
                    let escaped = match self.at(i + 1) {
                        b'\\' => '\\',
                        b'"' => '"',
                        b'/' => '/',
                        b' ' => ' ',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'0' => '\0',
                        b'a' => '\u{7}',
                        b'b' => '\u{8}',
                        b'e' => '\u{1b}',
                        b'f' => '\u{c}',
                        b'v' => '\u{b}',
                        _ => return None,
                    };
                    value.push(escaped);
                    i += 2;
                    run = i;
                }
                _ => i += 1,
            }
        }
    }

    /// A block scalar whose header (`|` or `>`) is at `pos`, in the collection at `column`.
    fn block_scalar(&mut self, column: usize) -> Option<()> {
        let literal = self.at(self.pos) == b'|';
        self.pos += 1;
        let chomp = match self.at(self.pos) {
            b'-' => Chomp::Strip,
            b'+' => Chomp::Keep,
            _ => Chomp::Clip,
        };
        if chomp != Chomp::Clip {
            self.pos += 1;
        }
        if !self.blank_or_end(self.pos) {
            return None;
        }
        let blanks = self.skip_spaces();
        match self.at(self.pos) {
            b'\n' | b'\r' => {}
            b'#' if blanks > 0 => {}
            _ => return None,
        }
        let header_end = self.line_end(self.pos);
        if header_end == self.b.len() {
            return None;
        }
        let mut p = header_end + 1;
        // Content lines (start, end) and blank lines (None), up to the last line read.
        let mut lines: Vec<Option<(usize, usize)>> = Vec::new();
        let mut indent = None;
        // The most spaces on a blank line before the first content line.
        let mut leading_spaces = 0;
        loop {
            let mut s = p;
            while self.at(s) == b' ' {
                s += 1;
            }
            let spaces = s - p;
            match self.at(s) {
                0 if spaces > 0 => return None,
                0 => break,
                b'\n' | b'\r' => {
                    match indent {
                        Some(k) if spaces > k => return None,
                        Some(_) => {}
                        None => leading_spaces = leading_spaces.max(spaces),
                    }
                    lines.push(None);
                    p = self.line_end(s) + 1;
                    continue;
                }
                _ => {}
            }
            let k = match indent {
                Some(k) => k,
                None if spaces > column && spaces >= leading_spaces => {
                    indent = Some(spaces);
                    spaces
                }
                None => return None,
            };
            if spaces < k {
                break;
            }
            let line_end = self.line_end(s);
            lines.push(Some((p + k, self.content_end(s))));
            p = (line_end + 1).min(self.b.len());
            if line_end == self.b.len() {
                if chomp == Chomp::Keep {
                    return None;
                }
                break;
            }
        }
        let last = lines.iter().rposition(Option::is_some)?;
        let trailing = lines.len() - last - 1;
        // Literal: the lines joined with line breaks. Folded: two lines neither of which is
        // more indented are joined with a space, or with one line break per blank line between
        // them; other line breaks are kept.
        let mut value = String::new();
        let mut blank_run = 0;
        let mut previous_more = false;
        for (index, line) in lines[..=last].iter().enumerate() {
            if literal && index > 0 {
                value.push('\n');
            }
            let Some((s, e)) = *line else {
                blank_run += 1;
                continue;
            };
            let more = self.at(s) == b' ';
            if !literal && index > 0 {
                if previous_more || more {
                    value.extend(std::iter::repeat_n('\n', blank_run + 1));
                } else if blank_run == 0 {
                    value.push(' ');
                } else {
                    value.extend(std::iter::repeat_n('\n', blank_run));
                }
            }
            blank_run = 0;
            previous_more = more;
            value.push_str(&self.text[s..e]);
        }
        match chomp {
            Chomp::Clip => value.push('\n'),
            Chomp::Strip => {}
            Chomp::Keep => value.extend(std::iter::repeat_n('\n', trailing + 1)),
        }
        let (start, _) = lines.iter().flatten().next()?;
        if matches!(self.at(*start), b'&' | b'!') {
            // The builder would take these for properties.
            return None;
        }
        let (_, end) = lines[last]?;
        let end = start + self.text[*start..end].trim_end_matches(' ').len();
        let start = *start;
        let style = if literal {
            Style::Literal
        } else {
            Style::Folded
        };
        let range = TextRange::new(to_size(start), to_size(end.max(start)));
        self.scalar(range, value, style, Props::default());
        self.pos = p;
        Some(())
    }

    fn scalar(&mut self, range: TextRange, value: String, style: Style, props: Props) {
        self.builder.emit(Node {
            range,
            tag: props.tag,
            anchor: props.anchor,
            kind: NodeKind::Scalar(Scalar { value, style }),
        });
    }
}

fn to_size(offset: usize) -> TextSize {
    TextSize::from(u32::try_from(offset).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::super::parse_with_saphyr;
    use super::parse;

    /// A xorshift generator (deterministic, no dependency).
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    /// Line bodies: mapping entries, sequence items, block scalar and flow lines, and things
    /// the reader leaves to saphyr-parser or that YAML rejects.
    #[rustfmt::skip]
    const LINES: &[&str] = &[
        "a: b", "a:", "b: 1", "c: \"x y\"", "d: 'it''s'", "e: &x v", "f: *x", "g: !reset",
        "g: !reset null", "h: [a, \"b\", *x]", "h: [a,", "h: [", "i: {a: b, c: \"d\"}", "i: {}",
        "j: []", "j: [ ]  # c", "k: |", "k: >-", "k: |+", "k: >", "k: |  # c", "k: |2", "l: # c",
        "m: v # c", "n: v:x", "o: a: b", "p: - a", "<<: *x", "<<: [*x, *y]", "q: -1", "r: :x",
        "s: &y", "t: !override", "u: &z !t v", "u: !t &z", "v: ${X:-1}", "w: a #b", "w: a#b",
        "\"k q\": v", "'k': v", "\"k\":", "x: \"a\\\"b\\n\\t\"", "x: \"\\u00e9\"", "x: \"\\x41\"",
        "y: 'multi", "y: \"multi", "z: [a, [b, c]]", "z: [a, {b: c}]", "z: {a: [b]}", "z: [[], a]",
        "é: ü", "a b: c", "a b : c", "a[0]: b", "k:v", "key: ]", "k: ? x", "k: @x", "k: `x`",
        "k: %x", "k: ,x", "k: x, y", "k: {a: }", "k: {a}", "k: [a: b]", "k: *undefined",
        "k:  \"a\"  # c", "k: 'a'b", "k: \"a\"b", "k: [a, b,]", "k: [a b]", "k: [-1, :x, -]",
        "k: {a: *x}", "k: &x [a]", "k: !t [a]", "k: &x {a: b}", "k: !t {}", "k: &x\t", "- a", "-",
        "- ", "- a: b", "- a: b  # c", "- - a", "- &x v", "- *x", "- \"q\"", "- [a, b]", "- |",
        "- >", "- |-", "- a:", "- k: |", "- :2016", "- -x", "- # c", "- &x", "- !t", "- !t x",
        "- {a: b}", "- []", "- {}", "- - - a", "- a: - b", "-a", "--", "text", "more text",
        "\"quoted\"", "'single'", "]", "}", "],", "a,", "\"b\",", "x]", "*x,", "[", "# comment",
        "#comment", "", "", "---", "...", "--- a", "&x", "!t", "&x !t", "? k", ": v", "a\tb",
        "a: b\r", "%YAML 1.2", "*x", "&x a: b", "!t a: b", "[a, b]", "{a: b}", "|", ">", "a: b   ",
        "x: 'a''", "k: \"\"", "k: ''", "k: \"#\"", "k: a # b: c", "k: [a, # c", "k: \"a: b\"",
        "k: a:", "k: http://x:80/y", "k: 'a' # c", "k: *x # c", "k: &x # c", "k: !t # c",
        "- *x # c", "\u{feff}a: b", "k: \u{85}", "k: \u{2028}", "k: \u{7f}", "k: 1e3", "k: ~",
        "k: null", "a:  ", "- \"a\": b", "- 'a': b", "- ? a", "- [a,", "b]", "b,", "\"c\"]",
        "}  # c", "{a: b,", "c: d}",
    ];

    fn document(g: &mut Gen) -> String {
        let mut text = String::new();
        let mut indent: usize = 0;
        if g.below(20) == 0 {
            text.push_str("---\n");
        }
        for _ in 0..=g.below(10) {
            indent = match g.below(10) {
                0..=3 => indent,
                4 | 5 => indent + 2,
                6 => indent.saturating_sub(2),
                7 => indent.saturating_sub(4),
                8 => 0,
                _ => indent + [1, 3, 4][g.below(3)],
            }
            .min(12);
            text.push_str(&" ".repeat(indent));
            text.push_str(g.pick(LINES));
            text.push_str(match g.below(30) {
                0 => "  ",
                1 => " # c",
                _ => "\n",
            });
        }
        if g.below(5) == 0 {
            text.pop();
        }
        text
    }

    /// Scalars and other one-line values after `key: ` or `- `.
    #[rustfmt::skip]
    const VALUES: &[&str] = &[
        "v", "a b", "nginx:1.25", "\"q\"", "'s'", "'it''s'", "\"a\\\"b\\n\"", "\"\"", "''", "-1",
        "-x", ":8080", "${A:-b}", "http://x:80/y", "a#b", "x, y", "[a, \"b\", 'c']", "[]", "[ ]",
        "{}", "{a: b}", "{a: b, 'c': \"d\"}", "[a, [b]]", "[*x]", "*x", "&x v", "&x [a]", "!t v",
        "!reset null", "&x !t v", "v # c", "\"q\" # c", "[a] # c", "~", "null", "true", "é ü",
    ];

    /// Values the reader refuses or YAML rejects.
    const ODD_VALUES: &[&str] = &[
        "a: b", "- a", "? a", "@a", "`a`", "%a", "!!str a", "&x", "!t", "*y", "[a,", "{a", "\"a",
        "'a", "a\tb", "a ]", "]", "|", ">", "[a: b]", "{a}", "&x a: b",
    ];

    const KEYS: &[&str] = &[
        "a", "b", "image", "a b", "\"q k\"", "'s k'", "x-y", "<<", "a[0]", "é", "-k", "k ", "a",
        "\"a\"",
    ];

    const ODD_KEYS: &[&str] = &["? k", "&x k", "*x", "k:k", "", "!t k", "[k]", "k\tk"];

    /// A structured generator: nested block mappings and sequences with every kind of value,
    /// block scalars, multi-line flow sequences, and now and then a wrong indentation or
    /// value.
    struct Doc<'g> {
        g: &'g mut Gen,
        out: String,
    }

    impl Doc<'_> {
        /// One of `usual`, or now and then one of `odd`.
        fn odd(&mut self, usual: &[&'static str], odd: &[&'static str]) -> &'static str {
            if self.g.below(25) == 0 {
                self.g.pick(odd)
            } else {
                self.g.pick(usual)
            }
        }

        fn line_end(&mut self) {
            match self.g.below(25) {
                0 => self.out.push_str(" # c\n"),
                1 => self.out.push_str("  \n"),
                2 => self.out.push_str("\n\n"),
                3 => self.out.push_str("\n# c\n"),
                _ => self.out.push('\n'),
            }
        }

        fn indent(&mut self, indent: usize) {
            let drift = match self.g.below(100) {
                0 => 1,
                1 if indent > 0 => -1,
                _ => 0,
            };
            let indent = indent.saturating_add_signed(drift);
            self.out.push_str(&" ".repeat(indent));
        }

        /// What follows `key:` or `-` (no blank yet), for a collection at `indent`.
        fn value(&mut self, indent: usize, depth: u32, in_mapping: bool) {
            let kind = if depth > 3 {
                self.g.below(3)
            } else {
                self.g.below(9)
            };
            match kind {
                0 | 1 => {
                    self.out.push(' ');
                    let value = self.odd(VALUES, ODD_VALUES);
                    self.out.push_str(value);
                    self.line_end();
                }
                2 => self.line_end(),
                3 | 4 => {
                    if self.g.below(6) == 0 {
                        self.out.push_str(self.g.pick(&[" &x", " !t", " &y !t"]));
                    }
                    self.line_end();
                    let inner = indent + [2, 2, 2, 1, 4][self.g.below(5)];
                    self.mapping(inner, depth + 1);
                }
                5 | 6 => {
                    if self.g.below(6) == 0 {
                        self.out.push_str(self.g.pick(&[" &x", " !t"]));
                    }
                    self.line_end();
                    let inner = if in_mapping && self.g.below(2) == 0 {
                        indent
                    } else {
                        indent + 2
                    };
                    self.sequence(inner, depth + 1);
                }
                7 => {
                    let header = self
                        .g
                        .pick(&[" |", " >", " |-", " >-", " |+", " >+", " | # c"]);
                    self.out.push_str(header);
                    self.out.push('\n');
                    let inner = indent + [2, 2, 1, 4][self.g.below(4)];
                    for _ in 0..=self.g.below(4) {
                        match self.g.below(6) {
                            0 => self.out.push('\n'),
                            1 => {
                                self.out.push_str(&" ".repeat(inner + 2));
                                self.out.push_str("more indented\n");
                            }
                            _ => {
                                self.indent(inner);
                                let text = self.g.pick(&["text", "a: b", "# not a comment", "x  "]);
                                self.out.push_str(text);
                                self.out.push('\n');
                            }
                        }
                    }
                }
                _ => {
                    self.out.push_str(" [");
                    for i in 0..=self.g.below(3) {
                        self.out.push('\n');
                        self.indent(indent + 2);
                        self.out
                            .push_str(self.g.pick(&["\"a\"", "b", "'c'", "*x", "[d]"]));
                        if i < 2 || self.g.below(2) == 0 {
                            self.out.push(',');
                        }
                    }
                    self.out.push('\n');
                    let close = indent + [0, 2, 1][self.g.below(3)];
                    self.out.push_str(&" ".repeat(close));
                    self.out.push(']');
                    self.line_end();
                }
            }
        }

        fn mapping(&mut self, indent: usize, depth: u32) {
            for _ in 0..=self.g.below(3) {
                self.indent(indent);
                let key = self.odd(KEYS, ODD_KEYS);
                self.out.push_str(key);
                self.out.push(':');
                self.value(indent, depth, true);
            }
        }

        fn sequence(&mut self, indent: usize, depth: u32) {
            for _ in 0..=self.g.below(3) {
                self.indent(indent);
                self.out.push('-');
                if depth < 4 && self.g.below(4) == 0 {
                    // A compact mapping: its first key on the `-` line.
                    let spaces = [1, 1, 3][self.g.below(3)];
                    self.out.push_str(&" ".repeat(spaces));
                    let key = self.odd(KEYS, ODD_KEYS);
                    self.out.push_str(key);
                    self.out.push(':');
                    let column = indent + 1 + spaces;
                    self.value(column, depth + 1, true);
                    if self.g.below(2) == 0 {
                        self.mapping(column, depth + 1);
                    }
                } else {
                    self.value(indent, depth, false);
                }
            }
        }
    }

    fn structured(g: &mut Gen) -> String {
        let mut doc = Doc {
            g,
            out: String::new(),
        };
        if doc.g.below(3) == 0 {
            doc.sequence(0, 0);
        } else {
            doc.mapping(0, 0);
        }
        let mut text = doc.out;
        if g.below(8) == 0 {
            text.pop();
        }
        text
    }

    /// Whether the fast reader read `text`; when it did, its tree is saphyr-parser's.
    fn check(text: &str) -> bool {
        let Some(fast) = parse(text) else {
            return false;
        };
        let slow = parse_with_saphyr(text);
        assert_eq!(fast.root, slow.root, "tree of {text:?}");
        assert_eq!(fast.errors, slow.errors, "errors of {text:?}");
        assert_eq!(fast.anchors, slow.anchors, "anchors of {text:?}");
        true
    }

    /// On generated documents (mostly compose-like lines at drifting indentations, many
    /// invalid), whatever the fast reader reads, it reads as saphyr-parser does; and it reads
    /// a good share of them.
    #[test]
    fn generated_documents_read_the_same() {
        // `DRYDOCK_YAML_CASES=N` runs more (and `DRYDOCK_YAML_SEED` other) documents.
        let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let mut generator = Gen(env("DRYDOCK_YAML_SEED").unwrap_or(0x2545_f491_4f6c_dd1d) | 1);
        let cases = env("DRYDOCK_YAML_CASES").unwrap_or(30_000);
        let (mut read, mut read_structured, mut read_crlf) = (0u64, 0u64, 0u64);
        for _ in 0..cases {
            read += u64::from(check(&document(&mut generator)));
            let text = structured(&mut generator);
            read_structured += u64::from(check(&text));
            // The same document with CRLF line breaks (and now and then one lone CR).
            let mut crlf = text.replace('\n', "\r\n");
            if generator.below(20) == 0 && !crlf.is_empty() {
                let at = generator.below(crlf.len());
                if crlf.is_char_boundary(at) {
                    crlf.insert(at, '\r');
                }
            }
            read_crlf += u64::from(check(&crlf));
        }
        // The generators must exercise the reader, not only its refusals.
        assert!(
            read * 20 > cases && read_structured * 3 > cases && read_crlf * 3 > cases,
            "read {read}, {read_structured} and {read_crlf} (CRLF) of {cases} each"
        );
    }
}
