//! `textDocument/documentSymbol` and `textDocument/foldingRange`.
//!
//! **Symbols.** Hierarchical `DocumentSymbol`s when the client supports them, otherwise flat
//! `SymbolInformation`s with `containerName`.
//! - Dockerfile: the instructions before the first `FROM` (global `ARG`s), then each stage
//!   (kind Class; name: its `AS` name, else its image; detail: the image) containing its
//!   instructions. An instruction's name is its keyword and its arguments with whitespace
//!   collapsed, cut at 60 characters (`RUN apt-get update && apt-get install -y curl …`); its
//!   selection range is the keyword. Kinds: `ARG`/`ENV` Variable, `LABEL` Property,
//!   `RUN`/`CMD`/`ENTRYPOINT`/`HEALTHCHECK`/`SHELL` Function, `COPY`/`ADD` File, `ONBUILD`
//!   Event, anything else Field; `MAINTAINER` is tagged deprecated.
//! - Compose: every top-level key. Sections (`services`, `networks`, `volumes`, `secrets`,
//!   `configs`, `models`: Module) list their entries (services Class, networks Interface,
//!   volumes Struct, secrets Key, configs and models Object); each service lists all its keys
//!   (Property; detail: the value, or the items or keys of a collection, shortened; merge keys
//!   `<<` left out). `include` (Module) lists its paths (File); `x-` extension fields (Object)
//!   list their keys; scalars such as `name` are Properties with their value as detail.
//!   Ranges come from the spanned YAML tree: an entry spans its key and its value, its
//!   selection is the key.
//!
//! **Folding.** Dockerfile: each stage, multi-line instructions (continuations and heredocs),
//! each heredoc body, blocks of two or more comment lines (kind comment). Compose: every
//! mapping or sequence value written over several lines (from its key, or from its `-`), block
//! and multi-line scalars, blocks of two or more comment lines. For `lineFoldingOnly` clients
//! the ranges are whole lines; others also get the end of the first line and the end of the
//! folded text as characters.

use drydock_compose::yaml::{self, Node, NodeKind};
use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Instruction, InstructionKind, ItemKind, TextRange, TextSize, parse_str};
use lsp_types::{DocumentSymbolParams, FoldingRangeParams};
use serde_json::{Value, json};

use super::HandlerError;
use crate::document::{Document, Kind};
use crate::session::Snapshot;

/// Symbol kinds (LSP `SymbolKind`).
mod kind {
    pub(super) const FILE: u32 = 1;
    pub(super) const MODULE: u32 = 2;
    pub(super) const CLASS: u32 = 5;
    pub(super) const PROPERTY: u32 = 7;
    pub(super) const FIELD: u32 = 8;
    pub(super) const INTERFACE: u32 = 11;
    pub(super) const FUNCTION: u32 = 12;
    pub(super) const VARIABLE: u32 = 13;
    pub(super) const OBJECT: u32 = 19;
    pub(super) const KEY: u32 = 20;
    pub(super) const STRUCT: u32 = 23;
    pub(super) const EVENT: u32 = 24;
}

/// Longest symbol name or detail, in characters.
const MAX_NAME: usize = 60;

/// A symbol before it becomes JSON.
#[derive(Debug)]
struct Sym {
    name: String,
    detail: Option<String>,
    kind: u32,
    range: TextRange,
    selection: TextRange,
    deprecated: bool,
    children: Vec<Sym>,
}

/// `textDocument/documentSymbol`.
///
/// # Errors
/// Malformed parameters.
pub fn document_symbol(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: DocumentSymbolParams = super::params(params)?;
    let Some(doc) = snapshot.document(&p.text_document.uri) else {
        return Ok(Value::Null);
    };
    let symbols = match doc.kind {
        Kind::Dockerfile => dockerfile_symbols(&doc.text),
        Kind::Compose => compose_symbols(&doc.text),
        Kind::Other => return Ok(json!([])),
    };
    if snapshot.caps.hierarchical_symbols {
        Ok(Value::Array(
            symbols.iter().map(|s| nested(snapshot, doc, s)).collect(),
        ))
    } else {
        let mut out = Vec::new();
        flat(snapshot, doc, &symbols, None, &mut out);
        Ok(Value::Array(out))
    }
}

fn nested(snapshot: &Snapshot, doc: &Document, sym: &Sym) -> Value {
    let mut out = json!({
        "name": sym.name,
        "kind": sym.kind,
        "range": doc.range(sym.range, snapshot.encoding),
        "selectionRange": doc.range(sym.selection, snapshot.encoding),
    });
    if let Some(detail) = &sym.detail {
        out["detail"] = json!(detail);
    }
    if sym.deprecated {
        out["tags"] = json!([1]);
    }
    if !sym.children.is_empty() {
        out["children"] = Value::Array(
            sym.children
                .iter()
                .map(|c| nested(snapshot, doc, c))
                .collect(),
        );
    }
    out
}

fn flat(
    snapshot: &Snapshot,
    doc: &Document,
    symbols: &[Sym],
    container: Option<&str>,
    out: &mut Vec<Value>,
) {
    for sym in symbols {
        let mut info = json!({
            "name": sym.name,
            "kind": sym.kind,
            "location": {"uri": doc.uri, "range": doc.range(sym.range, snapshot.encoding)},
        });
        if let Some(container) = container {
            info["containerName"] = json!(container);
        }
        if sym.deprecated {
            info["tags"] = json!([1]);
        }
        out.push(info);
        flat(snapshot, doc, &sym.children, Some(&sym.name), out);
    }
}

/// Cuts `text` to [`MAX_NAME`] characters (with `…`); never empty.
fn shorten(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return "(empty)".to_owned();
    }
    if collapsed.chars().count() <= MAX_NAME {
        return collapsed;
    }
    let mut out: String = collapsed.chars().take(MAX_NAME - 1).collect();
    out.push('…');
    out
}

// --- Dockerfile --------------------------------------------------------------------------------

fn instruction_kind(kind: InstructionKind) -> u32 {
    match kind {
        InstructionKind::Arg | InstructionKind::Env => kind::VARIABLE,
        InstructionKind::Label => kind::PROPERTY,
        InstructionKind::Run
        | InstructionKind::Cmd
        | InstructionKind::Entrypoint
        | InstructionKind::Healthcheck
        | InstructionKind::Shell => kind::FUNCTION,
        InstructionKind::Copy | InstructionKind::Add => kind::FILE,
        InstructionKind::Onbuild => kind::EVENT,
        _ => kind::FIELD,
    }
}

fn instruction_symbol(text: &str, instruction: &Instruction) -> Sym {
    let keyword = match instruction.kind {
        InstructionKind::Unknown => instruction.keyword.text.to_uppercase(),
        kind => kind.keyword().to_owned(),
    };
    // The logical line starts with the keyword as written (continuations joined).
    let line = instruction.line.text();
    let rest = line
        .get(instruction.keyword.text.len()..)
        .filter(|_| line.starts_with(&instruction.keyword.text))
        .unwrap_or_else(|| {
            let start = usize::from(instruction.keyword.range.end());
            &text[start..usize::from(instruction.header_end).max(start)]
        });
    Sym {
        name: shorten(&format!("{keyword} {rest}")),
        detail: None,
        kind: instruction_kind(instruction.kind),
        range: instruction.range,
        selection: instruction.keyword.range,
        deprecated: instruction.kind == InstructionKind::Maintainer,
        children: Vec::new(),
    }
}

fn dockerfile_symbols(text: &str) -> Vec<Sym> {
    let model = Model::new(parse_str(text));
    let mut out: Vec<Sym> = model
        .instructions()
        .filter(|(i, _)| model.stage_of(*i).is_none())
        .map(|(_, ins)| instruction_symbol(text, ins))
        .collect();
    for stage in model.stages() {
        let from = model.instruction(stage.from);
        let image = stage.image.as_ref().map(|w| w.text.clone());
        let (name, selection) = match (&stage.name, &stage.image) {
            (Some(n), _) => (n.text.clone(), n.range),
            (None, Some(w)) => (w.text.clone(), w.range),
            (None, None) => (format!("stage {}", stage.index), from.keyword.range),
        };
        let children: Vec<Sym> = stage
            .body
            .clone()
            .map(|i| instruction_symbol(text, model.instruction(i)))
            .collect();
        let end = children
            .last()
            .map_or(from.range.end(), |c| c.range.end())
            .max(from.range.end());
        out.push(Sym {
            name: shorten(&name),
            detail: Some(match (&stage.name, image) {
                (Some(_), Some(image)) => shorten(&image),
                _ => format!("stage {}", stage.index),
            }),
            kind: kind::CLASS,
            range: TextRange::new(from.range.start(), end),
            selection,
            deprecated: false,
            children,
        });
    }
    out
}

// --- compose -----------------------------------------------------------------------------------

/// An entry's range: its key through its value.
fn entry_range(key: &Node, value: &Node) -> TextRange {
    TextRange::new(key.range.start(), key.range.end().max(value.range.end()))
}

fn key_name(text: &str, key: &Node) -> String {
    shorten(key.as_str().unwrap_or(&text[key.range]))
}

/// A short description of a value.
fn summary(text: &str, value: &Node) -> String {
    match &value.kind {
        NodeKind::Scalar(s) => shorten(&s.value),
        NodeKind::Alias(_) => shorten(&text[value.range]),
        NodeKind::Sequence(items) => shorten(
            &items
                .iter()
                .map(|i| match &i.kind {
                    NodeKind::Scalar(s) => s.value.clone(),
                    NodeKind::Mapping(entries) => entries
                        .first()
                        .map(|(k, v)| format!("{}: {}", key_name(text, k), summary(text, v)))
                        .unwrap_or_default(),
                    _ => text[i.range].to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        NodeKind::Mapping(entries) => shorten(
            &entries
                .iter()
                .map(|(k, _)| key_name(text, k))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

fn section_kind(section: &str) -> Option<u32> {
    Some(match section {
        "services" => kind::CLASS,
        "networks" => kind::INTERFACE,
        "volumes" => kind::STRUCT,
        "secrets" => kind::KEY,
        "configs" | "models" => kind::OBJECT,
        _ => return None,
    })
}

fn keys(text: &str, value: &Node, kind: u32) -> Vec<Sym> {
    value
        .as_mapping()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| k.as_str() != Some("<<"))
        .map(|(k, v)| Sym {
            name: key_name(text, k),
            detail: Some(summary(text, v)),
            kind,
            range: entry_range(k, v),
            selection: k.range,
            deprecated: false,
            children: Vec::new(),
        })
        .collect()
}

fn compose_symbols(text: &str) -> Vec<Sym> {
    let doc = yaml::parse(text);
    let Some(root) = doc.root.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in root.as_mapping().unwrap_or_default() {
        let name = key_name(text, key);
        let range = entry_range(key, value);
        let section = key.as_str().unwrap_or_default();
        let sym = if let Some(entry_kind) = section_kind(section) {
            let children = value
                .as_mapping()
                .unwrap_or_default()
                .iter()
                .filter(|(k, _)| k.as_str() != Some("<<"))
                .map(|(k, v)| Sym {
                    name: key_name(text, k),
                    detail: match &v.kind {
                        NodeKind::Scalar(_) | NodeKind::Alias(_) => Some(summary(text, v)),
                        _ if section == "services" => {
                            v.get("image").and_then(Node::as_str).map(shorten)
                        }
                        _ => None,
                    },
                    kind: entry_kind,
                    range: entry_range(k, v),
                    selection: k.range,
                    deprecated: false,
                    children: if section == "services" {
                        keys(text, v, kind::PROPERTY)
                    } else {
                        Vec::new()
                    },
                })
                .collect();
            Sym {
                name,
                detail: None,
                kind: kind::MODULE,
                range,
                selection: key.range,
                deprecated: false,
                children,
            }
        } else if section == "include" {
            let items: Vec<&Node> = match &value.kind {
                NodeKind::Sequence(items) => items.iter().collect(),
                _ => vec![value],
            };
            let children = items
                .into_iter()
                .filter_map(|item| {
                    let path = match &item.kind {
                        NodeKind::Scalar(s) => s.value.clone(),
                        NodeKind::Mapping(_) => summary(text, item.get("path")?),
                        _ => return None,
                    };
                    Some(Sym {
                        name: shorten(&path),
                        detail: None,
                        kind: kind::FILE,
                        range: item.range,
                        selection: item.range,
                        deprecated: false,
                        children: Vec::new(),
                    })
                })
                .collect();
            Sym {
                name,
                detail: None,
                kind: kind::MODULE,
                range,
                selection: key.range,
                deprecated: false,
                children,
            }
        } else if value.as_mapping().is_some() {
            Sym {
                name,
                detail: None,
                kind: kind::OBJECT,
                range,
                selection: key.range,
                deprecated: false,
                children: keys(text, value, kind::PROPERTY),
            }
        } else {
            Sym {
                name,
                detail: Some(summary(text, value)),
                kind: kind::PROPERTY,
                range,
                selection: key.range,
                deprecated: false,
                children: Vec::new(),
            }
        };
        out.push(sym);
    }
    out
}

// --- folding -----------------------------------------------------------------------------------

/// A fold: its first line's start offset, its end offset, and its kind.
struct Fold {
    start: TextSize,
    end: TextSize,
    comment: bool,
}

/// `textDocument/foldingRange`.
///
/// # Errors
/// Malformed parameters.
pub fn folding_range(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: FoldingRangeParams = super::params(params)?;
    let Some(doc) = snapshot.document(&p.text_document.uri) else {
        return Ok(Value::Null);
    };
    let folds = match doc.kind {
        Kind::Dockerfile => dockerfile_folds(&doc.text),
        Kind::Compose => compose_folds(&doc.text),
        Kind::Other => Vec::new(),
    };
    let mut out: Vec<Value> = Vec::new();
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for fold in folds {
        let start_line = doc.index.line_of(fold.start);
        let end_line = doc.index.line_of(fold.end);
        if end_line <= start_line || seen.contains(&(start_line, end_line)) {
            continue;
        }
        seen.push((start_line, end_line));
        let mut range = json!({"startLine": start_line, "endLine": end_line});
        if !snapshot.caps.line_folding_only {
            let line_end = doc
                .index
                .line_range(start_line)
                .map_or(fold.start, TextRange::end);
            range["startCharacter"] = json!(doc.position(line_end, snapshot.encoding).character);
            range["endCharacter"] = json!(doc.position(fold.end, snapshot.encoding).character);
        }
        if fold.comment {
            range["kind"] = json!("comment");
        }
        out.push(range);
    }
    Ok(Value::Array(out))
}

/// Groups of consecutive comment lines (two or more): `(start, end)` offsets.
fn comment_blocks(index: &drydock_text::LineIndex, comments: &[TextRange]) -> Vec<Fold> {
    let mut out = Vec::new();
    let mut block: Option<(TextRange, usize, usize)> = None;
    for &c in comments {
        let line = index.line_of(c.start());
        match &mut block {
            Some((range, first, last)) if line == *last + 1 => {
                *range = TextRange::new(range.start(), c.end());
                *last = line;
                let _ = first;
            }
            _ => {
                if let Some((range, first, last)) = block.take()
                    && last > first
                {
                    out.push(Fold {
                        start: range.start(),
                        end: range.end(),
                        comment: true,
                    });
                }
                block = Some((c, line, line));
            }
        }
    }
    if let Some((range, first, last)) = block
        && last > first
    {
        out.push(Fold {
            start: range.start(),
            end: range.end(),
            comment: true,
        });
    }
    out
}

fn dockerfile_folds(text: &str) -> Vec<Fold> {
    let model = Model::new(parse_str(text));
    let index = drydock_text::LineIndex::new(text);
    let mut out = Vec::new();
    for stage in model.stages() {
        let from = model.instruction(stage.from);
        let end = stage
            .body
            .clone()
            .last()
            .map_or(from.range.end(), |i| model.instruction(i).range.end());
        out.push(Fold {
            start: from.range.start(),
            end,
            comment: false,
        });
    }
    for (_, instruction) in model.instructions() {
        out.push(Fold {
            start: instruction.range.start(),
            end: instruction.range.end(),
            comment: false,
        });
        // Each heredoc body, from the line before it (the instruction line or the previous
        // terminator) through its terminator.
        for heredoc in &instruction.heredocs {
            let end = heredoc
                .terminator
                .map_or(heredoc.body.end(), TextRange::end);
            let body_line = index.line_of(heredoc.body.start());
            let start = index
                .line_range(body_line.saturating_sub(1))
                .map_or(heredoc.body.start(), TextRange::end);
            out.push(Fold {
                start,
                end,
                comment: false,
            });
        }
    }
    let comments: Vec<TextRange> = model
        .file()
        .items()
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Comment(c) => Some(c.range),
            ItemKind::Directive(d) => Some(d.range),
            _ => None,
        })
        .collect();
    out.extend(comment_blocks(&index, &comments));
    out
}

fn compose_folds(text: &str) -> Vec<Fold> {
    let doc = yaml::parse(text);
    let index = drydock_text::LineIndex::new(text);
    let mut out = Vec::new();
    let mut stack: Vec<(TextSize, &Node)> = Vec::new();
    if let Some(root) = &doc.root {
        match &root.kind {
            NodeKind::Mapping(entries) => {
                stack.extend(entries.iter().map(|(k, v)| (k.range.start(), v)));
            }
            NodeKind::Sequence(items) => stack.extend(items.iter().map(|i| (i.range.start(), i))),
            _ => {}
        }
    }
    while let Some((start, node)) = stack.pop() {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                stack.extend(entries.iter().map(|(k, v)| (k.range.start(), v)));
            }
            NodeKind::Sequence(items) => {
                // From the `-` of each item.
                stack.extend(items.iter().map(|i| {
                    let line = index.line_of(i.range.start());
                    let line_start = index
                        .line_range(line)
                        .map_or(i.range.start(), TextRange::start);
                    let dash = text[usize::from(line_start)..usize::from(i.range.start())]
                        .rfind('-')
                        .map_or(i.range.start(), |d| line_start + drydock_text::size(d));
                    (dash, i)
                }));
            }
            NodeKind::Scalar(_) | NodeKind::Alias(_) => {}
        }
        out.push(Fold {
            start,
            end: node.range.end(),
            comment: false,
        });
    }
    out.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let comments: Vec<TextRange> = yaml::comments(text, &doc)
        .into_iter()
        .filter(|c| c.own_line)
        .map(|c| c.range)
        .collect();
    out.extend(comment_blocks(&index, &comments));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_never_empty() {
        assert_eq!(shorten("  "), "(empty)");
        assert_eq!(shorten("RUN a \n  b"), "RUN a b");
        let long = shorten(&"x".repeat(100));
        assert_eq!(long.chars().count(), MAX_NAME);
        assert!(long.ends_with('…'));
    }
}
