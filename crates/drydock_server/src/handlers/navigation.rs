//! `textDocument/definition`, `references`, `documentHighlight`, `prepareRename` and `rename`.
//!
//! - Dockerfiles ([`dockerfile`]): build stages and `ARG`/`ENV` variables, with BuildKit's
//!   scoping. A rename refuses names BuildKit would reject or that would change what other
//!   names mean: a stage name must match `^[a-z][a-z0-9-_.]*$` once lowercased, must not be
//!   `scratch` or `context`, another stage's name, or an image or `--from` value already
//!   written in the file; a variable name must be `[A-Za-z_][A-Za-z0-9_]*`, not one BuildKit
//!   defines (`TARGETARCH`, the proxy variables, ...), and not a name already used where the
//!   variable is. Variables BuildKit defines and names declared nowhere are not renamed.
//! - Compose files ([`compose`]): services across the project's files (a rename is one
//!   workspace edit over all of them, versioned when the client supports `documentChanges`);
//!   a name must match `^[a-zA-Z0-9._-]+$` and not be another service's. Definition also
//!   leads from `${VAR}` to its line in the project's `.env`, and from paths (`include`,
//!   `extends.file`, `env_file`, `build.dockerfile`, `build: ./dir`, `configs`/`secrets`
//!   `file`) to the file, when it exists.
//!
//! Documents that are not open, and positions with nothing to navigate, give `null` (or an
//! empty list); positions past the end are clamped.

mod compose;
mod dockerfile;

use std::collections::BTreeMap;

use drydock_text::{LineIndex, TextRange, TextSize};
use lsp_types::{
    DefinitionParams, DocumentHighlightParams, PrepareRenameParams, ReferenceParams, RenameParams,
    TextDocumentPositionParams, Uri,
};
use serde_json::{Value, json};

use super::HandlerError;
use crate::document::{Document, Kind};
use crate::session::Snapshot;

use dockerfile::SymbolKind;

/// Highlight kinds (LSP `DocumentHighlightKind`).
const TEXT: u32 = 1;
const READ: u32 = 2;
const WRITE: u32 = 3;

/// The open document and byte offset of a position.
fn at<'s>(
    snapshot: &'s Snapshot,
    position: &TextDocumentPositionParams,
) -> Option<(&'s Document, TextSize)> {
    let doc = snapshot.document(&position.text_document.uri)?;
    let offset = doc.offset(position.position, snapshot.encoding);
    Some((doc, offset))
}

fn lsp_range(snapshot: &Snapshot, text: &str, index: &LineIndex, range: TextRange) -> Value {
    let start = crate::document::position(text, index, range.start(), snapshot.encoding);
    let end = crate::document::position(text, index, range.end(), snapshot.encoding);
    json!({"start": start, "end": end})
}

fn location(
    snapshot: &Snapshot,
    uri: &Uri,
    text: &str,
    index: &LineIndex,
    range: TextRange,
) -> Value {
    json!({"uri": uri, "range": lsp_range(snapshot, text, index, range)})
}

/// A workspace edit: `documentChanges` with versions when the client supports them, else
/// `changes`.
fn workspace_edit(snapshot: &Snapshot, edits: Vec<(Uri, Option<i32>, Vec<Value>)>) -> Value {
    if snapshot.caps.document_changes {
        let changes: Vec<Value> = edits
            .into_iter()
            .map(|(uri, version, edits)| {
                json!({"textDocument": {"uri": uri, "version": version}, "edits": edits})
            })
            .collect();
        json!({"documentChanges": changes})
    } else {
        let mut changes = serde_json::Map::new();
        for (uri, _, edits) in edits {
            changes.insert(uri.0, Value::Array(edits));
        }
        json!({"changes": changes})
    }
}

fn refuse(message: impl Into<String>) -> HandlerError {
    HandlerError::InvalidParams(message.into())
}

// --- requests ----------------------------------------------------------------------------------

/// `textDocument/definition`.
///
/// # Errors
/// Malformed parameters.
pub fn definition(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: DefinitionParams = super::params(params)?;
    let Some((doc, offset)) = at(snapshot, &p.text_document_position_params) else {
        return Ok(Value::Null);
    };
    Ok(match doc.kind {
        Kind::Dockerfile => {
            let index = dockerfile::index(&doc.text);
            let target = index.at(offset).and_then(|occ| match occ.target {
                Some(t) => Some(&index.occurrences[t]),
                None if occ.declaration => Some(occ),
                None => None,
            });
            match target {
                Some(t) => json!([location(snapshot, &doc.uri, &doc.text, &doc.index, t.range)]),
                None => Value::Null,
            }
        }
        Kind::Compose => compose_definition(snapshot, doc, offset),
        Kind::Other => Value::Null,
    })
}

fn compose_definition(snapshot: &Snapshot, doc: &Document, offset: TextSize) -> Value {
    let mut files = compose::Files::new(snapshot, doc);
    if let Some(hit) = compose::service_at(&mut files, offset) {
        let found: Vec<Value> = hit
            .declarations
            .iter()
            .map(|(f, s)| {
                let file = &files.files[*f];
                location(snapshot, &file.uri, &file.text, &file.index, s.range)
            })
            .collect();
        return if found.is_empty() {
            Value::Null
        } else {
            Value::Array(found)
        };
    }
    if let Some(var) = compose::var_at(&files, offset) {
        return match compose::env_definition(&files, &var.name) {
            Some((uri, text, index, range)) => {
                json!([location(snapshot, &uri, &text, &index, range)])
            }
            None => Value::Null,
        };
    }
    if let Some(link) = compose::link_at(&files, offset)
        && files.exists(&link.target)
    {
        let uri = snapshot
            .documents
            .values()
            .find(|d| d.path.as_deref() == Some(link.target.as_path()))
            .map_or_else(|| crate::uri::from_path(&link.target), |d| d.uri.clone());
        let zero = json!({"line": 0, "character": 0});
        return json!([{"uri": uri, "range": {"start": zero, "end": zero}}]);
    }
    Value::Null
}

/// `textDocument/references`.
///
/// # Errors
/// Malformed parameters.
pub fn references(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: ReferenceParams = super::params(params)?;
    let include_declaration = p.context.include_declaration;
    let Some((doc, offset)) = at(snapshot, &p.text_document_position_params) else {
        return Ok(Value::Null);
    };
    Ok(match doc.kind {
        Kind::Dockerfile => {
            let index = dockerfile::index(&doc.text);
            match index.at(offset) {
                Some(occ) => Value::Array(
                    index
                        .of(occ.symbol)
                        .into_iter()
                        .filter(|o| include_declaration || !o.declaration)
                        .map(|o| location(snapshot, &doc.uri, &doc.text, &doc.index, o.range))
                        .collect(),
                ),
                None => Value::Null,
            }
        }
        Kind::Compose => {
            let mut files = compose::Files::new(snapshot, doc);
            if let Some(hit) = compose::service_at(&mut files, offset) {
                Value::Array(
                    hit.occurrences
                        .iter()
                        .filter(|(_, s)| include_declaration || !s.declaration)
                        .map(|(f, s)| {
                            let file = &files.files[*f];
                            location(snapshot, &file.uri, &file.text, &file.index, s.range)
                        })
                        .collect(),
                )
            } else if let Some(var) = compose::var_at(&files, offset) {
                let mut out = Vec::new();
                if include_declaration
                    && let Some((uri, text, index, range)) =
                        compose::env_definition(&files, &var.name)
                {
                    out.push(location(snapshot, &uri, &text, &index, range));
                }
                for f in files.project(0) {
                    let file = &files.files[f];
                    for v in file.vars.iter().filter(|v| v.name == var.name) {
                        out.push(location(
                            snapshot,
                            &file.uri,
                            &file.text,
                            &file.index,
                            v.range,
                        ));
                    }
                }
                Value::Array(out)
            } else {
                Value::Null
            }
        }
        Kind::Other => Value::Null,
    })
}

/// `textDocument/documentHighlight`.
///
/// # Errors
/// Malformed parameters.
pub fn document_highlight(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: DocumentHighlightParams = super::params(params)?;
    let Some((doc, offset)) = at(snapshot, &p.text_document_position_params) else {
        return Ok(Value::Null);
    };
    let highlight = |range: TextRange, kind: u32| json!({"range": lsp_range(snapshot, &doc.text, &doc.index, range), "kind": kind});
    Ok(match doc.kind {
        Kind::Dockerfile => {
            let index = dockerfile::index(&doc.text);
            match index.at(offset) {
                Some(occ) => Value::Array(
                    index
                        .of(occ.symbol)
                        .into_iter()
                        .map(|o| highlight(o.range, if o.declaration { WRITE } else { READ }))
                        .collect(),
                ),
                None => Value::Null,
            }
        }
        Kind::Compose => {
            let mut files = compose::Files::new(snapshot, doc);
            if let Some(hit) = compose::service_at(&mut files, offset) {
                Value::Array(
                    hit.occurrences
                        .iter()
                        .filter(|(f, _)| *f == 0)
                        .map(|(_, s)| highlight(s.range, if s.declaration { WRITE } else { READ }))
                        .collect(),
                )
            } else if let Some(var) = compose::var_at(&files, offset) {
                Value::Array(
                    files.files[0]
                        .vars
                        .iter()
                        .filter(|v| v.name == var.name)
                        .map(|v| highlight(v.range, TEXT))
                        .collect(),
                )
            } else {
                Value::Null
            }
        }
        Kind::Other => Value::Null,
    })
}

/// `textDocument/prepareRename`: the range and current name, or `null` where nothing can be
/// renamed.
///
/// # Errors
/// Malformed parameters.
pub fn prepare_rename(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: PrepareRenameParams = super::params(params)?;
    let Some((doc, offset)) = at(snapshot, &p.text_document_position_params) else {
        return Ok(Value::Null);
    };
    let range = match doc.kind {
        Kind::Dockerfile => {
            let index = dockerfile::index(&doc.text);
            index
                .at(offset)
                .filter(|occ| dockerfile_renamable(&index, occ).is_ok())
                .map(|occ| occ.range)
        }
        Kind::Compose => {
            let mut files = compose::Files::new(snapshot, doc);
            compose::service_at(&mut files, offset)
                .filter(|hit| !hit.declarations.is_empty())
                .map(|hit| hit.target.range)
        }
        Kind::Other => None,
    };
    Ok(match range {
        Some(range) => json!({
            "range": lsp_range(snapshot, &doc.text, &doc.index, range),
            "placeholder": &doc.text[range],
        }),
        None => Value::Null,
    })
}

/// Why the Dockerfile name at `occ` cannot be renamed, if it cannot.
fn dockerfile_renamable(
    index: &dockerfile::Index,
    occ: &dockerfile::Occurrence,
) -> Result<(), String> {
    let symbol = &index.symbols[occ.symbol];
    if !occ.renamable {
        return Err("a stage index cannot be renamed: rename the stage's name".to_owned());
    }
    if !symbol.declared {
        return Err(format!(
            "`{}` is not declared in this Dockerfile (it may come from the base image)",
            symbol.name
        ));
    }
    if symbol.kind == SymbolKind::Variable && dockerfile::is_predefined(&symbol.name) {
        return Err(format!("`{}` is defined by BuildKit", symbol.name));
    }
    Ok(())
}

/// `textDocument/rename`.
///
/// # Errors
/// Malformed parameters, a position with nothing to rename, or a name that is not valid there
/// (the message says why).
pub fn rename(snapshot: &Snapshot, params: Value) -> Result<Value, HandlerError> {
    let p: RenameParams = super::params(params)?;
    let new_name = p.new_name.trim().to_owned();
    let Some((doc, offset)) = at(snapshot, &p.text_document_position_params) else {
        return Ok(Value::Null);
    };
    match doc.kind {
        Kind::Dockerfile => rename_dockerfile(snapshot, doc, offset, &new_name),
        Kind::Compose => rename_compose(snapshot, doc, offset, &new_name),
        Kind::Other => Ok(Value::Null),
    }
}

fn rename_dockerfile(
    snapshot: &Snapshot,
    doc: &Document,
    offset: TextSize,
    new_name: &str,
) -> Result<Value, HandlerError> {
    let index = dockerfile::index(&doc.text);
    let Some(occ) = index.at(offset) else {
        return Err(refuse("there is no stage or variable name here"));
    };
    dockerfile_renamable(&index, occ).map_err(refuse)?;
    let symbol = &index.symbols[occ.symbol];
    let occurrences = index.of(occ.symbol);
    match symbol.kind {
        SymbolKind::Stage => {
            let lower = new_name.to_lowercase();
            let mut chars = lower.chars();
            let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
                });
            if !valid {
                return Err(refuse(format!(
                    "`{new_name}` is not a valid stage name: it must start with a letter and contain only letters, digits, `-`, `_` and `.`"
                )));
            }
            if matches!(lower.as_str(), "scratch" | "context") {
                return Err(refuse(format!(
                    "`{lower}` has a built-in meaning in BuildKit and cannot name a stage"
                )));
            }
            if lower != symbol.name {
                if index.stage_names.contains(&lower) {
                    return Err(refuse(format!("a stage named `{lower}` already exists")));
                }
                if index.image_words.contains(&lower) {
                    return Err(refuse(format!(
                        "`{lower}` is already used as an image in this Dockerfile: renaming the stage would change what it refers to"
                    )));
                }
            }
        }
        SymbolKind::Variable => {
            if !dockerfile::is_identifier(new_name) {
                return Err(refuse(format!(
                    "`{new_name}` is not a valid variable name: use letters, digits and `_`, not starting with a digit"
                )));
            }
            if dockerfile::is_predefined(new_name) {
                return Err(refuse(format!("`{new_name}` is defined by BuildKit")));
            }
            if new_name != symbol.name
                && index
                    .scopes(occ.symbol)
                    .iter()
                    .any(|&scope| index.names_in(scope).any(|n| n == new_name))
            {
                return Err(refuse(format!(
                    "`{new_name}` is already used where `{}` is visible",
                    symbol.name
                )));
            }
        }
    }
    let edits: Vec<Value> = occurrences
        .iter()
        .filter(|o| o.renamable)
        .map(|o| json!({"range": lsp_range(snapshot, &doc.text, &doc.index, o.range), "newText": new_name}))
        .collect();
    Ok(workspace_edit(
        snapshot,
        vec![(doc.uri.clone(), Some(doc.version), edits)],
    ))
}

fn rename_compose(
    snapshot: &Snapshot,
    doc: &Document,
    offset: TextSize,
    new_name: &str,
) -> Result<Value, HandlerError> {
    let mut files = compose::Files::new(snapshot, doc);
    let Some(hit) = compose::service_at(&mut files, offset) else {
        return Err(refuse("there is no service name here"));
    };
    if hit.declarations.is_empty() {
        return Err(refuse(format!(
            "no service `{}` is declared in this project",
            hit.target.name
        )));
    }
    if !compose::valid_service_name(new_name) {
        return Err(refuse(format!(
            "`{new_name}` is not a valid service name: use letters, digits, `.`, `_` and `-`"
        )));
    }
    if new_name != hit.target.name {
        let taken = hit.decl_files.iter().any(|&f| {
            files.files[f]
                .services
                .iter()
                .any(|s| s.declaration && s.name == new_name)
        });
        if taken {
            return Err(refuse(format!(
                "a service named `{new_name}` already exists"
            )));
        }
    }
    let mut by_file: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (f, s) in &hit.occurrences {
        let file = &files.files[*f];
        by_file.entry(*f).or_default().push(json!({
            "range": lsp_range(snapshot, &file.text, &file.index, s.range),
            "newText": new_name,
        }));
    }
    let edits = by_file
        .into_iter()
        .map(|(f, edits)| {
            let file = &files.files[f];
            (file.uri.clone(), file.version, edits)
        })
        .collect();
    Ok(workspace_edit(snapshot, edits))
}
