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
    // (Compared ignoring ASCII case in place: a lowercased copy of each name, and the
    // component parsing of `Path::file_name`, were most of the cost of a long list of paths.)
    let name = std::str::from_utf8(file_name(path)?).ok()?.as_bytes();
    let is = |word: &str| name.eq_ignore_ascii_case(word.as_bytes());
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    let ends = |suffix: &str| {
        name.len() >= suffix.len()
            && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    if ends(".dockerignore") {
        return None;
    }
    let dockerfile = is("dockerfile")
        || starts("dockerfile.")
        || starts("dockerfile-")
        || ends(".dockerfile")
        || is("containerfile")
        || starts("containerfile.");
    if dockerfile {
        return Some(FileKind::Dockerfile);
    }
    let yaml = ends(".yaml") || ends(".yml");
    if yaml && (starts("compose") || starts("docker-compose")) {
        return Some(FileKind::Compose);
    }
    None
}

/// The kind of an explicitly named file: its name's kind, else `.yml`/`.yaml` as compose and
/// anything else as a Dockerfile.
#[must_use]
pub fn kind_of_explicit(path: &Path) -> FileKind {
    kind_by_name(path).unwrap_or_else(|| {
        // The extension as `Path::extension` reads it: after the name's last dot, unless that
        // dot starts the name.
        let extension = file_name(path).and_then(|name| {
            memchr::memrchr(b'.', name)
                .filter(|&at| at > 0)
                .map(|at| &name[at + 1..])
        });
        match extension {
            Some(ext) if ext.eq_ignore_ascii_case(b"yml") || ext.eq_ignore_ascii_case(b"yaml") => {
                FileKind::Compose
            }
            _ => FileKind::Dockerfile,
        }
    })
}

/// The bytes of `Path::file_name`: read after the last `/` when the path ends in a name
/// (neither `.` nor `..`), else from the components.
fn file_name(path: &Path) -> Option<&[u8]> {
    match split_name(path) {
        Some((_, name)) => Some(name),
        None => path.file_name().map(std::ffi::OsStr::as_encoded_bytes),
    }
}

/// What a path named on the command line is: what `std::fs::metadata` says (links followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// A folder (walked).
    Folder,
    /// A regular file.
    File,
    /// Anything else (a FIFO, a socket, a device).
    Other,
}

impl Named {
    fn of(file_type: std::fs::FileType) -> Self {
        if file_type.is_dir() {
            Self::Folder
        } else if file_type.is_file() {
            Self::File
        } else {
            Self::Other
        }
    }
}

/// Paths named in one folder from which that folder is listed instead of each being stat-ed.
const LISTED_FROM: usize = 16;

/// What each of `paths` is, as `std::fs::metadata` answers (the same answer, the same error).
///
/// A stat walks the whole path for every file; paths named by the dozen in one folder (a
/// pre-commit hook's list, a benchmark's) are looked up instead in one listing of the folder,
/// whose entries carry their type. A name the listing lacks, a link, an entry of another type
/// and a folder that cannot be listed are asked of `metadata`, as is every path not written as
/// `folder/name`, or in a folder that cannot be entered (where a stat of each fails). Runs on
/// the calling thread's rayon pool.
#[must_use]
pub fn named_types(paths: &[&Path]) -> Vec<std::io::Result<Named>> {
    use rayon::prelude::*;
    // Runs of paths in the same folder, as written (sorted lists put them together), with
    // each path's name in it.
    let mut runs: Vec<(Option<&[u8]>, std::ops::Range<usize>)> = Vec::new();
    let mut names: Vec<&[u8]> = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        let split = split_name(path);
        names.push(split.map_or(&[][..], |(_, name)| name));
        let folder = split.map(|(folder, _)| folder);
        match runs.last_mut() {
            Some((last, range)) if folder.is_some() && *last == folder => range.end = i + 1,
            _ => runs.push((folder, i..i + 1)),
        }
    }
    let stat = |path: &Path| std::fs::metadata(path).map(|m| Named::of(m.file_type()));
    let answers: Vec<Vec<std::io::Result<Named>>> = runs
        .par_iter()
        .map(|(folder, range)| {
            let named = &paths[range.clone()];
            let listed = folder
                .filter(|_| named.len() >= LISTED_FROM)
                .and_then(|folder| list(folder, &names[range.clone()]));
            match listed {
                Some(found) => named
                    .iter()
                    .zip(found)
                    .map(|(path, found)| found.map_or_else(|| stat(path), Ok))
                    .collect(),
                None => named.iter().map(|path| stat(path)).collect(),
            }
        })
        .collect();
    answers.into_iter().flatten().collect()
}

/// `path` as the folder to list and the name in it, when it is written `folder/name` (or
/// `name`, in `.`) with a name that is not `.` or `..` (so no separator after it).
fn split_name(path: &Path) -> Option<(&[u8], &[u8])> {
    let bytes = path.as_os_str().as_encoded_bytes();
    let (folder, name) = match memchr::memrchr(b'/', bytes) {
        // `a//b` lists `a/`, the same folder as `a`; `/b` lists `/`.
        Some(at) => (&bytes[..at.max(1)], &bytes[at + 1..]),
        None => (&b"."[..], bytes),
    };
    if name.is_empty() || name == b"." || name == b".." {
        return None;
    }
    Some((folder, name))
}

/// Bytes of an `OsStr` cut at an ASCII `/`, as an `OsStr` again (elsewhere than on Unix, only
/// when they are UTF-8).
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)]
fn os_str(bytes: &[u8]) -> Option<&std::ffi::OsStr> {
    use std::os::unix::ffi::OsStrExt;
    Some(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn os_str(bytes: &[u8]) -> Option<&std::ffi::OsStr> {
    std::str::from_utf8(bytes).ok().map(std::ffi::OsStr::new)
}

/// The type of each of `names` (all in `folder`) that the listing of `folder` gives as a
/// folder or a regular file; `None` for the others; `None` in all when it cannot be listed.
fn list(folder: &[u8], names: &[&[u8]]) -> Option<Vec<Option<Named>>> {
    let folder = Path::new(os_str(folder)?);
    // A folder that can be read but not entered lists its names, while a stat of each fails:
    // `folder/.` is reached only by entering it.
    std::fs::metadata(folder.join(".")).ok()?;
    let mut wanted: foldhash::HashMap<&[u8], Vec<usize>> = foldhash::HashMap::default();
    for (i, name) in names.iter().enumerate() {
        wanted.entry(name).or_default().push(i);
    }
    let mut found = vec![None; names.len()];
    for entry in std::fs::read_dir(folder).ok()? {
        let Ok(entry) = entry else { return None };
        let name = entry.file_name();
        let Some(at) = wanted.get(name.as_encoded_bytes()) else {
            continue;
        };
        // A link (or an entry the listing gives no type for) is stat-ed: links are followed.
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() || file_type.is_file() {
            for &i in at {
                found[i] = Some(Named::of(file_type));
            }
        }
    }
    Some(found)
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

    /// `kind_by_name` as it was written first: `Path::file_name` and a lowercased copy.
    fn kind_by_name_reference(path: &Path) -> Option<FileKind> {
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

    fn kind_of_explicit_reference(path: &Path) -> FileKind {
        kind_by_name_reference(path).unwrap_or_else(|| {
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

    #[test]
    fn kinds_agree_with_the_reference_on_edge_paths() {
        for path in [
            "",
            ".",
            "..",
            "/",
            "a/",
            "a/.",
            "a/..",
            "./Dockerfile",
            "a//compose.yml",
            "Dockerfile/",
            "x/compose.yaml/.",
            ".yml",
            "a/.yml",
            "..yml",
            "a.",
            "a.YmL",
            "DOCKERFILE",
            "dockerfile.",
            "Containerfile.",
            ".dockerignore",
            "compose.yml.dockerignore",
            "Docker-Compose.YAML",
            "composeyml",
            "compose.yml ",
            "é.yml",
            "Dockerfilé",
        ] {
            let path = Path::new(path);
            assert_eq!(kind_by_name(path), kind_by_name_reference(path), "{path:?}");
            assert_eq!(
                kind_of_explicit(path),
                kind_of_explicit_reference(path),
                "{path:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn kinds_agree_with_the_reference_on_bytes_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        for bytes in [
            &b"\xff.yml"[..],
            b"a/\xffDockerfile",
            b"compose\xff.yaml",
            b"x.\xff",
        ] {
            let path = Path::new(std::ffi::OsStr::from_bytes(bytes));
            assert_eq!(kind_by_name(path), kind_by_name_reference(path), "{path:?}");
            assert_eq!(
                kind_of_explicit(path),
                kind_of_explicit_reference(path),
                "{path:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn kinds_agree_with_the_reference(
            path in "(\\.{0,2}/|/){0,2}([a-z]{0,3}/){0,2}(\\.?(docker|Docker|DOCKER|container|Container|compose|Compose|docker-compose|x)?[-.]?(file|File|FILE|ignore|override|dockerfile|Dockerfile|dockerignore)?\\.?(yml|yaml|YML|Yaml|txt|ml)?)(/|/\\.|/\\.\\.)?"
        ) {
            let path = Path::new(&path);
            proptest::prop_assert_eq!(kind_by_name(path), kind_by_name_reference(path), "{:?}", path);
            proptest::prop_assert_eq!(
                kind_of_explicit(path),
                kind_of_explicit_reference(path),
                "{:?}",
                path
            );
        }
    }

    #[test]
    fn folders_listed_for_named_paths() {
        for (path, split) in [
            ("a/b", Some(("a", "b"))),
            ("b", Some((".", "b"))),
            ("/b", Some(("/", "b"))),
            ("a//b", Some(("a/", "b"))),
            ("a/b/", None),
            ("a/.", None),
            ("a/..", None),
            ("..", None),
            ("/", None),
        ] {
            let want = split.map(|(f, n)| (f.as_bytes(), n.as_bytes()));
            assert_eq!(split_name(Path::new(path)), want, "{path}");
        }
    }

    /// Whether read from a folder's listing or stat-ed, each path gets what `metadata` gives.
    #[test]
    fn named_types_agree_with_metadata() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let mut names: Vec<String> = (0..LISTED_FROM).map(|i| format!("f{i}")).collect();
        for name in &names {
            std::fs::write(root.join(name), "x").expect("write");
        }
        std::fs::create_dir(root.join("folder")).expect("mkdir");
        names.extend(["folder", "missing", "f1"].map(String::from));
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(root.join("f0"), root.join("to-file")).expect("symlink");
            symlink(root.join("folder"), root.join("to-folder")).expect("symlink");
            symlink(root.join("nowhere"), root.join("dangling")).expect("symlink");
            let status = std::process::Command::new("mkfifo")
                .arg(root.join("fifo"))
                .status()
                .expect("mkfifo");
            assert!(status.success());
            names.extend(["to-file", "to-folder", "dangling", "fifo"].map(String::from));
        }
        // Not listed: other forms, and a run too short to list.
        names.extend(["folder/", "f0/", "folder/.", "folder/..", "folder/../f2"].map(String::from));
        let paths: Vec<PathBuf> = names.iter().map(|n| root.join(n)).collect();
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let got = named_types(&refs);
        assert_eq!(got.len(), refs.len());
        let mut kinds = std::collections::HashSet::new();
        for (path, got) in refs.iter().zip(got) {
            let want = std::fs::metadata(path).map(|m| Named::of(m.file_type()));
            match (got, want) {
                (Ok(got), Ok(want)) => {
                    assert_eq!(got, want, "{}", path.display());
                    kinds.insert(format!("{got:?}"));
                }
                (Err(got), Err(want)) => assert_eq!(got.kind(), want.kind(), "{}", path.display()),
                (got, want) => panic!("{}: {got:?}, metadata {want:?}", path.display()),
            }
        }
        let expected = if cfg!(unix) { 3 } else { 2 };
        assert_eq!(kinds.len(), expected, "{kinds:?}");
    }
}
