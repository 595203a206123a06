//! Linting an open document from a snapshot: a Dockerfile on its own, a compose file with its
//! project (override files, `.env`, `extends`, build Dockerfiles), open buffers winning over the
//! files on disk.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use drydock_compose::project::{self, LoadOptions, RealFs};
use drydock_linter::compose::{ComposeInput, lint_project};
use drydock_linter::fix::OverlayFs;
use drydock_linter::{Diagnostic, DockerfileInput, Previous, Settings, lint_dockerfile_after};
use drydock_text::{LineIndex, SourceText};

use crate::document::{Document, Kind};
use crate::session::Snapshot;

/// Another file a label points into: its path and text.
#[derive(Clone, Debug)]
pub struct OtherFile {
    /// Its absolute path.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Its line starts.
    pub index: LineIndex,
}

/// The findings for one document, with what is needed to place labels in other files.
#[derive(Clone, Debug, Default)]
pub struct Linted {
    /// Findings in the document, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Files that labels point into, by the label's path.
    pub others: Vec<(PathBuf, OtherFile)>,
    /// A configuration problem to show on the document.
    pub config_error: Option<String>,
    /// What the previous lint of the document left, replaced by this one: dropping it is left
    /// to the caller, after the findings are on their way.
    pub retired: Option<Arc<Previous>>,
}

/// Lints `doc`. Never fails: a broken configuration is reported in [`Linted::config_error`]
/// and the defaults are used.
#[must_use]
pub fn lint(snapshot: &Snapshot, doc: &Document) -> Linted {
    if doc.kind == Kind::Other {
        return Linted::default();
    }
    let lookup = doc.path.clone().unwrap_or_else(|| {
        let cwd = snapshot
            .roots
            .first()
            .cloned()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        cwd.join(match doc.kind {
            Kind::Compose => "compose.yaml",
            _ => "Dockerfile",
        })
    });
    let (settings, config_error) = match snapshot.resolved(&lookup) {
        Ok(resolved) => (resolved.settings.clone(), None),
        Err(e) => (Settings::from_defaults(), Some(e.to_string())),
    };
    let mut linted = match doc.kind {
        Kind::Dockerfile => {
            let (diagnostics, retired) = lint_dockerfile_reusing(snapshot, doc, &settings);
            Linted {
                diagnostics,
                retired,
                ..Linted::default()
            }
        }
        Kind::Compose => lint_compose(snapshot, doc, &lookup, &settings),
        Kind::Other => Linted::default(),
    };
    linted.config_error = config_error;
    // The editor's failure threshold hides what would not fail `drydock check`.
    if let Some(threshold) = snapshot.settings.threshold() {
        linted.diagnostics.retain(|d| threshold.fails(d.severity));
    }
    linted
}

/// Lints an open Dockerfile, reusing what the previous lint of the document did for the
/// instructions the last edit did not touch (then keeping this lint's for the next, and
/// returning the one it replaces).
fn lint_dockerfile_reusing(
    snapshot: &Snapshot,
    doc: &Document,
    settings: &Settings,
) -> (Vec<Diagnostic>, Option<Arc<Previous>>) {
    let previous = snapshot
        .models
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&doc.uri)
        .cloned();
    let linted = lint_dockerfile_after(
        SourceText::from_string(doc.text.to_string()),
        previous.as_deref(),
        DockerfileInput {
            path: doc.path.as_deref(),
            target_stage: None,
            context: None,
        },
        settings,
    );
    let (diagnostics, kept) = linted.into_previous();
    // (A lint of an older version may finish later and replace it: that only costs reuse.)
    let retired = snapshot
        .models
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(doc.uri.clone(), Arc::new(kept));
    (diagnostics, retired)
}

fn lint_compose(snapshot: &Snapshot, doc: &Document, path: &Path, settings: &Settings) -> Linted {
    let mut files = snapshot.open_files();
    files.insert(path.to_owned(), doc.text.as_bytes().to_vec());
    let fs = OverlayFs {
        base: &RealFs,
        files,
    };
    let (project_files, _) = project::project_files(path, &fs);
    let root = snapshot
        .root_of(path)
        .map(Path::to_owned)
        .or_else(|| path.parent().map(Path::to_owned));
    let options = LoadOptions {
        files: project_files,
        process_env: snapshot
            .settings
            .env_from_process
            .then(|| std::env::vars().collect()),
        root,
        ..LoadOptions::default()
    };
    let loaded = project::load(&options, &fs);
    let Some(id) = loaded.file_id(path) else {
        return Linted::default();
    };
    let focus = [id];
    let input = ComposeInput {
        fs: &fs,
        focus: Some(&focus),
    };
    let diagnostics: Vec<Diagnostic> = lint_project(&loaded, &input, settings)
        .into_iter()
        .map(|d| d.diagnostic)
        .collect();
    let mut others: Vec<(PathBuf, OtherFile)> = Vec::new();
    for rel in diagnostics
        .iter()
        .flat_map(|d| &d.labels)
        .filter_map(|l| l.file.as_ref())
    {
        if others.iter().any(|(p, _)| p == rel) {
            continue;
        }
        let abs = project::normalize(&loaded.dir.join(rel));
        let text = match loaded.file_id(&abs) {
            Some(other) => Some(loaded.file(other).source.text().to_owned()),
            None => drydock_compose::project::FileSystem::read(&fs, &abs)
                .ok()
                .map(|b| SourceText::from_bytes(b).text().to_owned()),
        };
        if let Some(text) = text {
            let index = LineIndex::new(&text);
            others.push((
                rel.clone(),
                OtherFile {
                    path: abs,
                    text,
                    index,
                },
            ));
        }
    }
    Linted {
        diagnostics,
        others,
        ..Linted::default()
    }
}
