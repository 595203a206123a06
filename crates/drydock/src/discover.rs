//! Which files to lint: names drydock recognises, and the walk over folders.

use std::path::{Path, PathBuf};

/// What a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A compose file.
    Compose,
}

/// The kind a file's name says it is, case-insensitively; `None` for other files.
///
/// Dockerfiles: `Dockerfile`, `Dockerfile.*`, `Dockerfile-*`, `*.Dockerfile`, `*.dockerfile`,
/// `Containerfile`, `Containerfile.*` (never `*.dockerignore`). Compose files:
/// `compose*.yaml`, `compose*.yml`, `docker-compose*.yaml`, `docker-compose*.yml`.
#[must_use]
pub fn kind_by_name(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".dockerignore") {
        return None;
    }
    let dockerfile = name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.starts_with("dockerfile-")
        || name.ends_with(".dockerfile")
        || name == "containerfile"
        || name.starts_with("containerfile.");
    if dockerfile {
        return Some(FileKind::Dockerfile);
    }
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
        return Some(FileKind::Compose);
    }
    None
}

/// The kind of an explicitly named file: its name's kind, else `.yml`/`.yaml` as compose and
/// anything else as a Dockerfile.
#[must_use]
pub fn kind_of_explicit(path: &Path) -> FileKind {
    kind_by_name(path).unwrap_or_else(|| {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("yml" | "yaml") => FileKind::Compose,
            _ => FileKind::Dockerfile,
        }
    })
}

/// A file to lint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The path as given or as found by the walk.
    pub path: PathBuf,
    /// Its kind.
    pub kind: FileKind,
    /// Whether the user named it (explicit files are linted whatever their name).
    pub explicit: bool,
}

/// Walks `dir` in parallel, respecting `.gitignore` and friends, and returns the files whose
/// names drydock recognises, sorted by path.
#[must_use]
pub fn walk(dir: &Path, threads: usize) -> Vec<Candidate> {
    let (tx, rx) = std::sync::mpsc::channel();
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_global(true)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .threads(threads)
        .build_parallel()
        .run(|| {
            let tx = tx.clone();
            Box::new(move |entry| {
                if let Ok(entry) = entry
                    && entry
                        .file_type()
                        .is_some_and(|t| t.is_file() || t.is_symlink())
                    && let Some(kind) = kind_by_name(entry.path())
                {
                    let _ = tx.send(Candidate {
                        path: entry.path().to_owned(),
                        kind,
                        explicit: false,
                    });
                }
                ignore::WalkState::Continue
            })
        });
    drop(tx);
    let mut found: Vec<Candidate> = rx.into_iter().collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Strips a leading `./` the walk adds when started at `.`.
#[must_use]
pub fn display_path(path: &Path) -> PathBuf {
    path.strip_prefix("./")
        .map_or_else(|_| path.to_owned(), Path::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "Dockerfile-dev",
            "api.Dockerfile",
            "x.dockerfile",
            "Containerfile",
            "Containerfile.arm",
        ] {
            assert_eq!(
                kind_by_name(Path::new(name)),
                Some(FileKind::Dockerfile),
                "{name}"
            );
        }
        for name in [
            "compose.yaml",
            "compose.override.yml",
            "docker-compose.yml",
            "Docker-Compose.prod.YAML",
        ] {
            assert_eq!(
                kind_by_name(Path::new(name)),
                Some(FileKind::Compose),
                "{name}"
            );
        }
        for name in [
            "Dockerfile.dockerignore",
            ".dockerignore",
            "values.yaml",
            "README.md",
            "mydockerfile",
        ] {
            assert_eq!(kind_by_name(Path::new(name)), None, "{name}");
        }
        assert_eq!(kind_of_explicit(Path::new("stack.yml")), FileKind::Compose);
        assert_eq!(
            kind_of_explicit(Path::new("build.txt")),
            FileKind::Dockerfile
        );
    }
}
