//! The main loop. Notifications change the session strictly in the order they arrive, on this
//! thread; requests run on a small worker pool from a snapshot, each inside `catch_unwind` so a
//! panic becomes an error response rather than a dead server. Push diagnostics are linted on a
//! thread of their own (a slow lint never holds up a completion); those computed for an old
//! version of a document are dropped, and at most one lint per document waits for that thread
//! (a burst of changes replaces it), so memory stays flat whatever the rate of changes. A request
//! cancelled while it still waits for a worker is answered `RequestCancelled` and never run.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{
    Connection, ErrorCode, Message, Notification, Request, RequestId, Response, ResponseError,
};
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DocumentDiagnosticParams, Uri,
};
use serde_json::{Value, json};

use crate::document::{Document, Kind};
use crate::session::{ClientCaps, ClientSettings, Session, Snapshot, encoding_name};
use crate::transport::TextOut;
use crate::{diagnostics, handlers, lint, uri};

/// What the main loop waits for besides client messages.
enum Task {
    /// The client process is gone.
    ParentGone,
}

/// What to do with the client's answer to a request the server sent.
enum Pending {
    /// `workspace/configuration` for the `drydock` section.
    Configuration,
    /// Anything whose answer does not matter (registrations, refreshes).
    Ignore,
}

/// Runs the server on `connection` until the client says `exit`, closes the connection, or its
/// process dies.
///
/// # Errors
/// A broken `initialize` handshake or a protocol error.
pub fn run(connection: Connection) -> anyhow::Result<()> {
    let outbox = Outbox::Messages(connection.sender.clone());
    run_with(connection, outbox)
}

/// [`run`], sending everything as JSON text to `text` instead of as values to the connection
/// (drydock's own transport frames it): the findings published on a keystroke are written
/// out by the worker that found them, never built as a JSON value.
///
/// # Errors
/// A broken `initialize` handshake or a protocol error.
pub fn run_on_text(connection: Connection, text: TextOut) -> anyhow::Result<()> {
    run_with(connection, Outbox::Text(text))
}

/// Where the server's messages go.
#[derive(Clone, Debug)]
enum Outbox {
    /// As values, on the connection.
    Messages(Sender<Message>),
    /// As JSON text, each message whole, written out by the thread that sends it.
    Text(TextOut),
}

impl Outbox {
    /// Sends `message`; `false` when nobody takes it any more.
    fn send(&self, message: Message) -> bool {
        match self {
            Self::Messages(sender) => sender.send(message).is_ok(),
            Self::Text(out) => out.send(&json_text(&message)),
        }
    }

    /// Sends a `publishDiagnostics` notification (as JSON text straight from `params` when
    /// messages go as text: never built as a JSON value).
    fn publish(&self, params: &PublishParams<'_>) {
        match self {
            Self::Messages(sender) => {
                let _ = sender.send(Message::Notification(Notification {
                    method: PUBLISH.to_owned(),
                    params: serde_json::to_value(params).unwrap_or_default(),
                }));
            }
            Self::Text(out) => {
                let _ = out.send(&params.text());
            }
        }
    }

    /// What a lint worker publishes for `doc`: the diagnostics as values, or, when messages go
    /// as text, the JSON array written by [`diagnostics::write_json`] with what the snapshot's
    /// `written` kept of the document's previous publication.
    fn findings(&self, snapshot: &Snapshot, doc: &Document, linted: &lint::Linted) -> Findings {
        match self {
            Self::Messages(_) => Findings::Values(diagnostics::to_lsp(snapshot, doc, linted)),
            Self::Text(_) => {
                let mut written = snapshot
                    .written
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let mut json = Vec::new();
                let kept = written.entry(doc.uri.clone()).or_default();
                diagnostics::write_json(snapshot, doc, linted, kept, &mut json);
                Findings::Json(json)
            }
        }
    }

    /// Publishes what [`Outbox::findings`] gave for `doc`.
    fn publish_findings(&self, snapshot: &Snapshot, doc: &Document, findings: &Findings) {
        let (uri, version, caps) = (&doc.uri, Some(doc.version), &snapshot.caps);
        match (self, findings) {
            (Self::Text(out), Findings::Json(json)) => {
                let params = PublishParams::new(uri, version, caps, &[]);
                let _ = out.send(&publication(uri, params.version, json));
            }
            (_, Findings::Values(diagnostics)) => {
                self.publish(&PublishParams::new(uri, version, caps, diagnostics));
            }
            // (Not made: JSON is written only when messages go as text.)
            (Self::Messages(_), Findings::Json(_)) => {}
        }
    }
}

/// Diagnostics a lint worker publishes ([`Outbox::findings`]).
enum Findings {
    /// As LSP values.
    Values(Vec<lsp_types::Diagnostic>),
    /// As a JSON array.
    Json(Vec<u8>),
}

/// A `publishDiagnostics` notification as JSON-RPC text, its diagnostics given as a JSON
/// array.
fn publication(uri: &Uri, version: Option<i32>, diagnostics: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(diagnostics.len() + uri.0.len() + 128);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","method":""#);
    out.extend_from_slice(PUBLISH.as_bytes());
    out.extend_from_slice(br#"","params":{"uri":"#);
    let _ = serde_json::to_writer(&mut out, uri);
    if let Some(version) = version {
        out.extend_from_slice(br#","version":"#);
        out.extend_from_slice(version.to_string().as_bytes());
    }
    out.extend_from_slice(br#","diagnostics":"#);
    out.extend_from_slice(diagnostics);
    out.extend_from_slice(b"}}");
    out
}

/// A message as JSON-RPC text.
fn json_text(message: &Message) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct JsonRpc<'a> {
        jsonrpc: &'static str,
        #[serde(flatten)]
        message: &'a Message,
    }
    serde_json::to_vec(&JsonRpc {
        jsonrpc: "2.0",
        message,
    })
    .unwrap_or_default()
}

/// The parameters of a `textDocument/publishDiagnostics` notification.
#[derive(serde::Serialize)]
struct PublishParams<'a> {
    uri: &'a Uri,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i32>,
    diagnostics: &'a [lsp_types::Diagnostic],
}

impl<'a> PublishParams<'a> {
    /// The diagnostics of `uri`, with its `version` when the client takes one.
    fn new(
        uri: &'a Uri,
        version: Option<i32>,
        caps: &ClientCaps,
        diagnostics: &'a [lsp_types::Diagnostic],
    ) -> Self {
        Self {
            uri,
            version: version.filter(|_| caps.publish_version),
            diagnostics,
        }
    }

    /// The notification as JSON-RPC text.
    fn text(&self) -> Vec<u8> {
        let diagnostics = serde_json::to_vec(self.diagnostics).unwrap_or_default();
        publication(self.uri, self.version, &diagnostics)
    }
}

/// The method that publishes diagnostics.
const PUBLISH: &str = "textDocument/publishDiagnostics";

fn run_with(connection: Connection, outbox: Outbox) -> anyhow::Result<()> {
    let (id, params) = connection.initialize_start()?;
    let caps_json = params.get("capabilities").cloned().unwrap_or(Value::Null);
    let encoding = crate::session::negotiate_encoding(&caps_json);
    let caps = ClientCaps::from_json(&caps_json);
    let (settings, settings_problem) =
        ClientSettings::from_json(params.get("initializationOptions").unwrap_or(&Value::Null));
    let roots = workspace_roots(&params);
    let parent = params.get("processId").and_then(Value::as_u64);
    let result = json!({
        "capabilities": handlers::capabilities(&caps, encoding_name(encoding)),
        "serverInfo": {"name": "drydock", "version": env!("CARGO_PKG_VERSION")},
    });
    // Not `initialize_finish`: it swallows the `initialized` notification (so the main loop
    // never registered watchers or asked for settings) and stops the server when anything else
    // comes first. `initialized` goes through the main loop like any notification.
    if !outbox.send(Response::new_ok(id, result).into()) {
        anyhow::bail!("the client is gone");
    }

    let session = Session::new(encoding, caps, settings, roots);
    // (`tasks` lives until the loop ends, so `task_rx` never reports it closed.)
    let (tasks, task_rx) = crossbeam_channel::unbounded();
    if let Some(pid) = parent {
        watch_parent(pid, tasks.clone());
    }
    let pool = Workers::new(
        std::thread::available_parallelism()
            .map_or(2, std::num::NonZero::get)
            .clamp(1, 4),
    )?;
    let lints = Workers::new(1)?;
    let mut server = Server {
        connection,
        outbox,
        session,
        pool,
        lints,
        task_rx,
        shutdown: false,
        next_id: 0,
        pending: HashMap::new(),
        inflight: Arc::default(),
        queued: Arc::default(),
    };
    if let Some(problem) = settings_problem {
        server.show_message(2, &problem);
    }
    server.after_initialize();
    server.main_loop()
}

fn workspace_roots(params: &Value) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .get("workspaceFolders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("uri").and_then(Value::as_str))
        .filter_map(|u| uri::to_path(&Uri(u.to_owned())))
        .collect();
    if roots.is_empty()
        && let Some(root) = params
            .get("rootUri")
            .and_then(Value::as_str)
            .and_then(|u| uri::to_path(&Uri(u.to_owned())))
    {
        roots.push(root);
    }
    roots
}

/// Exits the loop when the client process dies (Linux: its `/proc` entry disappears; checked
/// twice a second, so the server is gone within a second of its client).
fn watch_parent(pid: u64, tasks: Sender<Task>) {
    let proc = PathBuf::from(format!("/proc/{pid}"));
    if !cfg!(target_os = "linux") || !proc.exists() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("drydock-lsp-parent".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                if !proc.exists() {
                    let _ = tasks.send(Task::ParentGone);
                    return;
                }
            }
        });
}

struct Server {
    connection: Connection,
    /// Where messages go (not `connection.sender` unless that is it).
    outbox: Outbox,
    session: Session,
    pool: Workers,
    /// The thread that lints for push diagnostics: always the same one, so the model it keeps
    /// of each document between keystrokes is still in its core's cache and freed by the
    /// thread that allocated it.
    lints: Workers,
    task_rx: Receiver<Task>,
    shutdown: bool,
    next_id: i32,
    pending: HashMap<RequestId, Pending>,
    /// Client requests not answered yet, shared with the workers: `false` while waiting for a
    /// worker, `true` once running.
    inflight: Inflight,
    /// Push diagnostics waiting for a worker: the latest document and snapshot by URI.
    queued: Queued,
}

type Queued = Arc<Mutex<HashMap<Uri, (Arc<Document>, Snapshot)>>>;

type Inflight = Arc<Mutex<HashMap<RequestId, bool>>>;

/// Marks a request as started; `false` when it was cancelled while it waited.
fn start(inflight: &Inflight, id: &RequestId) -> bool {
    let mut map = inflight.lock().unwrap_or_else(PoisonError::into_inner);
    match map.get_mut(id) {
        Some(started) => {
            *started = true;
            true
        }
        None => false,
    }
}

fn finished(inflight: &Inflight, id: &RequestId) {
    inflight
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(id);
}

impl Server {
    fn main_loop(&mut self) -> anyhow::Result<()> {
        loop {
            select! {
                recv(self.connection.receiver) -> msg => {
                    let Ok(msg) = msg else { return Ok(()) };
                    match msg {
                        Message::Request(req) => self.on_request(req),
                        Message::Notification(not) => {
                            if not.method == "exit" {
                                return Ok(());
                            }
                            self.on_notification(not);
                        }
                        Message::Response(resp) => self.on_response(resp),
                    }
                }
                recv(self.task_rx) -> task => match task {
                    Ok(Task::ParentGone) | Err(_) => return Ok(()),
                },
            }
        }
    }

    fn send(&self, msg: Message) {
        let _ = self.outbox.send(msg);
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Message::Notification(Notification {
            method: method.to_owned(),
            params,
        }));
    }

    fn request(&mut self, method: &str, params: Value, pending: Pending) {
        self.next_id += 1;
        let id = RequestId::from(format!("drydock-{}", self.next_id));
        self.pending.insert(id.clone(), pending);
        self.send(Message::Request(Request {
            id,
            method: method.to_owned(),
            params,
        }));
    }

    fn show_message(&self, kind: u8, message: &str) {
        self.notify(
            "window/showMessage",
            json!({"type": kind, "message": message}),
        );
    }

    fn after_initialize(&mut self) {
        if let Some(problem) = self.session.config_error.clone() {
            self.show_message(1, &problem);
        }
    }

    // --- notifications: applied in order, on this thread -------------------------------------

    fn on_notification(&mut self, not: Notification) {
        match not.method.as_str() {
            "initialized" => self.on_initialized(),
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(not.params) {
                    let item = p.text_document;
                    let name = uri::file_name(&item.uri);
                    let language: String = item.language_id.into();
                    let kind = Kind::of(&language, name.as_deref());
                    let doc = Document::new(item.uri.clone(), kind, item.version, item.text);
                    self.session.put(Some(doc), &item.uri);
                    self.documents_changed(Some(&item.uri));
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(not.params) {
                    let uri = p.text_document.text_document_identifier.uri;
                    if let Some(doc) = self.session.documents.get(&uri) {
                        let next = doc.changed(
                            p.text_document.version,
                            p.content_changes,
                            self.session.encoding,
                        );
                        self.session.put(Some(next), &uri);
                        self.documents_changed(Some(&uri));
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(not.params) {
                    let uri = p.text_document.uri;
                    self.session.put(None, &uri);
                    if !self.session.caps.pull_diagnostics {
                        self.publish_now(&uri, None, &[]);
                    }
                    // What other documents saw of it comes from the disk again.
                    self.documents_changed(None);
                }
            }
            "textDocument/didSave" => self.documents_changed(None),
            "workspace/didChangeConfiguration" => {
                if self.session.caps.configuration {
                    self.fetch_configuration();
                } else {
                    let settings = not.params.get("settings").cloned().unwrap_or(Value::Null);
                    let (settings, problem) = ClientSettings::from_json(&settings);
                    if let Some(problem) = problem {
                        self.show_message(2, &problem);
                    }
                    self.session.set_settings(settings);
                    self.after_initialize();
                    self.documents_changed(None);
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(not.params) {
                    let config = p.changes.iter().any(|c| {
                        uri::file_name(&c.uri).is_some_and(|n| {
                            n.starts_with(".drydock.") || n.starts_with(".hadolint.")
                        })
                    });
                    if config {
                        self.session.reload_configuration();
                        self.after_initialize();
                    }
                    self.documents_changed(None);
                }
            }
            "workspace/didChangeWorkspaceFolders" => {
                let added = not
                    .params
                    .pointer("/event/added")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let removed = not
                    .params
                    .pointer("/event/removed")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let path = |f: &Value| {
                    f.get("uri")
                        .and_then(Value::as_str)
                        .and_then(|u| uri::to_path(&Uri(u.to_owned())))
                };
                let removed: Vec<PathBuf> = removed.iter().filter_map(path).collect();
                self.session.roots.retain(|r| !removed.contains(r));
                self.session.roots.extend(added.iter().filter_map(path));
                self.documents_changed(None);
            }
            "$/cancelRequest" => self.on_cancel(&not.params),
            // `$/setTrace`, `textDocument/willSave` and anything unknown: nothing to do.
            _ => {}
        }
    }

    fn on_initialized(&mut self) {
        if self.session.caps.watched_files {
            let watchers: Vec<Value> = [
                "**/.drydock.yaml",
                "**/.drydock.yml",
                "**/.hadolint.yaml",
                "**/.hadolint.yml",
                "**/.env",
                "**/*.env",
                "**/.dockerignore",
                "**/*.dockerignore",
            ]
            .iter()
            .map(|g| json!({"globPattern": g}))
            .collect();
            self.request(
                "client/registerCapability",
                json!({"registrations": [{
                    "id": "drydock-watched-files",
                    "method": "workspace/didChangeWatchedFiles",
                    "registerOptions": {"watchers": watchers},
                }]}),
                Pending::Ignore,
            );
        }
        if self.session.caps.configuration {
            self.fetch_configuration();
        }
    }

    fn fetch_configuration(&mut self) {
        self.request(
            "workspace/configuration",
            json!({"items": [{"section": "drydock"}]}),
            Pending::Configuration,
        );
    }

    fn on_response(&mut self, resp: Response) {
        let Some(pending) = self.pending.remove(&resp.id) else {
            return;
        };
        match (pending, resp.response_result) {
            (Pending::Configuration, Ok(result)) => {
                let section = result
                    .as_array()
                    .and_then(|a| a.first())
                    .cloned()
                    .unwrap_or(Value::Null);
                // A client without settings answers `null`: keep the initialization options.
                if section.is_null() {
                    return;
                }
                let (settings, problem) = ClientSettings::from_json(&section);
                if let Some(problem) = problem {
                    self.show_message(2, &problem);
                }
                if settings != *self.session.settings {
                    self.session.set_settings(settings);
                    self.after_initialize();
                    self.documents_changed(None);
                }
            }
            // A client may refuse a registration (pytest-lsp does); the server carries on.
            (Pending::Configuration | Pending::Ignore, _) => {}
        }
    }

    /// After documents or settings changed: push diagnostics again (for `changed`, and for
    /// every open compose file, whose project may include what changed), or ask a pull client
    /// to refresh.
    fn documents_changed(&mut self, changed: Option<&Uri>) {
        if self.session.caps.pull_diagnostics {
            if changed.is_none() && self.session.caps.diagnostic_refresh {
                self.request("workspace/diagnostic/refresh", Value::Null, Pending::Ignore);
            }
            return;
        }
        let docs: Vec<Arc<Document>> = self
            .session
            .documents
            .values()
            .filter(|d| {
                changed.is_none_or(|u| *u == d.uri)
                    || (d.kind == Kind::Compose && changed.is_some())
            })
            .cloned()
            .collect();
        let snapshot = self.session.snapshot();
        for doc in docs {
            let uri = doc.uri.clone();
            let first = self
                .queued
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(uri.clone(), (doc, snapshot.clone()))
                .is_none();
            if !first {
                // A lint of this document is already waiting: it will take this version.
                continue;
            }
            let queued = self.queued.clone();
            let outbox = self.outbox.clone();
            self.lints.spawn(move || {
                let Some((doc, snapshot)) = queued
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&uri)
                else {
                    return;
                };
                let result = catch_unwind(AssertUnwindSafe(|| {
                    let linted = lint::lint(&snapshot, &doc);
                    let findings = outbox.findings(&snapshot, &doc, &linted);
                    (findings, linted.retired)
                }));
                let (findings, retired) =
                    result.unwrap_or_else(|_| (Findings::Values(Vec::new()), None));
                // Sent from here, unless the document changed since (checked and sent under
                // the lock the main thread takes to change a version: a close's empty
                // diagnostics never overtake these).
                snapshot.while_current(&doc, || {
                    outbox.publish_findings(&snapshot, &doc, &findings);
                });
                // The replaced model is freed once the findings are on their way.
                drop(retired);
            });
        }
    }

    fn publish_now(&self, uri: &Uri, version: Option<i32>, diagnostics: &[lsp_types::Diagnostic]) {
        self.outbox.publish(&PublishParams::new(
            uri,
            version,
            &self.session.caps,
            diagnostics,
        ));
    }

    // --- requests: answered from a snapshot on a worker ----------------------------------------

    fn on_request(&mut self, req: Request) {
        if req.method == "shutdown" {
            self.shutdown = true;
            self.send(Message::Response(Response::new_ok(req.id, Value::Null)));
            return;
        }
        if self.shutdown {
            self.send(Message::Response(Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            )));
            return;
        }
        self.inflight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(req.id.clone(), false);
        if req.method == "textDocument/diagnostic" {
            self.on_pull_diagnostics(req);
            return;
        }
        let snapshot = self.session.snapshot();
        let sender = self.outbox.clone();
        let inflight = self.inflight.clone();
        self.pool.spawn(move || {
            let id = req.id.clone();
            if !start(&inflight, &id) {
                return;
            }
            let method = req.method.clone();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                handlers::handle(&snapshot, &req.method, req.params)
            }));
            let response = match outcome {
                Ok(Ok(result)) => Response::new_ok(id, result),
                Ok(Err(handlers::HandlerError::UnknownMethod)) => Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("drydock does not handle `{method}`"),
                ),
                Ok(Err(handlers::HandlerError::InvalidParams(e))) => Response::new_err(
                    id,
                    ErrorCode::InvalidParams as i32,
                    format!("invalid parameters for `{method}`: {e}"),
                ),
                Err(panic) => Response {
                    id,
                    response_result: Err(ResponseError {
                        code: ErrorCode::InternalError as i32,
                        message: format!("drydock failed on `{method}`: {}", panic_message(&panic)),
                        data: None,
                    }),
                },
            };
            finished(&inflight, &response.id);
            let _ = sender.send(Message::Response(response));
        });
    }

    /// `$/cancelRequest`: a request still waiting for a worker is answered `RequestCancelled`
    /// now and never runs; one already running finishes (its answer is still useful).
    fn on_cancel(&self, params: &Value) {
        let id = match params.get("id") {
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(RequestId::from),
            Some(Value::String(s)) => Some(RequestId::from(s.clone())),
            _ => None,
        };
        let Some(id) = id else { return };
        let waiting = {
            let mut map = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            let waiting = map.get(&id) == Some(&false);
            if waiting {
                map.remove(&id);
            }
            waiting
        };
        if waiting {
            self.send(Message::Response(Response::new_err(
                id,
                ErrorCode::RequestCanceled as i32,
                "the request was cancelled before it ran".to_owned(),
            )));
        }
    }

    fn on_pull_diagnostics(&self, req: Request) {
        let snapshot = self.session.snapshot();
        let sender = self.outbox.clone();
        let inflight = self.inflight.clone();
        self.pool.spawn(move || {
            let id = req.id.clone();
            if !start(&inflight, &id) {
                return;
            }
            let response = match serde_json::from_value::<DocumentDiagnosticParams>(req.params) {
                Err(e) => Response::new_err(
                    id,
                    ErrorCode::InvalidParams as i32,
                    format!("invalid parameters for `textDocument/diagnostic`: {e}"),
                ),
                Ok(params) => {
                    let uri = params.text_document.uri;
                    match snapshot.document(&uri).cloned() {
                        None => Response::new_ok(id, json!({"kind": "full", "items": []})),
                        Some(doc) => {
                            let outcome = catch_unwind(AssertUnwindSafe(|| {
                                let linted = lint::lint(&snapshot, &doc);
                                diagnostics::to_lsp(&snapshot, &doc, &linted)
                            }));
                            match outcome {
                                Ok(_) if !snapshot.is_current(&doc) => Response::new_err(
                                    id,
                                    ErrorCode::ContentModified as i32,
                                    "the document changed".to_owned(),
                                ),
                                Ok(items) => {
                                    Response::new_ok(id, json!({"kind": "full", "items": items}))
                                }
                                Err(panic) => Response::new_err(
                                    id,
                                    ErrorCode::InternalError as i32,
                                    format!(
                                        "drydock failed on `textDocument/diagnostic`: {}",
                                        panic_message(&panic)
                                    ),
                                ),
                            }
                        }
                    }
                }
            };
            finished(&inflight, &response.id);
            let _ = sender.send(Message::Response(response));
        });
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an internal error".to_owned())
}

/// Stack size of a worker thread.
const WORKER_STACK: usize = 16 << 20;

/// A job for a worker.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// The server's worker threads. Dropping it drops the jobs still queued and joins the threads,
/// so `run` returns only once nothing of the server is left running (an embedding process, or
/// a leak checker, sees no thread outlive it).
struct Workers {
    jobs: Option<Sender<Job>>,
    closing: Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    fn new(count: usize) -> std::io::Result<Self> {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        let closing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut threads = Vec::with_capacity(count);
        for i in 0..count {
            let queue = queue.clone();
            let closing = closing.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("drydock-lsp-worker-{i}"))
                    // Room for the recursive walks over nested YAML (bounded by the YAML
                    // layer's depth limit) whatever the platform's default.
                    .stack_size(WORKER_STACK)
                    .spawn(move || {
                        for job in queue {
                            if closing.load(std::sync::atomic::Ordering::Relaxed) {
                                continue;
                            }
                            // Jobs catch their own panics to answer them; this keeps the
                            // worker alive whatever happens.
                            let _ = catch_unwind(AssertUnwindSafe(job));
                        }
                    })?,
            );
        }
        Ok(Self {
            jobs: Some(jobs),
            closing,
            threads,
        })
    }

    fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Box::new(job));
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.jobs = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notification written around a JSON array of diagnostics is the JSON-RPC message
    /// `publishDiagnostics` with those parameters (with and without a version; a URI that
    /// needs escaping).
    #[test]
    fn publication_is_the_notification() {
        let uri = Uri("file:///tmp/a \"b\"\\c/Dockerfile".to_owned());
        let diagnostics = serde_json::json!([{"range": diagnostics::start(), "message": "m"}]);
        let array = serde_json::to_vec(&diagnostics).unwrap();
        for version in [None, Some(0), Some(-3), Some(i32::MAX)] {
            let text = publication(&uri, version, &array);
            let parsed: Value = serde_json::from_slice(&text).unwrap();
            let mut params = json!({"uri": uri, "diagnostics": diagnostics});
            if let Some(version) = version {
                params["version"] = json!(version);
            }
            assert_eq!(
                parsed,
                json!({"jsonrpc": "2.0", "method": PUBLISH, "params": params}),
                "{version:?}"
            );
        }
    }
}
