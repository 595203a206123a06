//! The server's state: open documents, negotiated capabilities and settings. The main loop owns
//! the [`Session`] and changes it in the order messages arrive; requests work on a
//! [`Snapshot`], a cheap copy that worker threads can keep.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use drydock_linter::Previous;
use drydock_linter::config::Configuration;
use drydock_linter::config::resolve::{ResolveError, Resolver};
use drydock_linter::settings::Threshold;
use drydock_text::PositionEncoding;
use lsp_types::Uri;
use serde::Deserialize;

use crate::document::Document;

/// What the client can do, as far as the server cares.
#[derive(Clone, Debug, Default)]
#[allow(clippy::struct_excessive_bools)]
pub struct ClientCaps {
    /// `textDocument/diagnostic` (pull diagnostics).
    pub pull_diagnostics: bool,
    /// `workspace/diagnostic/refresh`.
    pub diagnostic_refresh: bool,
    /// `publishDiagnostics` with a version.
    pub publish_version: bool,
    /// `workspace/configuration`.
    pub configuration: bool,
    /// Dynamic registration of `workspace/didChangeWatchedFiles`.
    pub watched_files: bool,
    /// Related information on diagnostics.
    pub related_information: bool,
    /// Diagnostic tags (unnecessary, deprecated).
    pub diagnostic_tags: bool,
    /// `codeDescription` on diagnostics.
    pub code_description: bool,
    /// Markdown in hovers.
    pub hover_markdown: bool,
    /// Snippets in completions.
    pub completion_snippets: bool,
    /// Hierarchical document symbols.
    pub hierarchical_symbols: bool,
    /// `codeAction` literals (as opposed to commands only).
    pub code_action_literals: bool,
    /// Folding ranges in whole lines only (`foldingRange.lineFoldingOnly`).
    pub line_folding_only: bool,
    /// `documentChanges` in workspace edits (versioned text document edits).
    pub document_changes: bool,
}

impl ClientCaps {
    /// Reads the capabilities the server uses from the client's JSON (read leniently: a client
    /// that sends something unexpected loses a feature, it does not fail to start).
    #[must_use]
    pub fn from_json(caps: &serde_json::Value) -> Self {
        let flag = |path: &[&str]| {
            let mut v = caps;
            for key in path {
                match v.get(key) {
                    Some(next) => v = next,
                    None => return false,
                }
            }
            v.as_bool().unwrap_or(!v.is_null())
        };
        let markdown = |path: &[&str]| {
            let mut v = caps;
            for key in path {
                match v.get(key) {
                    Some(next) => v = next,
                    None => return false,
                }
            }
            v.as_array()
                .is_some_and(|a| a.iter().any(|k| k.as_str() == Some("markdown")))
        };
        Self {
            pull_diagnostics: caps
                .pointer("/textDocument/diagnostic")
                .is_some_and(serde_json::Value::is_object),
            diagnostic_refresh: flag(&["workspace", "diagnostics", "refreshSupport"]),
            publish_version: flag(&["textDocument", "publishDiagnostics", "versionSupport"]),
            configuration: flag(&["workspace", "configuration"]),
            watched_files: flag(&["workspace", "didChangeWatchedFiles", "dynamicRegistration"]),
            related_information: flag(&[
                "textDocument",
                "publishDiagnostics",
                "relatedInformation",
            ]) || caps.pointer("/textDocument/diagnostic").is_some(),
            diagnostic_tags: caps
                .pointer("/textDocument/publishDiagnostics/tagSupport")
                .is_some()
                || caps.pointer("/textDocument/diagnostic").is_some(),
            code_description: flag(&[
                "textDocument",
                "publishDiagnostics",
                "codeDescriptionSupport",
            ]) || caps.pointer("/textDocument/diagnostic").is_some(),
            hover_markdown: markdown(&["textDocument", "hover", "contentFormat"]),
            completion_snippets: flag(&[
                "textDocument",
                "completion",
                "completionItem",
                "snippetSupport",
            ]),
            hierarchical_symbols: flag(&[
                "textDocument",
                "documentSymbol",
                "hierarchicalDocumentSymbolSupport",
            ]),
            code_action_literals: caps
                .pointer("/textDocument/codeAction/codeActionLiteralSupport")
                .is_some(),
            line_folding_only: flag(&["textDocument", "foldingRange", "lineFoldingOnly"]),
            document_changes: flag(&["workspace", "workspaceEdit", "documentChanges"]),
        }
    }
}

/// The position encoding to use: UTF-8 when the client offers it (no conversion), else UTF-16
/// (which every client supports).
#[must_use]
pub fn negotiate_encoding(caps: &serde_json::Value) -> PositionEncoding {
    let offered = caps
        .pointer("/general/positionEncodings")
        .and_then(serde_json::Value::as_array);
    let offers = |name: &str| offered.is_some_and(|a| a.iter().any(|e| e.as_str() == Some(name)));
    if offers("utf-8") {
        PositionEncoding::Utf8
    } else {
        PositionEncoding::Utf16
    }
}

/// The LSP name of an encoding.
#[must_use]
pub fn encoding_name(encoding: PositionEncoding) -> &'static str {
    match encoding {
        PositionEncoding::Utf8 => "utf-8",
        PositionEncoding::Utf16 => "utf-16",
        PositionEncoding::Utf32 => "utf-32",
    }
}

/// Settings from the editor (`initializationOptions`, or the `drydock` section of
/// `workspace/configuration`). Unknown keys are ignored; every key is optional.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientSettings {
    /// Rules to run instead of the configured ones.
    pub select: Option<Vec<String>>,
    /// Rules to add.
    pub extend_select: Vec<String>,
    /// Rules to leave out.
    pub ignore: Vec<String>,
    /// A configuration file to use instead of looking for `.drydock.yaml`.
    pub config_path: Option<PathBuf>,
    /// Where rule documentation lives (`codeDescription` links): the rules.md page; each rule
    /// is an anchor on it.
    pub documentation_url: Option<String>,
    /// Let the editor's environment set compose variables.
    pub env_from_process: bool,
    /// Show only the findings that would fail `drydock check --failure-threshold` at this
    /// level (`error`, `warning`, `info`, `style`, `ignore`, `none`); unset: every finding.
    pub failure_threshold: Option<String>,
}

/// The default documentation page: `rules.md` of the repository.
pub const DEFAULT_DOCS: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/rules.md");

impl ClientSettings {
    /// Reads settings leniently: `{"drydock": {...}}` or the section itself; a malformed value
    /// gives the defaults and a message.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> (Self, Option<String>) {
        let section = value
            .get("drydock")
            .or_else(|| value.get("settings").and_then(|s| s.get("drydock")))
            .unwrap_or(value);
        if section.is_null() {
            return (Self::default(), None);
        }
        match serde_json::from_value::<Self>(section.clone()) {
            Ok(mut settings) => {
                if let Some(t) = &settings.failure_threshold
                    && Threshold::parse(t).is_none()
                {
                    let problem = format!(
                        "drydock: ignoring failureThreshold `{t}`: not one of error, warning, info, style, ignore, none"
                    );
                    settings.failure_threshold = None;
                    return (settings, Some(problem));
                }
                (settings, None)
            }
            Err(e) => (
                Self::default(),
                Some(format!("drydock: ignoring invalid settings: {e}")),
            ),
        }
    }

    /// The command-line-like configuration layer these settings make.
    #[must_use]
    pub fn layer(&self) -> Configuration {
        Configuration {
            select: self.select.clone(),
            extend_select: self.extend_select.clone(),
            ignore: self.ignore.clone(),
            ..Configuration::default()
        }
    }

    /// The threshold findings must reach to be shown (`None`: show every finding).
    #[must_use]
    pub fn threshold(&self) -> Option<Threshold> {
        self.failure_threshold.as_deref().and_then(Threshold::parse)
    }

    /// The documentation page for rule links.
    #[must_use]
    pub fn docs(&self) -> &str {
        self.documentation_url.as_deref().unwrap_or(DEFAULT_DOCS)
    }
}

/// The server's state.
pub struct Session {
    /// Open documents.
    pub documents: HashMap<Uri, Arc<Document>>,
    /// The negotiated position encoding.
    pub encoding: PositionEncoding,
    /// What the client can do.
    pub caps: ClientCaps,
    /// The editor's settings.
    pub settings: Arc<ClientSettings>,
    /// Configuration per file.
    pub resolver: Arc<Resolver>,
    /// A configuration problem to show (a broken `.drydock.yaml` named in the settings).
    pub config_error: Option<String>,
    /// Workspace folders (or the root); the folder nothing outside of is read for a project.
    pub roots: Vec<PathBuf>,
    /// Current document versions, shared with workers so stale results are dropped.
    pub versions: Arc<Mutex<HashMap<Uri, i32>>>,
    /// What the last lint of each open Dockerfile left: the next lint of the document takes
    /// the shell views and instruction-local findings of the instructions an edit did not
    /// touch from it.
    pub models: Models,
    /// What was last written out of each open document's diagnostics (see
    /// [`crate::diagnostics::Written`]).
    pub written: Written,
}

/// See [`Session::written`].
pub type Written = Arc<Mutex<HashMap<Uri, crate::diagnostics::Written>>>;

/// What the last lint of each open Dockerfile left, shared with workers.
pub type Models = Arc<Mutex<HashMap<Uri, Arc<Previous>>>>;

impl Session {
    /// A session; the resolver is built from the settings (a broken explicit configuration is
    /// remembered and shown, and defaults are used).
    #[must_use]
    pub fn new(
        encoding: PositionEncoding,
        caps: ClientCaps,
        settings: ClientSettings,
        roots: Vec<PathBuf>,
    ) -> Self {
        let mut session = Self {
            documents: HashMap::new(),
            encoding,
            caps,
            settings: Arc::new(ClientSettings::default()),
            resolver: Arc::new(default_resolver()),
            config_error: None,
            roots,
            versions: Arc::new(Mutex::new(HashMap::new())),
            models: Models::default(),
            written: Written::default(),
        };
        session.set_settings(settings);
        session
    }

    /// Takes new settings and rebuilds the resolver (also after a configuration file changed).
    pub fn set_settings(&mut self, settings: ClientSettings) {
        let cwd = self
            .roots
            .first()
            .cloned()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        match Resolver::new(settings.layer(), settings.config_path.as_deref(), &cwd) {
            Ok(resolver) => {
                self.resolver = Arc::new(resolver);
                self.config_error = None;
            }
            Err(e) => {
                self.config_error = Some(format!("drydock: {e}"));
                self.resolver = Arc::new(default_resolver());
            }
        }
        self.settings = Arc::new(settings);
    }

    /// Rebuilds the resolver with the same settings (a configuration file changed on disk).
    pub fn reload_configuration(&mut self) {
        let settings = (*self.settings).clone();
        self.set_settings(settings);
    }

    /// Opens, replaces or closes a document, keeping the shared version table in step.
    pub fn put(&mut self, doc: Option<Document>, uri: &Uri) {
        let mut versions = self
            .versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match doc {
            Some(doc) => {
                versions.insert(uri.clone(), doc.version);
                self.documents.insert(uri.clone(), Arc::new(doc));
            }
            None => {
                versions.remove(uri);
                self.documents.remove(uri);
                self.models
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(uri);
                self.written
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(uri);
            }
        }
    }

    /// A copy of the state for a request.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            documents: Arc::new(self.documents.clone()),
            encoding: self.encoding,
            caps: self.caps.clone(),
            settings: self.settings.clone(),
            resolver: self.resolver.clone(),
            roots: Arc::new(self.roots.clone()),
            versions: self.versions.clone(),
            models: self.models.clone(),
            written: self.written.clone(),
        }
    }
}

fn default_resolver() -> Resolver {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    Resolver::new(Configuration::default(), None, &cwd)
        .unwrap_or_else(|_| unreachable!("the default configuration is valid"))
}

/// The state a request works from.
#[derive(Clone)]
pub struct Snapshot {
    /// Open documents when the request arrived.
    pub documents: Arc<HashMap<Uri, Arc<Document>>>,
    /// The position encoding.
    pub encoding: PositionEncoding,
    /// What the client can do.
    pub caps: ClientCaps,
    /// The editor's settings.
    pub settings: Arc<ClientSettings>,
    /// Configuration per file.
    pub resolver: Arc<Resolver>,
    /// Workspace folders.
    pub roots: Arc<Vec<PathBuf>>,
    versions: Arc<Mutex<HashMap<Uri, i32>>>,
    /// See [`Session::models`].
    pub models: Models,
    /// See [`Session::written`].
    pub written: Written,
}

impl Snapshot {
    /// The open document at `uri`.
    #[must_use]
    pub fn document(&self, uri: &Uri) -> Option<&Arc<Document>> {
        self.documents.get(uri)
    }

    /// Whether `doc` is still the latest version of its document (a result computed for an
    /// older version is never published).
    #[must_use]
    pub fn is_current(&self, doc: &Document) -> bool {
        self.while_current(doc, || ()).is_some()
    }

    /// Runs `f` if `doc` is still the latest version of its document, holding the lock the
    /// main thread takes to change versions ([`Session::put`]): what `f` sends goes out before
    /// anything sent after a later change of the document.
    pub fn while_current<R>(&self, doc: &Document, f: impl FnOnce() -> R) -> Option<R> {
        let versions = self
            .versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = versions.get(&doc.uri).is_some_and(|&v| v == doc.version);
        current.then(f)
    }

    /// Open documents by path (they win over the files on disk).
    #[must_use]
    pub fn open_files(&self) -> HashMap<PathBuf, Vec<u8>> {
        self.documents
            .values()
            .filter_map(|d| Some((d.path.clone()?, d.text.as_bytes().to_vec())))
            .collect()
    }

    /// The workspace folder holding `path` (the deepest), if any.
    #[must_use]
    pub fn root_of(&self, path: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .map(PathBuf::as_path)
    }

    /// Settings for a file; a broken `.drydock.yaml` gives an error to show.
    ///
    /// # Errors
    /// A configuration file that cannot be read.
    pub fn resolved(
        &self,
        path: &Path,
    ) -> Result<Arc<drydock_linter::config::resolve::Resolved>, ResolveError> {
        self.resolver.for_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_threshold_setting() {
        let read = |v: serde_json::Value| ClientSettings::from_json(&v);
        let (settings, problem) =
            read(serde_json::json!({"drydock": {"failureThreshold": "warning"}}));
        assert_eq!(problem, None);
        assert_eq!(
            settings.threshold(),
            Some(Threshold::Severity(drydock_linter::Severity::Warning))
        );
        let (settings, problem) =
            read(serde_json::json!({"failureThreshold": "loud", "ignore": ["DS101"]}));
        assert!(problem.is_some_and(|p| p.contains("failureThreshold `loud`")));
        assert_eq!(settings.threshold(), None);
        assert_eq!(settings.ignore, ["DS101"], "the other settings are kept");
        assert_eq!(read(serde_json::json!({})).0.threshold(), None);
    }
}
