//! Open documents: their text, version, kind, and incremental edits.

use std::path::PathBuf;
use std::sync::Arc;

use drydock_text::{LineCol, LineIndex, PositionEncoding, TextRange, TextSize};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

/// What drydock makes of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A Dockerfile (or Containerfile).
    Dockerfile,
    /// A compose file.
    Compose,
    /// Something else (other YAML): opened, tracked for project context, never linted.
    Other,
}

impl Kind {
    /// The kind of a document from its language id and file name: `dockerfile` is a
    /// Dockerfile; `dockercompose` and `yaml.docker-compose` are compose files; `yaml` is one
    /// only with a compose file name; otherwise the file name decides.
    #[must_use]
    pub fn of(language_id: &str, file_name: Option<&str>) -> Self {
        let by_name = file_name.and_then(name_kind);
        match language_id {
            "dockerfile" | "containerfile" => Kind::Dockerfile,
            "dockercompose" | "yaml.docker-compose" | "docker-compose" => Kind::Compose,
            "yaml" => match by_name {
                Some(Kind::Compose) => Kind::Compose,
                _ => Kind::Other,
            },
            _ => by_name.unwrap_or(Kind::Other),
        }
    }
}

/// The kind drydock's CLI gives a file of this name (`Dockerfile`, `Dockerfile.*`,
/// `*.Dockerfile`, `Containerfile*`; `compose*.y(a)ml`, `docker-compose*.y(a)ml`).
fn name_kind(name: &str) -> Option<Kind> {
    let name = name.to_ascii_lowercase();
    if name.ends_with(".dockerignore") {
        return None;
    }
    if name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.starts_with("dockerfile-")
        || name.ends_with(".dockerfile")
        || name == "containerfile"
        || name.starts_with("containerfile.")
    {
        return Some(Kind::Dockerfile);
    }
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    (yaml && (name.starts_with("compose") || name.starts_with("docker-compose")))
        .then_some(Kind::Compose)
}

/// An open document. Snapshots share it through an `Arc`; an edit makes a new one.
#[derive(Clone, Debug)]
pub struct Document {
    /// Its URI.
    pub uri: Uri,
    /// Its path, for `file:` URIs.
    pub path: Option<PathBuf>,
    /// Its kind.
    pub kind: Kind,
    /// The client's version.
    pub version: i32,
    /// The text.
    pub text: Arc<str>,
    /// Line starts of the text.
    pub index: Arc<LineIndex>,
}

impl Document {
    /// A document opened with `text`.
    #[must_use]
    pub fn new(uri: Uri, kind: Kind, version: i32, text: String) -> Self {
        let path = crate::uri::to_path(&uri);
        let index = Arc::new(LineIndex::new(&text));
        Self {
            uri,
            path,
            kind,
            version,
            text: Arc::from(text),
            index,
        }
    }

    /// The byte offset of an LSP position.
    #[must_use]
    pub fn offset(&self, position: Position, encoding: PositionEncoding) -> TextSize {
        self.index.offset(
            &self.text,
            LineCol {
                line: position.line,
                col: position.character,
            },
            encoding,
        )
    }

    /// The LSP position of a byte offset.
    #[must_use]
    pub fn position(&self, offset: TextSize, encoding: PositionEncoding) -> Position {
        position(&self.text, &self.index, offset, encoding)
    }

    /// The LSP range of a byte range.
    #[must_use]
    pub fn range(&self, range: TextRange, encoding: PositionEncoding) -> Range {
        Range {
            start: self.position(range.start(), encoding),
            end: self.position(range.end(), encoding),
        }
    }

    /// The byte range of an LSP range (start and end ordered).
    #[must_use]
    pub fn text_range(&self, range: Range, encoding: PositionEncoding) -> TextRange {
        let start = self.offset(range.start, encoding);
        let end = self.offset(range.end, encoding);
        TextRange::new(start.min(end), start.max(end))
    }

    /// Applies the changes of one `didChange`, in order (each one against the text the previous
    /// one left), and takes the new version.
    #[must_use]
    pub fn changed(
        &self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: PositionEncoding,
    ) -> Self {
        let mut text = self.text.to_string();
        let mut index = (*self.index).clone();
        for change in changes {
            match change {
                TextDocumentContentChangeEvent::TextDocumentContentChangeWholeDocument(whole) => {
                    text = whole.text;
                }
                TextDocumentContentChangeEvent::TextDocumentContentChangePartial(part) => {
                    let at = |p: Position| {
                        usize::from(index.offset(
                            &text,
                            LineCol {
                                line: p.line,
                                col: p.character,
                            },
                            encoding,
                        ))
                    };
                    let (a, b) = (at(part.range.start), at(part.range.end));
                    let (start, end) = (a.min(b), a.max(b));
                    text.replace_range(start..end, &part.text);
                }
            }
            index = LineIndex::new(&text);
        }
        Self {
            uri: self.uri.clone(),
            path: self.path.clone(),
            kind: self.kind,
            version,
            text: Arc::from(text),
            index: Arc::new(index),
        }
    }
}

/// The LSP position of `offset` in `text`.
#[must_use]
pub fn position(
    text: &str,
    index: &LineIndex,
    offset: TextSize,
    encoding: PositionEncoding,
) -> Position {
    let lc = index.line_col(text, offset, encoding);
    Position {
        line: lc.line,
        character: lc.col,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{TextDocumentContentChangePartial, TextDocumentContentChangeWholeDocument};

    fn doc(text: &str) -> Document {
        Document::new(
            Uri("file:///x/Dockerfile".into()),
            Kind::Dockerfile,
            1,
            text.into(),
        )
    }

    #[allow(deprecated)] // `range_length` is deprecated but still a field to fill.
    fn edit(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangePartial {
            range: Range {
                start: Position {
                    line: l1,
                    character: c1,
                },
                end: Position {
                    line: l2,
                    character: c2,
                },
            },
            range_length: None,
            text: text.into(),
        }
        .into()
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let d = doc("FROM a\nRUN é x\n");
        // UTF-16: `é` is one unit; insert after it, then replace the first line.
        let d = d.changed(
            2,
            vec![edit(1, 5, 1, 5, "y"), edit(0, 5, 0, 6, "debian:12")],
            PositionEncoding::Utf16,
        );
        assert_eq!(&*d.text, "FROM debian:12\nRUN éy x\n");
        assert_eq!(d.version, 2);
        // UTF-8: `é` is two bytes.
        let d = d.changed(3, vec![edit(1, 6, 1, 7, "z")], PositionEncoding::Utf8);
        assert_eq!(&*d.text, "FROM debian:12\nRUN éz x\n");
        let d = d.changed(
            4,
            vec![
                TextDocumentContentChangeWholeDocument {
                    text: "FROM b\n".into(),
                }
                .into(),
                edit(0, 6, 0, 6, "\nUSER 1"),
            ],
            PositionEncoding::Utf16,
        );
        assert_eq!(&*d.text, "FROM b\nUSER 1\n");
        // Past the end: clamped, never a panic.
        let d = d.changed(5, vec![edit(9, 9, 12, 0, "!")], PositionEncoding::Utf16);
        assert_eq!(&*d.text, "FROM b\nUSER 1\n!");
    }

    #[test]
    fn kinds() {
        assert_eq!(Kind::of("dockerfile", Some("x")), Kind::Dockerfile);
        assert_eq!(Kind::of("yaml", Some("compose.yaml")), Kind::Compose);
        assert_eq!(Kind::of("yaml", Some("values.yaml")), Kind::Other);
        assert_eq!(Kind::of("dockercompose", Some("stack.yml")), Kind::Compose);
        assert_eq!(
            Kind::of("plaintext", Some("Containerfile")),
            Kind::Dockerfile
        );
    }
}
