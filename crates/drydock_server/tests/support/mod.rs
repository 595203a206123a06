//! An in-process LSP client for protocol tests: the server runs on a thread over
//! `lsp-server`'s in-memory connection, and the test drives it with JSON messages.

#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

/// Generous: debug builds on a busy machine are slow; this only guards against hangs.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A client connected to a running server.
pub struct Client {
    conn: Connection,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    next_id: i32,
    /// Notifications and server requests received while waiting for something else.
    pub backlog: Vec<Message>,
    /// What the client answers to `workspace/configuration` for the `drydock` section.
    pub configuration: Value,
    /// Methods of the requests the server sent, in order.
    pub server_requests: Vec<String>,
}

/// Client capabilities of a Neovim-like client (push diagnostics, UTF-8 offered).
#[must_use]
pub fn push_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-8", "utf-16"]},
        "textDocument": {
            "publishDiagnostics": {
                "relatedInformation": true,
                "versionSupport": true,
                "tagSupport": {"valueSet": [1, 2]},
                "codeDescriptionSupport": true,
            },
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "completion": {"completionItem": {"snippetSupport": true}},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}},
        },
        "workspace": {"configuration": false},
    })
}

/// Client capabilities of a VS Code-like client (pull diagnostics, UTF-16 only).
#[must_use]
pub fn pull_capabilities() -> Value {
    json!({
        "textDocument": {
            "diagnostic": {"dynamicRegistration": false, "relatedDocumentSupport": false},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "completion": {"completionItem": {"snippetSupport": true}},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}},
        },
        "workspace": {
            "configuration": true,
            "diagnostics": {"refreshSupport": true},
            "didChangeWatchedFiles": {"dynamicRegistration": true},
        },
    })
}

impl Client {
    /// Starts a server and initializes it with `capabilities`, `root` and
    /// `initialization_options`; returns the client and the `initialize` result.
    #[must_use]
    #[allow(clippy::needless_pass_by_value)] // reads as `start(caps(), root, json!(...))`
    pub fn start(capabilities: Value, root: &Path, options: Value) -> (Self, Value) {
        let (server_conn, conn) = Connection::memory();
        let server = std::thread::spawn(move || drydock_server::run(server_conn));
        let mut client = Self {
            conn,
            server: Some(server),
            next_id: 0,
            backlog: Vec::new(),
            configuration: Value::Null,
            server_requests: Vec::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": drydock_server::uri::from_path(root),
                "capabilities": capabilities,
                "initializationOptions": options,
                "workspaceFolders": [{"uri": drydock_server::uri::from_path(root), "name": "root"}],
            }),
        );
        client.notify("initialized", json!({}));
        (client, result.expect("initialize succeeds"))
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification {
                method: method.to_owned(),
                params,
            }))
            .expect("server alive");
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn
            .sender
            .send(Message::Request(Request {
                id: id.clone(),
                method: method.to_owned(),
                params,
            }))
            .expect("server alive");
        id
    }

    /// Waits for the response to `id`.
    pub fn response(&mut self, id: &RequestId) -> Result<Value, lsp_server::ResponseError> {
        if let Some(i) = self
            .backlog
            .iter()
            .position(|m| matches!(m, Message::Response(r) if r.id == *id))
            && let Message::Response(r) = self.backlog.remove(i)
        {
            return r.response_result;
        }
        loop {
            let msg = self.next();
            match msg {
                Message::Response(Response {
                    id: got,
                    response_result,
                }) if got == *id => return response_result,
                other => self.backlog.push(other),
            }
        }
    }

    /// Sends a request and waits for its response.
    pub fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<Value, lsp_server::ResponseError> {
        let id = self.send_request(method, params);
        self.response(&id)
    }

    fn next(&mut self) -> Message {
        let msg = self
            .conn
            .receiver
            .recv_timeout(TIMEOUT)
            .expect("the server answers within the timeout");
        // Answer server requests the way a permissive client does.
        if let Message::Request(req) = &msg {
            self.server_requests.push(req.method.clone());
            let result = match req.method.as_str() {
                "workspace/configuration" => json!([self.configuration.clone()]),
                _ => Value::Null,
            };
            let _ = self
                .conn
                .sender
                .send(Message::Response(Response::new_ok(req.id.clone(), result)));
        }
        msg
    }

    /// Waits for a notification `method` matching `pred` (earlier ones are kept in the backlog).
    pub fn notification(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(
            |m| matches!(m, Message::Notification(n) if n.method == method && pred(&n.params)),
        ) && let Message::Notification(n) = self.backlog.remove(i)
        {
            return n.params;
        }
        loop {
            match self.next() {
                Message::Notification(n) if n.method == method && pred(&n.params) => {
                    return n.params;
                }
                other => self.backlog.push(other),
            }
        }
    }

    /// Waits until the server has sent a request `method` (counting from the start).
    pub fn wait_server_request(&mut self, method: &str, count: usize) {
        while self.server_requests.iter().filter(|m| *m == method).count() < count {
            let msg = self.next();
            self.backlog.push(msg);
        }
    }

    /// Waits for the diagnostics of `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self.notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["version"] == version
        });
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Opens a document.
    pub fn open(&self, uri: &str, language: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}),
        );
    }

    /// Shuts the server down and waits for it to stop.
    pub fn shutdown(mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(server) = self.server.take() {
            server
                .join()
                .expect("server thread")
                .expect("server stops cleanly");
        }
    }
}

/// The codes of diagnostics.
#[must_use]
pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect()
}

/// The `file:` URI of `path`, as the server writes it.
#[must_use]
pub fn uri(path: &Path) -> String {
    drydock_server::uri::from_path(path).0
}

/// The LSP position of byte `offset` of `text` (lines end at `\n`, `\r\n` or `\r`; columns in
/// UTF-16 code units when `utf16`, else bytes).
#[must_use]
pub fn position(text: &str, offset: usize, utf16: bool) -> Value {
    let before = &text[..offset];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + before.matches('\r').count()
        - before.matches("\r\n").count();
    let col = if utf16 {
        before[line_start..].encode_utf16().count()
    } else {
        before.len() - line_start
    };
    json!({"line": line, "character": col})
}

/// The range of the `nth` (0-based) occurrence of `needle` in `text`.
#[must_use]
pub fn range_of(text: &str, needle: &str, nth: usize, utf16: bool) -> Value {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} in {text:?}"))
        .0;
    json!({"start": position(text, start, utf16), "end": position(text, start + needle.len(), utf16)})
}

/// The byte offset of an LSP position in `text` (a column past the line's end is its end).
#[must_use]
pub fn offset(text: &str, position: &Value, utf16: bool) -> usize {
    let line = usize::try_from(position["line"].as_u64().expect("line")).expect("line");
    let character =
        usize::try_from(position["character"].as_u64().expect("character")).expect("character");
    let mut start = 0;
    for _ in 0..line {
        let rest = &text[start..];
        let Some(i) = rest.find(['\n', '\r']) else {
            return text.len();
        };
        start += i + if rest[i..].starts_with("\r\n") { 2 } else { 1 };
    }
    let end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    let line_text = &text[start..end];
    if !utf16 {
        return start + character.min(line_text.len());
    }
    let mut units = 0;
    for (i, c) in line_text.char_indices() {
        if units >= character {
            return start + i;
        }
        units += c.len_utf16();
    }
    end
}

/// `text` with the LSP text edits `edits` (an array) applied, as a client applies them; they
/// must not overlap.
#[must_use]
pub fn apply_edits(text: &str, edits: &Value, utf16: bool) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .expect("an array of edits")
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"], utf16),
                offset(text, &e["range"]["end"], utf16),
                e["newText"].as_str().expect("newText").to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|e| (e.0, e.1));
    for pair in edits.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping edits: {edits:?}");
    }
    let mut out = text.to_owned();
    for (start, end, new) in edits.into_iter().rev() {
        out.replace_range(start..end, &new);
    }
    out
}
