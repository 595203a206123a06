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

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files whose names drydock recognises, sorted by path.
    pub files: Vec<Candidate>,
    /// Problems met (an ignore file that is a FIFO or a device): the folder holding it is
    /// skipped, since reading it would block the walk.
    pub errors: Vec<String>,
    /// Ignore sources left out, with why (the walk goes on without them).
    pub warnings: Vec<String>,
}

/// Ignore files the walk reads in each folder (`require_git(false)`: everywhere).
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".git/info/exclude"];

/// Whether `path` exists and is something reading would block on or never finish (a FIFO, a
/// socket, a device): neither a regular file nor a folder. A missing file is fine.
fn irregular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The first ignore file of `dir` the walk must not read.
fn irregular_ignore_file(dir: &Path) -> Option<PathBuf> {
    IGNORE_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| irregular(p))
}

/// Whether git's global excludes file can be read safely: the configuration files naming it
/// and the file itself are regular files (or missing).
fn global_ignore_is_safe() -> Result<(), PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let mut configs: Vec<PathBuf> = Vec::new();
    for var in ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"] {
        configs.extend(
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        );
    }
    configs.extend(home.map(|h| h.join(".gitconfig")));
    configs.extend(xdg.map(|x| x.join("git/config")));
    configs.push(PathBuf::from("/etc/gitconfig"));
    if let Some(bad) = configs.into_iter().find(|p| irregular(p)) {
        return Err(bad);
    }
    match ignore::gitignore::gitconfig_excludes_path() {
        Some(path) if irregular(&path) => Err(path),
        _ => Ok(()),
    }
}

/// Walks `dir` in parallel, respecting `.gitignore` and friends, and returns the files whose
/// names drydock recognises, sorted by path.
///
/// Ignore files are read by the walker itself, which would block on a FIFO: each folder's are
/// checked first, and a folder whose ignore file is a FIFO, socket or device is skipped with an
/// error. Such a file in a folder above `dir` (the walker reads them all once it reads any)
/// turns ignore files off for the walk, and as git's global excludes file leaves that file out,
/// each with a warning.
#[must_use]
pub fn walk(dir: &Path, threads: usize) -> Walk {
    let mut out = Walk::default();
    if let Some(bad) = irregular_ignore_file(dir) {
        out.errors.push(format!(
            "{}: not a regular file (a FIFO, socket or device is never opened); {} not walked",
            bad.display(),
            dir.display()
        ));
        return out;
    }
    let parents_safe = std::fs::canonicalize(dir).map_or(true, |abs| {
        match abs.ancestors().skip(1).find_map(irregular_ignore_file) {
            Some(bad) => {
                out.warnings.push(format!(
                    "{}: not a regular file (a FIFO, socket or device is never opened); the walk of {} reads no ignore files",
                    bad.display(),
                    dir.display()
                ));
                false
            }
            None => true,
        }
    });
    let global_safe = match global_ignore_is_safe() {
        Ok(()) => true,
        Err(bad) => {
            out.warnings.push(format!(
                "{}: not a regular file (a FIFO, socket or device is never opened); git's global ignore file is not read",
                bad.display()
            ));
            false
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let (err_tx, err_rx) = std::sync::mpsc::channel();
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_global(global_safe && parents_safe)
        .git_ignore(parents_safe)
        .git_exclude(parents_safe)
        .ignore(parents_safe)
        .parents(parents_safe)
        .require_git(false)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if e.file_type().is_some_and(|t| t.is_dir())
                && let Some(bad) = irregular_ignore_file(e.path())
            {
                let _ = err_tx.send(format!(
                    "{}: not a regular file (a FIFO, socket or device is never opened); {} skipped",
                    bad.display(),
                    e.path().display()
                ));
                return false;
            }
            true
        })
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
    out.files = rx.into_iter().collect();
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.errors.extend(err_rx.try_iter());
    out.errors.sort();
    out
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
