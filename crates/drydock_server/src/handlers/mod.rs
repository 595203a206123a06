//! Request handlers, one module per capability, and the capabilities the server announces.
//! Each handler reads its parameters, works on a [`Snapshot`] and returns the JSON result.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::session::{ClientCaps, Snapshot};

pub mod code_action;
pub mod completion;
mod docs;
pub mod hover;
pub mod navigation;
mod project;
pub mod symbols;

/// Why a request could not be answered.
#[derive(Debug)]
pub enum HandlerError {
    /// The method is not one drydock handles.
    UnknownMethod,
    /// The parameters do not have the method's shape.
    InvalidParams(String),
}

/// Reads a request's parameters.
///
/// # Errors
/// [`HandlerError::InvalidParams`] when they do not have the expected shape.
pub fn params<P: DeserializeOwned>(params: Value) -> Result<P, HandlerError> {
    serde_json::from_value(params).map_err(|e| HandlerError::InvalidParams(e.to_string()))
}

/// Answers a request.
///
/// # Errors
/// An unknown method or malformed parameters.
pub fn handle(snapshot: &Snapshot, method: &str, params: Value) -> Result<Value, HandlerError> {
    match method {
        "textDocument/codeAction" => code_action::code_action(snapshot, params),
        "textDocument/completion" => completion::completion(snapshot, params),
        "textDocument/hover" => hover::hover(snapshot, params),
        "textDocument/documentSymbol" => symbols::document_symbol(snapshot, params),
        "textDocument/foldingRange" => symbols::folding_range(snapshot, params),
        "textDocument/definition" => navigation::definition(snapshot, params),
        "textDocument/references" => navigation::references(snapshot, params),
        "textDocument/documentHighlight" => navigation::document_highlight(snapshot, params),
        "textDocument/prepareRename" => navigation::prepare_rename(snapshot, params),
        "textDocument/rename" => navigation::rename(snapshot, params),
        // Debug builds only (the tests): a handler that panics, to check that the panic is
        // answered with an error and the server goes on.
        #[cfg(debug_assertions)]
        "drydock/debug/panic" => panic!("a deliberate panic for the tests"),
        _ => Err(HandlerError::UnknownMethod),
    }
}

/// The server's capabilities for this client.
#[must_use]
pub fn capabilities(caps: &ClientCaps, encoding: &str) -> Value {
    let mut out = json!({
        "positionEncoding": encoding,
        "textDocumentSync": {
            "openClose": true,
            "change": 2,
            "save": {"includeText": false},
        },
        "workspace": {
            "workspaceFolders": {"supported": true, "changeNotifications": true},
        },
    });
    out["hoverProvider"] = json!(true);
    out["codeActionProvider"] = json!({"codeActionKinds": code_action::KINDS});
    out["completionProvider"] = completion::provider();
    out["documentSymbolProvider"] = json!(true);
    out["foldingRangeProvider"] = json!(true);
    out["definitionProvider"] = json!(true);
    out["referencesProvider"] = json!(true);
    out["documentHighlightProvider"] = json!(true);
    out["renameProvider"] = json!({"prepareProvider": true});
    if caps.pull_diagnostics {
        out["diagnosticProvider"] = json!({
            "identifier": "drydock",
            "interFileDependencies": true,
            "workspaceDiagnostics": false,
        });
    }
    out
}
