//! A small spanned YAML tree built from `saphyr-parser` events, or, for the block YAML that
//! compose files are nearly always written in, by drydock's own reader (`yaml/fast.rs`), which
//! builds the same tree through the same builder four times cheaper.
//!
//! Every node carries its exact byte range. Duplicate keys are kept and reported instead of
//! aborting, aliases are *not* expanded (they point at their anchor by id, so a billion-laughs
//! document costs nothing to load), nesting is bounded, and the first syntax error stops the
//! event stream (saphyr-parser 0.3.4 repeats the same error forever after one) without losing the
//! part of the document read before it.
//!
//! Two saphyr-parser traps are handled here: markers are character indices (converted to byte
//! offsets with a moving cursor), and the end marker of a quoted scalar can run past the closing
//! quote (recomputed by scanning for the quote).

use drydock_text::{TextRange, TextSize, size};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Deepest nesting of collections accepted; deeper documents are reported, not built.
pub const MAX_DEPTH: usize = 512;

/// A parsed YAML document.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// The root node (`None` for an empty document, or when the first node could not be read).
    pub root: Option<Node>,
    /// Syntax errors, duplicate keys and limits hit.
    pub errors: Vec<YamlError>,
    /// Anchors by id: the node range where each was defined (for resolving aliases).
    pub anchors: Vec<(usize, Node)>,
}

/// A YAML problem with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Where.
    pub range: TextRange,
    /// What, in one line.
    pub message: String,
    /// A related location (the first occurrence of a duplicate key).
    pub related: Option<TextRange>,
}

/// A node with its range.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The node's bytes (for a scalar: the text as written, quotes included).
    pub range: TextRange,
    /// The tag written on the node (`!reset`, `!!str`), if any.
    pub tag: Option<String>,
    /// The anchor id defined on this node (0 = none).
    pub anchor: usize,
    /// The content.
    pub kind: NodeKind,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar with its style.
    Scalar(Scalar),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in document order; duplicate keys are kept.
    Mapping(Vec<(Node, Node)>),
    /// An alias (`*name`) referring to the anchor with this id.
    Alias(usize),
}

/// A scalar's text and style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The value after YAML processing (quotes, escapes, folding).
    pub value: String,
    /// How it was written.
    pub style: Style,
}

/// Scalar styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'...'`.
    SingleQuoted,
    /// `"..."`.
    DoubleQuoted,
    /// `|`.
    Literal,
    /// `>`.
    Folded,
}

impl Node {
    /// The scalar, if this is one.
    #[must_use]
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's value, if this is a scalar.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    /// The mapping entries, if this is a mapping.
    #[must_use]
    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The sequence items, if this is a sequence.
    #[must_use]
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The value of the last entry whose key is the scalar `key` (the one that wins).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The last entry whose key is the scalar `key`.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.as_mapping()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
    }

    /// Whether this is a plain scalar that YAML reads as null (`~`, `null`, empty).
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(Scalar { value, style: Style::Plain })
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

mod fast;

/// Parses the first document of `text`. Never fails.
#[must_use]
pub fn parse(text: &str) -> Document {
    fast::parse(text).unwrap_or_else(|| parse_with_saphyr(text))
}

/// What the fast reader reads of `text` (`None`: what it leaves to saphyr-parser). For the
/// tests that compare the two.
#[doc(hidden)]
#[must_use]
pub fn parse_fast(text: &str) -> Option<Document> {
    fast::parse(text)
}

/// `text` read by saphyr-parser alone. For the tests that compare the two.
#[doc(hidden)]
#[must_use]
pub fn parse_with_saphyr(text: &str) -> Document {
    let doc = Builder::new(text).run();
    if doc.errors.is_empty() {
        return doc;
    }
    lenient_flow_indentation(text, doc)
}

/// saphyr-parser rejects a flow collection whose closing bracket sits at the indentation of
/// the block it belongs to:
///
/// ```yaml
/// command: [
///   "start",
/// ]
/// ```
///
/// libyaml and go-yaml (which Compose uses) accept it, and real compose files rely on it. When
/// the first error is "invalid indentation" at such a bracket, the bracket is indented by one
/// space in a private copy and the copy parsed again (once per bracket, up to a bound); ranges
/// are then mapped back to the original text. Without progress, the first result stands.
fn lenient_flow_indentation(text: &str, first: Document) -> Document {
    const MAX_RETRIES: usize = 64;
    let mut patched = text.to_owned();
    // Positions of inserted spaces in `patched`.
    let mut inserted: Vec<usize> = Vec::new();
    let mut doc = first.clone();
    for _ in 0..MAX_RETRIES {
        let Some(error) = doc.errors.first() else {
            break;
        };
        if error.message != "invalid indentation" {
            break;
        }
        let at = usize::from(error.range.start());
        let line_start = patched[..at].rfind('\n').map_or(0, |i| i + 1);
        let indent = &patched[line_start..at];
        let closing = patched[at..].starts_with([']', '}']);
        if !closing || !indent.bytes().all(|b| b == b' ') {
            break;
        }
        patched.insert(line_start, ' ');
        for q in &mut inserted {
            if *q >= line_start {
                *q += 1;
            }
        }
        inserted.push(line_start);
        let next = Builder::new(&patched).run();
        let progressed = next
            .errors
            .first()
            .is_none_or(|e| usize::from(e.range.start()) > at + 1);
        if !progressed {
            break;
        }
        doc = next;
    }
    if inserted.is_empty() || doc.errors.first() == first.errors.first() && doc.root == first.root {
        return first;
    }
    inserted.sort_unstable();
    let map = |offset: drydock_text::TextSize| -> drydock_text::TextSize {
        let p = usize::from(offset);
        let shift = inserted.partition_point(|&q| q < p);
        drydock_text::TextSize::from(u32::try_from(p - shift).unwrap_or(u32::MAX))
    };
    let map_range = |r: TextRange| TextRange::new(map(r.start()), map(r.end()));
    fn remap(node: &mut Node, f: &dyn Fn(TextRange) -> TextRange) {
        node.range = f(node.range);
        match &mut node.kind {
            NodeKind::Sequence(items) => items.iter_mut().for_each(|n| remap(n, f)),
            NodeKind::Mapping(entries) => {
                for (k, v) in entries {
                    remap(k, f);
                    remap(v, f);
                }
            }
            NodeKind::Scalar(_) | NodeKind::Alias(_) => {}
        }
    }
    if let Some(root) = &mut doc.root {
        remap(root, &map_range);
    }
    for (_, node) in &mut doc.anchors {
        remap(node, &map_range);
    }
    for error in &mut doc.errors {
        error.range = map_range(error.range);
        error.related = error.related.map(map_range);
    }
    doc
}

/// Converts saphyr's character-index markers to byte offsets, moving a cursor (markers arrive
/// roughly in order, so each conversion is cheap).
struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl CharToByte<'_> {
    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.chars < char_index {
            let Some(c) = self.text[self.bytes..].chars().next() else {
                break;
            };
            self.bytes += c.len_utf8();
            self.chars += 1;
        }
        while self.chars > char_index {
            let Some(c) = self.text[..self.bytes].chars().next_back() else {
                break;
            };
            self.bytes -= c.len_utf8();
            self.chars -= 1;
        }
        self.bytes
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    text: &'a str,
    pos: CharToByte<'a>,
    stack: Vec<Frame>,
    doc: Document,
    done: bool,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: CharToByte {
                text,
                ascii: text.is_ascii(),
                chars: 0,
                bytes: 0,
            },
            stack: Vec::new(),
            doc: Document::default(),
            done: false,
        }
    }

    fn range(&mut self, span: Span) -> TextRange {
        let start = self.pos.byte(span.start.index());
        let end = self.pos.byte(span.end.index()).max(start);
        drydock_text::range(start, end)
    }

    fn run(mut self) -> Document {
        let mut parser = Parser::new_from_str(self.text);
        let mut documents = 0;
        while let Some(result) = parser.next_event() {
            match result {
                Err(error) => {
                    let at = self.pos.byte(error.marker().index());
                    let end = self.text[at..]
                        .chars()
                        .next()
                        .map_or(at, |c| at + c.len_utf8());
                    self.doc.errors.push(YamlError {
                        range: drydock_text::range(at, end),
                        message: error.info().to_owned(),
                        related: None,
                    });
                    break;
                }
                Ok((event, span)) => match event {
                    Event::DocumentStart(_) => {
                        documents += 1;
                        if documents > 1 {
                            break;
                        }
                    }
                    Event::StreamEnd => break,
                    Event::Scalar(value, style, anchor, tag) => {
                        let mut range = self.range(span);
                        let start = self.skip_properties(usize::from(range.start()));
                        range = drydock_text::range(start, usize::from(range.end()).max(start));
                        let style = match style {
                            ScalarStyle::Plain => Style::Plain,
                            ScalarStyle::SingleQuoted => Style::SingleQuoted,
                            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                            ScalarStyle::Literal => Style::Literal,
                            ScalarStyle::Folded => Style::Folded,
                        };
                        if matches!(style, Style::SingleQuoted | Style::DoubleQuoted) {
                            range = self.quoted_range(range, style);
                        }
                        if matches!(style, Style::Literal | Style::Folded) {
                            // saphyr ends a block scalar at the start of the next line (or
                            // after trailing blank lines); the value ends with its last line.
                            let text = &self.text[range];
                            let trimmed = text.trim_end_matches(['\n', '\r', ' ', '\t']);
                            range = TextRange::at(
                                range.start(),
                                drydock_text::TextSize::from(
                                    u32::try_from(trimmed.len()).unwrap_or(0),
                                ),
                            );
                        }
                        let node = Node {
                            range,
                            tag: tag.map(|t| t.to_string()),
                            anchor,
                            kind: NodeKind::Scalar(Scalar {
                                value: value.into_owned(),
                                style,
                            }),
                        };
                        self.emit(node);
                    }
                    Event::Alias(id) => {
                        let range = self.range(span);
                        self.emit(Node {
                            range,
                            tag: None,
                            anchor: 0,
                            kind: NodeKind::Alias(id),
                        });
                    }
                    Event::SequenceStart(anchor, tag) => {
                        let at = usize::from(self.range(span).start());
                        let start = self.skip_properties(at);
                        self.open(start, anchor, tag.map(|t| t.to_string()), false);
                    }
                    Event::MappingStart(anchor, tag) => {
                        let at = usize::from(self.range(span).start());
                        let start = self.skip_properties(at);
                        self.open(start, anchor, tag.map(|t| t.to_string()), true);
                    }
                    Event::SequenceEnd | Event::MappingEnd => {
                        let end = usize::from(self.range(span).end());
                        self.pop_frame(end);
                    }
                    Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
                },
            }
            if self.done {
                break;
            }
        }
        // Close whatever the error left open, keeping what was read.
        let end = self.text.len();
        while !self.stack.is_empty() {
            self.pop_frame(end);
        }
        self.doc
    }

    /// Skips a node's properties (`&anchor`, `!tag`) and the blanks and comments after them,
    /// so a range starts at the value itself. (A plain scalar cannot start with `&` or `!`.)
    fn skip_properties(&self, mut at: usize) -> usize {
        let bytes = self.text.as_bytes();
        while at < bytes.len() && matches!(bytes[at], b'&' | b'!') {
            let mut end = at;
            while end < bytes.len() && !matches!(bytes[end], b' ' | b'\t' | b'\r' | b'\n') {
                end += 1;
            }
            loop {
                while end < bytes.len() && matches!(bytes[end], b' ' | b'\t' | b'\r' | b'\n') {
                    end += 1;
                }
                if end < bytes.len() && bytes[end] == b'#' {
                    while end < bytes.len() && bytes[end] != b'\n' {
                        end += 1;
                    }
                } else {
                    break;
                }
            }
            if end >= bytes.len() {
                break;
            }
            at = end;
        }
        at
    }

    /// Opens a sequence or mapping whose range starts at byte `start`.
    fn open(&mut self, start: usize, anchor: usize, tag: Option<String>, mapping: bool) {
        if !self.push_frame(start) {
            return;
        }
        self.stack.push(if mapping {
            Frame::Map {
                start,
                anchor,
                tag,
                entries: Vec::new(),
                key: None,
            }
        } else {
            Frame::Seq {
                start,
                anchor,
                tag,
                items: Vec::new(),
            }
        });
    }

    fn push_frame(&mut self, start: usize) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.doc.errors.push(YamlError {
                range: drydock_text::range(start, start + 1),
                message: format!("collections nested deeper than {MAX_DEPTH} levels are not read"),
                related: None,
            });
            self.done = true;
            return false;
        }
        true
    }

    /// The range of a quoted scalar, from its opening quote to its closing quote.
    fn quoted_range(&self, range: TextRange, style: Style) -> TextRange {
        let start = usize::from(range.start());
        let bytes = self.text.as_bytes();
        let quote = if style == Style::SingleQuoted {
            b'\''
        } else {
            b'"'
        };
        if bytes.get(start) != Some(&quote) {
            return range;
        }
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == quote => return drydock_text::range(start, i + 1),
                _ => i += 1,
            }
        }
        range
    }

    fn pop_frame(&mut self, end: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let node = match frame {
            Frame::Seq {
                start,
                anchor,
                tag,
                items,
            } => {
                let end = items
                    .last()
                    .map_or(end, |n| usize::from(n.range.end()))
                    .max(start);
                Node {
                    range: drydock_text::range(start, end),
                    tag,
                    anchor,
                    kind: NodeKind::Sequence(items),
                }
            }
            Frame::Map {
                start,
                anchor,
                tag,
                entries,
                key,
            } => {
                let mut entries = entries;
                if let Some(key) = key {
                    // A key without a value (the stream broke off): keep it with an empty value.
                    let at = key.range.end();
                    entries.push((
                        key,
                        Node {
                            range: TextRange::empty(at),
                            tag: None,
                            anchor: 0,
                            kind: NodeKind::Scalar(Scalar {
                                value: String::new(),
                                style: Style::Plain,
                            }),
                        },
                    ));
                }
                let end = entries
                    .last()
                    .map_or(end, |(_, v)| usize::from(v.range.end()))
                    .max(start);
                Node {
                    range: drydock_text::range(start, end),
                    tag,
                    anchor,
                    kind: NodeKind::Mapping(entries),
                }
            }
        };
        self.emit(node);
    }

    fn emit(&mut self, node: Node) {
        if node.anchor != 0 {
            self.doc.anchors.push((node.anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                if self.doc.root.is_none() {
                    self.doc.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Some(name) = k.as_str()
                        && k.tag.is_none()
                        && let Some((first, _)) = entries
                            .iter()
                            .find(|(e, _)| e.as_str() == Some(name) && e.tag.is_none())
                    {
                        let related = Some(first.range);
                        self.doc.errors.push(YamlError {
                            range: k.range,
                            message: format!("duplicate key `{name}`"),
                            related,
                        });
                    }
                    entries.push((k, node));
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_and_duplicates_are_kept() {
        let text = "é: 1\nservices:\n  web:\n    image: \"nginx\" # comment\n    image: x\n";
        let doc = parse(text);
        let root = doc.root.as_ref().unwrap();
        let web = root.get("services").unwrap().get("web").unwrap();
        let entries = web.as_mapping().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(&text[entries[0].1.range], "\"nginx\"");
        assert_eq!(web.get("image").unwrap().as_str(), Some("x"));
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(doc.errors[0].message, "duplicate key `image`");
        assert_eq!(&text[doc.errors[0].range], "image");
    }

    #[test]
    fn closing_flow_brackets_at_the_block_indentation_are_accepted() {
        // As go-yaml and libyaml accept them (opentelemetry-demo's compose file has this).
        let text = "services:\n  é:\n    command: [\n      \"start\",\n      \"--uri\"\n    ]\n    labels: {\n      a: b\n    }\n    image: x\n";
        let doc = parse(text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let svc = doc
            .root
            .as_ref()
            .unwrap()
            .get("services")
            .unwrap()
            .get("é")
            .unwrap();
        let command = svc.get("command").unwrap();
        // (A collection's range ends at its last item.)
        assert_eq!(&text[command.range], "[\n      \"start\",\n      \"--uri\"");
        assert_eq!(&text[command.as_sequence().unwrap()[1].range], "\"--uri\"");
        assert_eq!(&text[svc.get("labels").unwrap().range], "{\n      a: b");
        assert_eq!(&text[svc.get("image").unwrap().range], "x");

        // Other indentation errors stay errors, at their place in the original text.
        let text = "a:\n  b: [\n    1\n  ]\n c: 2\n";
        let doc = parse(text);
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        assert!(usize::from(doc.errors[0].range.start()) >= text.find(" c").unwrap());
    }

    #[test]
    fn ranges_start_at_the_value_not_its_anchor_or_tag() {
        let text = "a: &x nginx\nb: !!str 5\nc: &y !!str \"q\"\nd: &m\n  k: v\ne: &s [1]\n";
        let doc = parse(text);
        let root = doc.root.as_ref().unwrap();
        assert_eq!(&text[root.get("a").unwrap().range], "nginx");
        assert_eq!(&text[root.get("b").unwrap().range], "5");
        assert_eq!(&text[root.get("c").unwrap().range], "\"q\"");
        assert!(text[root.get("d").unwrap().range].starts_with("k: v"));
        assert!(text[root.get("e").unwrap().range].starts_with("[1"));
    }

    #[test]
    fn aliases_are_not_expanded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            text.push_str(&format!(
                "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char
            ));
        }
        let doc = parse(&text);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(doc.root.unwrap().as_mapping().unwrap().len(), 9);
    }

    #[test]
    fn errors_stop_without_looping() {
        for text in ["&{", "a: \"x", "a:\n  - b\n c: d\n", "{"] {
            let doc = parse(text);
            assert!(!doc.errors.is_empty(), "{text:?}");
        }
        let deep = "[".repeat(10_000);
        let doc = parse(&deep);
        // saphyr-parser stops at its own recursion limit before ours.
        assert!(
            doc.errors
                .iter()
                .any(|e| e.message.contains("nested deeper")
                    || e.message.contains("recursion limit"))
        );
    }
}

/// A `#` comment in a YAML file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of the line's content.
    pub range: TextRange,
    /// Whether the comment is alone on its line (otherwise it trails a value).
    pub own_line: bool,
}

/// The comments of `text`. A `#` starts a comment at the start of a line or after whitespace,
/// outside quoted and block scalars (whose ranges come from the parsed document).
#[must_use]
pub fn comments(text: &str, doc: &Document) -> Vec<Comment> {
    // Ranges where `#` is content, not a comment.
    let mut content: Vec<TextRange> = Vec::new();
    let mut stack: Vec<&Node> = doc.root.iter().collect();
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Scalar(s) if matches!(s.style, Style::Literal | Style::Folded) => {
                content.push(block_scalar_extent(text, node.range));
            }
            NodeKind::Scalar(s) if s.style != Style::Plain => content.push(node.range),
            NodeKind::Scalar(_) | NodeKind::Alias(_) => {}
            NodeKind::Sequence(items) => stack.extend(items),
            NodeKind::Mapping(entries) => stack.extend(entries.iter().flat_map(|(k, v)| [k, v])),
        }
    }
    content.sort_by_key(|r| r.start());
    // The furthest end among the ranges that start at or before each one: a `#` is inside
    // content when some range starting at or before it ends after it.
    let reach: Vec<TextSize> = content
        .iter()
        .scan(TextSize::new(0), |furthest, r| {
            *furthest = (*furthest).max(r.end());
            Some(*furthest)
        })
        .collect();
    let inside = |at: TextSize| {
        let starting = content.partition_point(|r| r.start() <= at);
        starting > 0 && reach[starting - 1] > at
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Only the `#` bytes are looked at; `line_start` follows them line by line.
    let (mut line_start, mut seen) = (0, 0);
    let mut rest_of_line_is_comment_until = 0;
    for i in memchr::memchr_iter(b'#', bytes) {
        if i < rest_of_line_is_comment_until {
            continue;
        }
        if let Some(newline) = memchr::memrchr(b'\n', &bytes[seen..i]) {
            line_start = seen + newline + 1;
        }
        seen = i;
        if !(i == line_start || matches!(bytes[i - 1], b' ' | b'\t')) || inside(size(i)) {
            continue;
        }
        let line_end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
        let end = text[i..line_end].trim_end_matches('\r').len() + i;
        out.push(Comment {
            range: drydock_text::range(i, end),
            own_line: text[line_start..i].trim().is_empty(),
        });
        rest_of_line_is_comment_until = line_end;
    }
    out
}

/// The bytes of a block scalar (`|` / `>`): from its indicator through the following lines that
/// are blank or indented deeper than the line holding the indicator.
fn block_scalar_extent(text: &str, range: TextRange) -> TextRange {
    let start = usize::from(range.start());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = text[line_start..].len() - text[line_start..].trim_start_matches(' ').len();
    let mut end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut pos = end + 1;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..line_end];
        let this_indent = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() && this_indent <= indent {
            break;
        }
        end = line_end;
        pos = line_end + 1;
    }
    drydock_text::range(start, end.max(usize::from(range.end())))
}

/// A mapping key found at an offset, with the key paths it is read at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAt {
    /// The key node's range.
    pub range: TextRange,
    /// The key as read (quotes removed).
    pub key: String,
    /// The keys from the root down to this one, as written in this document; a sequence item
    /// is `*`.
    pub path: Vec<String>,
    /// For a key inside an anchored node, its path from each place an alias brings that node in:
    /// `x-base: &base {image: a}` merged with `<<: *base` under `services.web` gives
    /// `["services", "web", "image"]`. Aliases of aliases are followed a few levels deep.
    pub via_aliases: Vec<Vec<String>>,
}

/// An alias in the document: the anchor it names, the path where it brings the anchored node in
/// (the mapping's own path for a merge key), and the anchors enclosing that place.
struct AliasSite {
    anchor: usize,
    path: Vec<String>,
    enclosing: Anchors,
}

/// Anchors enclosing a node: `(anchor id, length of the path to the anchored node)`.
type Anchors = Vec<(usize, usize)>;

/// The mapping key whose range holds `offset` (its end included, so a cursor right after a key
/// finds it), with its key path; `None` when `offset` is not on a key. Never fails.
#[must_use]
pub fn key_at(doc: &Document, offset: drydock_text::TextSize) -> Option<KeyAt> {
    // (node, path to it, anchors enclosing it as (id, path length at the anchored node))
    let mut found: Option<(TextRange, String, Vec<String>, Anchors)> = None;
    let mut sites: Vec<AliasSite> = Vec::new();
    let mut stack: Vec<(&Node, Vec<String>, Anchors)> = doc
        .root
        .iter()
        .map(|n| (n, Vec::new(), Vec::new()))
        .collect();
    while let Some((node, path, mut anchors)) = stack.pop() {
        if node.anchor != 0 {
            anchors.push((node.anchor, path.len()));
        }
        match &node.kind {
            NodeKind::Mapping(entries) => {
                for (k, v) in entries {
                    let name = k.as_str().unwrap_or_default().to_owned();
                    if found.is_none()
                        && k.as_scalar().is_some()
                        && k.range.start() <= offset
                        && offset <= k.range.end()
                    {
                        let mut p = path.clone();
                        p.push(name.clone());
                        found = Some((k.range, name.clone(), p, anchors.clone()));
                    }
                    if name == "<<" && k.as_scalar().is_some() {
                        // A merge key: its aliases bring their mappings into this mapping.
                        let merged: Vec<&Node> = match &v.kind {
                            NodeKind::Sequence(items) => items.iter().collect(),
                            _ => vec![v],
                        };
                        for m in merged {
                            if let NodeKind::Alias(id) = m.kind {
                                sites.push(AliasSite {
                                    anchor: id,
                                    path: path.clone(),
                                    enclosing: anchors.clone(),
                                });
                            }
                        }
                        stack.push((v, path.clone(), anchors.clone()));
                        continue;
                    }
                    let mut p = path.clone();
                    p.push(name);
                    stack.push((v, p, anchors.clone()));
                }
            }
            NodeKind::Sequence(items) => {
                for item in items {
                    let mut p = path.clone();
                    p.push("*".to_owned());
                    stack.push((item, p, anchors.clone()));
                }
            }
            NodeKind::Alias(id) => sites.push(AliasSite {
                anchor: *id,
                path: path.clone(),
                enclosing: anchors,
            }),
            NodeKind::Scalar(_) => {}
        }
    }
    let (range, key, path, anchors) = found?;
    // Paths through aliases: replace the part of the path down to an anchored node with the
    // path of each alias of that anchor, a few levels deep (aliases inside anchored nodes).
    let mut via: Vec<Vec<String>> = Vec::new();
    let mut frontier: Vec<(Vec<String>, Anchors)> = vec![(path.clone(), anchors)];
    for _ in 0..4 {
        let mut next = Vec::new();
        for (p, enclosing) in &frontier {
            for &(id, depth) in enclosing {
                for site in sites.iter().filter(|s| s.anchor == id) {
                    let mut q = site.path.clone();
                    q.extend(p[depth.min(p.len())..].iter().cloned());
                    if q != path && !via.contains(&q) && via.len() < 64 {
                        via.push(q.clone());
                        next.push((q, site.enclosing.clone()));
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    Some(KeyAt {
        range,
        key,
        path,
        via_aliases: via,
    })
}

#[cfg(test)]
mod key_at_tests {
    use drydock_text::TextSize;

    fn at(text: &str, needle: &str) -> super::KeyAt {
        let doc = super::parse(text);
        let offset = text.find(needle).expect("needle");
        super::key_at(&doc, TextSize::new(u32::try_from(offset).expect("small"))).expect("a key")
    }

    #[test]
    fn paths_and_aliases() {
        let text = "x-base: &base\n  image: a\n  cap_add: [X]\nservices:\n  web:\n    <<: *base\n    ports:\n      - target: 80\n  db: *base\n";
        let k = at(text, "image");
        assert_eq!(k.path, ["x-base", "image"]);
        assert_eq!(
            k.via_aliases,
            [
                vec!["services", "db", "image"],
                vec!["services", "web", "image"]
            ]
        );
        let k = at(text, "target");
        assert_eq!(k.path, ["services", "web", "ports", "*", "target"]);
        assert!(k.via_aliases.is_empty());
        let doc = super::parse(text);
        assert!(
            super::key_at(&doc, TextSize::new(9)).is_none(),
            "on `&base`, not a key"
        );
    }
}

#[cfg(test)]
mod comment_tests {
    #[test]
    fn comments_outside_scalars() {
        let text = "# top\na: 1 # trailing\nb: \"x # not\" # yes\nc: |\n  # content\nd: e#f\n";
        let doc = super::parse(text);
        let found: Vec<(&str, bool)> = super::comments(text, &doc)
            .iter()
            .map(|c| (&text[c.range], c.own_line))
            .collect();
        assert_eq!(
            found,
            [("# top", true), ("# trailing", false), ("# yes", false)]
        );
    }

    /// The definition `comments` implements with a jump from `#` to `#`: every line scanned
    /// byte by byte, every `#` checked against every content range.
    fn comments_line_by_line(text: &str, doc: &super::Document) -> Vec<super::Comment> {
        let mut content = Vec::new();
        let mut stack: Vec<&super::Node> = doc.root.iter().collect();
        while let Some(node) = stack.pop() {
            match &node.kind {
                super::NodeKind::Scalar(s)
                    if matches!(s.style, super::Style::Literal | super::Style::Folded) =>
                {
                    content.push(super::block_scalar_extent(text, node.range));
                }
                super::NodeKind::Scalar(s) if s.style != super::Style::Plain => {
                    content.push(node.range);
                }
                super::NodeKind::Scalar(_) | super::NodeKind::Alias(_) => {}
                super::NodeKind::Sequence(items) => stack.extend(items),
                super::NodeKind::Mapping(entries) => {
                    stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
                }
            }
        }
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut line_start = 0;
        while line_start < bytes.len() {
            let line_end = text[line_start..]
                .find('\n')
                .map_or(bytes.len(), |i| line_start + i);
            for i in line_start..line_end {
                let at = super::size(i);
                if bytes[i] == b'#'
                    && (i == line_start || matches!(bytes[i - 1], b' ' | b'\t'))
                    && !content.iter().any(|r| r.start() <= at && at < r.end())
                {
                    let end = text[i..line_end].trim_end_matches('\r').len() + i;
                    out.push(super::Comment {
                        range: drydock_text::range(i, end),
                        own_line: text[line_start..i].trim().is_empty(),
                    });
                    break;
                }
            }
            line_start = line_end + 1;
        }
        out
    }

    /// Pieces of compose-like YAML, with `#` in every position that matters.
    const PIECES: &[&str] = &[
        "#", " #", "# x", " ", "\t", "a", "k: ", "v", "'", "\"", "\\", "|", ">-", "\n", "\n  ",
        "\n    ", "\r\n", "- ", "[", "]", "{", "}", ", ", ":", "ü",
    ];

    proptest::proptest! {
        #[test]
        fn comments_are_found_as_a_line_by_line_scan_finds_them(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..48)
        ) {
            let text = pieces.concat();
            let doc = super::parse(&text);
            let fast: Vec<_> = super::comments(&text, &doc)
                .iter()
                .map(|c| (c.range, c.own_line))
                .collect();
            let slow: Vec<_> = comments_line_by_line(&text, &doc)
                .iter()
                .map(|c| (c.range, c.own_line))
                .collect();
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}
