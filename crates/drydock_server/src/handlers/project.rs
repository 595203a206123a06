//! What hovers and code actions need besides the findings: a document's settings, and its
//! compose project loaded the way [`crate::lint`] loads it (open buffers winning over the disk).

use std::path::{Path, PathBuf};

use drydock_compose::project::{self, LoadOptions, Project, RealFs};
use drydock_linter::Settings;
use drydock_linter::fix::OverlayFs;

use crate::document::{Document, Kind};
use crate::session::Snapshot;

/// The path a document's configuration is looked up for (its own, or a stand-in in the first
/// workspace folder for an unsaved buffer), as [`crate::lint::lint`] picks it.
#[must_use]
pub(crate) fn lookup_path(snapshot: &Snapshot, doc: &Document) -> PathBuf {
    doc.path.clone().unwrap_or_else(|| {
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
    })
}

/// The settings a document is linted with (the defaults when its configuration is broken).
#[must_use]
pub(crate) fn settings(snapshot: &Snapshot, path: &Path) -> Settings {
    match snapshot.resolved(path) {
        Ok(resolved) => resolved.settings.clone(),
        Err(_) => Settings::from_defaults(),
    }
}

/// The file system a compose project is read from: open buffers, `doc` at `path`, the disk.
#[must_use]
pub(crate) fn overlay<'a>(snapshot: &Snapshot, doc: &Document, path: &Path) -> OverlayFs<'a> {
    let mut files = snapshot.open_files();
    files.insert(path.to_owned(), doc.text.as_bytes().to_vec());
    OverlayFs {
        base: &RealFs,
        files,
    }
}

/// How the project of the compose file at `path` is loaded.
#[must_use]
pub(crate) fn load_options(snapshot: &Snapshot, path: &Path, fs: &OverlayFs<'_>) -> LoadOptions {
    let (files, _) = project::project_files(path, fs);
    let root = snapshot
        .root_of(path)
        .map(Path::to_owned)
        .or_else(|| path.parent().map(Path::to_owned));
    LoadOptions {
        files,
        process_env: snapshot
            .settings
            .env_from_process
            .then(|| std::env::vars().collect()),
        root,
        ..LoadOptions::default()
    }
}

/// The loaded project of a compose document.
#[must_use]
pub(crate) fn load(snapshot: &Snapshot, doc: &Document) -> Project {
    let path = lookup_path(snapshot, doc);
    let fs = overlay(snapshot, doc, &path);
    let options = load_options(snapshot, &path, &fs);
    project::load(&options, &fs)
}
