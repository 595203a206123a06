//! Compose projects: which files make one, loading them with their `.env`, merging overrides,
//! resolving `include` and `extends`, reading `env_file`s — with every value remembering its
//! file and range.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use drydock_text::{SourceText, TextRange};

use crate::dotenv::{self, EnvFile};
use crate::interpolate::Environment;
use crate::merge;
use crate::tree::{Entry, FileId, Origin, Resolver, TreeProblem, Value, ValueKind, Via};
use crate::yaml::{self, Document};

/// Base file names Compose looks for, in order of preference.
pub const BASE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
/// Override file names Compose adds automatically, in order of preference.
pub const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Access to files (the CLI reads the disk; the LSP prefers open editor buffers).
pub trait FileSystem: Sync {
    /// Reads a file.
    ///
    /// # Errors
    /// I/O errors.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether a regular file exists there.
    fn is_file(&self, path: &Path) -> bool;
}

/// The real file system. It reads regular files only (see [`read_regular_file`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

/// `O_NONBLOCK` where its value is known: opening a FIFO then returns at once instead of
/// waiting for a writer (and reading a regular file is unaffected).
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "s390x",
        target_arch = "loongarch64"
    )
))]
const O_NONBLOCK: Option<i32> = Some(0o4000);
#[cfg(any(target_os = "macos", target_os = "freebsd", target_os = "openbsd"))]
const O_NONBLOCK: Option<i32> = Some(0x4);
#[cfg(not(any(
    all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    ),
    target_os = "macos",
    target_os = "freebsd",
    target_os = "openbsd"
)))]
const O_NONBLOCK: Option<i32> = None;

/// The error for a path that is not a regular file.
#[must_use]
pub fn not_regular_file() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "not a regular file (a FIFO, socket or device is never opened)",
    )
}

/// Reads a regular file, and nothing else: opening a FIFO would block until something writes
/// to it, and reading a device (`/dev/zero`) would never end. Where the platform allows, the
/// file is opened non-blocking and its type checked on the open handle, so nothing can swap it
/// for a FIFO between the check and the open; elsewhere the type is checked before opening.
///
/// # Errors
/// I/O errors, and [`not_regular_file`] for anything but a regular file (through symlinks).
pub fn read_regular_file(path: &Path) -> io::Result<Vec<u8>> {
    match read_regular_file_within(path, u64::MAX)? {
        Within::Read(bytes) => Ok(bytes),
        Within::TooLarge(size) => Err(io::Error::other(format!("{size} bytes is too large"))),
    }
}

/// What [`read_regular_file_within`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Within {
    /// The file's bytes.
    Read(Vec<u8>),
    /// The file's size, over the limit: nothing was read.
    TooLarge(u64),
}

/// [`read_regular_file`] of a file no larger than `limit` bytes: a larger one (by the size
/// the file system gives, asked of the open handle, so the check and the read are one look at
/// the file) is not read. The size is checked before the file's type, as a separate size check
/// before [`read_regular_file`] would.
///
/// # Errors
/// As [`read_regular_file`].
pub fn read_regular_file_within(path: &Path, limit: u64) -> io::Result<Within> {
    use std::io::Read;
    /// The size when over the limit; an error for anything but a regular file.
    fn judge(meta: &std::fs::Metadata, limit: u64) -> io::Result<Option<u64>> {
        if meta.len() > limit {
            Ok(Some(meta.len()))
        } else if meta.is_file() {
            Ok(None)
        } else {
            Err(not_regular_file())
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if let Some(flag) = O_NONBLOCK {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(flag);
    }
    // Without a non-blocking open, the type is checked before opening.
    if O_NONBLOCK.is_none()
        && let Some(size) = judge(&std::fs::metadata(path)?, limit)?
    {
        return Ok(Within::TooLarge(size));
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) => {
            // What cannot be opened (but is there) is still too large when it is (as a size
            // check before opening says).
            if e.kind() != io::ErrorKind::NotFound
                && let Ok(meta) = std::fs::metadata(path)
                && meta.len() > limit
            {
                return Ok(Within::TooLarge(meta.len()));
            }
            return Err(e);
        }
    };
    let meta = file.metadata()?;
    if let Some(size) = judge(&meta, limit)? {
        return Ok(Within::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(64 << 20));
    // Through `Take`: `File`'s own `read_to_end` asks the size and position again (two more
    // system calls per file); the capacity above already fits the file.
    file.take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(Within::Read(bytes))
}

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_regular_file(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.is_file())
    }
}

/// What a project file is.
#[derive(Clone, Debug)]
pub enum SourceKind {
    /// A compose file.
    Compose(Document),
    /// An env file (`.env`, `env_file`).
    Env(EnvFile),
}

/// A file read for the project.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Its path.
    pub path: PathBuf,
    /// Its text.
    pub source: SourceText,
    /// What it is.
    pub kind: SourceKind,
}

/// A project-level problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// YAML syntax errors, duplicate keys, alias bombs, too deep nesting (CMP102).
    Yaml {
        origin: Origin,
        message: String,
        related: Option<Origin>,
    },
    /// Interpolation errors (CMP103).
    Interpolation {
        origin: Origin,
        error: crate::interpolate::InterpError,
    },
    /// A variable without a default that is defined nowhere drydock looks (CMP103, warning).
    UnsetVariable {
        origin: Origin,
        name: String,
        span: (usize, usize),
    },
    /// An env file could not be parsed.
    EnvFile { origin: Origin, message: String },
    /// `extends` cannot be resolved or forms a cycle (CMP111).
    Extends { origin: Origin, message: String },
    /// `include` cannot be resolved (CMP112).
    Include { origin: Origin, message: String },
    /// A remote `include` (not fetched; DY005).
    RemoteInclude { origin: Origin, location: String },
    /// A reference outside the project root (not read; DY006).
    OutsideRoot { origin: Origin, path: PathBuf },
    /// A referenced file could not be read.
    Unreadable {
        origin: Option<Origin>,
        path: PathBuf,
        message: String,
    },
}

/// A service of the merged project.
#[derive(Clone)]
pub struct Service {
    /// The name.
    pub name: String,
    /// The service's key in the first file that declares it.
    pub key: Origin,
    /// The merged project's tree (see [`Service::value`]), shared: a copy of each service's
    /// definition was 2% of loading and linting a compose file.
    root: Arc<Value>,
    /// Where the definition is in `root`: the index of `services` among its entries, and of
    /// this service's among those of `services`.
    at: (usize, usize),
    /// Its profiles (it only runs when one of them is active).
    pub profiles: Vec<String>,
    /// Env files it loads: `(file id, path)` for each readable one.
    pub env_files: Vec<FileId>,
}

impl Service {
    /// The merged definition.
    #[must_use]
    pub fn value(&self) -> &Value {
        // `root` cannot change behind the `Arc` (a change would copy it), and `at` was found
        // in it.
        let (services, service) = self.at;
        let services = &self.root.entries().unwrap_or_default()[services].value;
        &services.entries().unwrap_or_default()[service].value
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name)
            .field("key", &self.key)
            .field("value", self.value())
            .field("profiles", &self.profiles)
            .field("env_files", &self.env_files)
            .finish()
    }
}

/// How to load a project.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The compose files, in `-f` order (base first).
    pub files: Vec<PathBuf>,
    /// The project directory (default: the first file's folder).
    pub project_dir: Option<PathBuf>,
    /// Env files replacing the project's `.env` (`--env-file`).
    pub env_files: Vec<PathBuf>,
    /// The process environment, when drydock is asked to use it (`--env-from-process`).
    pub process_env: Option<Vec<(String, String)>>,
    /// Active profiles (`--profile`): when any are given, services whose profiles are all
    /// inactive are left out, as Compose leaves them out. Empty: every service.
    pub profiles: Vec<String>,
    /// Folder outside which nothing is read (the walk root or the project folder, whichever is
    /// higher). `None`: no limit.
    pub root: Option<PathBuf>,
}

/// A loaded project.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The project directory.
    pub dir: PathBuf,
    /// Every file read, by [`FileId`].
    pub files: Vec<SourceFile>,
    /// The main compose files (base and overrides), in order.
    pub main_files: Vec<FileId>,
    /// Each main file's own resolved tree (before merging), for per-file checks.
    pub file_trees: Vec<(FileId, Arc<Value>)>,
    /// The merged tree. The same allocation as the only main file's tree when merging,
    /// `include` and `extends` changed nothing (the common project of one file).
    pub root: Option<Arc<Value>>,
    /// Services of the merged tree, in order.
    pub services: Vec<Service>,
    /// Problems.
    pub problems: Vec<Problem>,
    /// Variables used for interpolation.
    pub env: Environment,
    /// The `.env` (or `--env-file`) files used.
    pub env_sources: Vec<FileId>,
    /// The folder nothing outside of is read ([`LoadOptions::root`]); rules that read more
    /// files (a service's build Dockerfile) respect it too.
    pub boundary: Option<PathBuf>,
}

impl Project {
    /// The file with this id.
    #[must_use]
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id as usize]
    }

    /// The path of a file.
    #[must_use]
    pub fn path(&self, id: FileId) -> &Path {
        &self.files[id as usize].path
    }

    /// The service named `name`.
    #[must_use]
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    fn add_file(&mut self, path: PathBuf, source: SourceText, kind: SourceKind) -> FileId {
        let id = FileId::try_from(self.files.len()).unwrap_or(FileId::MAX);
        self.files.push(SourceFile { path, source, kind });
        id
    }

    /// Whether `path` is inside [`Project::boundary`] (lexically, after normalisation).
    #[must_use]
    pub fn is_within(&self, path: &Path) -> bool {
        within(self.boundary.as_deref(), path)
    }

    /// The id of an already loaded file.
    #[must_use]
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .and_then(|i| FileId::try_from(i).ok())
    }
}

/// Lexically normalises a path (`a/./b/../c` -> `a/c`) without touching the disk.
#[must_use]
pub fn normalize(path: &Path) -> PathBuf {
    // (On Unix one pass writes the normal form, whether or not the path is in it already.)
    if !cfg!(unix) && is_normal(path) {
        return path.to_owned();
    }
    normalize_bytes(path)
}

/// The names of a Unix path between its `/` separators, as `split` gives them (empty ones
/// included), found with `memchr` (a byte-by-byte split was most of the cost of a path).
fn names(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut separators = memchr::memchr_iter(b'/', bytes);
    std::iter::from_fn(move || {
        if start > bytes.len() {
            return None;
        }
        let end = separators.next().unwrap_or(bytes.len());
        let name = &bytes[start..end];
        start = end + 1;
        Some(name)
    })
}

/// [`normalize`] byte by byte on Unix (separators are `/`, no prefixes): the same as by
/// components, where `..` also takes back a `..` before it (`../..` is empty) and stays at the
/// root.
#[cfg(unix)]
fn normalize_bytes(path: &Path) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let bytes = path.as_os_str().as_encoded_bytes();
    let absolute = bytes.first() == Some(&b'/');
    // The names kept, joined by `/`, written in place after the root (one pass, no list of
    // names: this runs for every build context and included file).
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + 3);
    if absolute {
        out.push(b'/');
    }
    let base = out.len();
    let mut kept = 0usize;
    // A `..` kept at the root (`/..`), which a further `..` takes back.
    let mut above_root = false;
    for name in names(bytes) {
        match name {
            b"" | b"." => {}
            b".." if kept > 0 => {
                let last = out[base..].iter().rposition(|&b| b == b'/');
                out.truncate(last.map_or(base, |i| base + i));
                kept -= 1;
            }
            b".." if absolute => above_root = !above_root,
            name => {
                if kept > 0 {
                    out.push(b'/');
                }
                out.extend_from_slice(name);
                kept += 1;
            }
        }
    }
    if above_root {
        let at: &[u8] = if kept > 0 { b"../" } else { b".." };
        out.splice(base..base, at.iter().copied());
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

#[cfg(not(unix))]
fn normalize_bytes(path: &Path) -> PathBuf {
    normalize_components(path)
}

/// [`normalize`], component by component (on Unix, the reference of the tests).
#[cfg(any(not(unix), test))]
fn normalize_components(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The project a compose file belongs to, Compose's way: a base file (`compose.yaml`, ...) with
/// the first override file of the same folder; an override or `compose.<x>.yaml` overlay with
/// the folder's base file before it. Returns the files and whether the given file is an overlay
/// (then only findings located in it are reported).
#[must_use]
pub fn project_files(path: &Path, fs: &dyn FileSystem) -> (Vec<PathBuf>, bool) {
    let dir = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_base = BASE_NAMES.contains(&name.as_str());
    if is_base {
        let mut files = vec![path.to_owned()];
        if let Some(over) = OVERRIDE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| fs.is_file(p))
        {
            files.push(over);
        }
        return (files, false);
    }
    let overlay = OVERRIDE_NAMES.contains(&name.as_str())
        || ["compose.", "docker-compose."]
            .iter()
            .any(|prefix| name.starts_with(prefix));
    // Only an override or overlay looks for the base file beside it.
    let base = overlay
        .then(|| {
            BASE_NAMES
                .iter()
                .map(|n| dir.join(n))
                .find(|p| fs.is_file(p))
        })
        .flatten();
    match base {
        Some(base) if base != path => (vec![base, path.to_owned()], true),
        _ => (vec![path.to_owned()], false),
    }
}

/// Whether `path` is `folder` or inside it, lexically (after normalisation): as
/// `normalize(path).starts_with(normalize(folder))`, read byte by byte when both are normal.
#[must_use]
pub fn is_inside(folder: &Path, path: &Path) -> bool {
    within(Some(folder), path)
}

/// Whether `path` is inside `root` (lexically, after normalisation).
fn within(root: Option<&Path>, path: &Path) -> bool {
    root.is_none_or(|root| {
        if is_normal(path) && is_normal(root) {
            // Component by component is the same as byte by byte up to a separator.
            let (path, root) = (
                path.as_os_str().as_encoded_bytes(),
                root.as_os_str().as_encoded_bytes(),
            );
            return root.is_empty()
                || path.starts_with(root)
                    && (path.len() == root.len()
                        || path[root.len()] == b'/'
                        || root.ends_with(b"/"));
        }
        if plain(path) && plain(root) {
            path.starts_with(root)
        } else {
            normalize(path).starts_with(normalize(root))
        }
    })
}

/// Whether `path` is already in its normal form, as [`normalize`] writes it, read byte by byte
/// (paths are compared, hashed and normalised component by component, which costs ten times
/// more): on Unix, no `.` or `..` component, no empty one (`a//b`) and no separator at the end
/// but in `/`. (Elsewhere, with prefixes and two separators, `false`.)
fn is_normal(path: &Path) -> bool {
    if !cfg!(unix) {
        return false;
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    if bytes.is_empty() || bytes == b"/" {
        return true;
    }
    let inner = bytes.strip_prefix(b"/").unwrap_or(bytes);
    names(inner).all(|name| !matches!(name, b"" | b"." | b".."))
}

/// Whether `path` has no `.` or `..` component, so that [`normalize`] would not change its
/// components.
fn plain(path: &Path) -> bool {
    path.as_os_str()
        .as_encoded_bytes()
        .split(|&b| std::path::is_separator(char::from(b)))
        .all(|name| name != b"." && name != b"..")
}

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    opts: &'a LoadOptions,
    project: Project,
    include_depth: usize,
}

/// Loads a project. Never fails: what cannot be read becomes a [`Problem`].
#[must_use]
pub fn load(opts: &LoadOptions, fs: &dyn FileSystem) -> Project {
    let dir = opts
        .project_dir
        .clone()
        .or_else(|| {
            opts.files
                .first()
                .and_then(|f| f.parent())
                .map(Path::to_owned)
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let mut loader = Loader {
        fs,
        opts,
        project: Project {
            dir: dir.clone(),
            boundary: opts.root.clone(),
            ..Project::default()
        },
        include_depth: 0,
    };
    loader.project.env = loader.environment(&dir, opts);
    let env = loader.project.env.clone();
    let mut merged: Option<Arc<Value>> = None;
    for path in &opts.files {
        let Some((id, value)) = loader.compose_file(path, &env, None) else {
            continue;
        };
        let value = Arc::new(value);
        loader.project.main_files.push(id);
        loader.project.file_trees.push((id, Arc::clone(&value)));
        merged = Some(match merged {
            None => value,
            Some(base) => Arc::new(merge::merge(
                Arc::unwrap_or_clone(base),
                Arc::unwrap_or_clone(value),
                &[],
            )),
        });
    }
    // The tree is copied (from the file's own) only when `include` or `extends` changes it.
    if let Some(root) = merged.as_mut() {
        if root.get("include").is_some() {
            loader.includes(Arc::make_mut(root), &dir);
        }
        if has_extends(root) {
            loader.extends(Arc::make_mut(root));
        }
    }
    loader.project.root = merged;
    loader.services();
    loader.project
}

/// Whether a service of `root` has `extends` (only then does [`Loader::extends`] change it).
fn has_extends(root: &Value) -> bool {
    root.get("services")
        .and_then(Value::entries)
        .is_some_and(|services| services.iter().any(|e| e.value.get("extends").is_some()))
}

impl Loader<'_> {
    fn read(&mut self, path: &Path, origin: Option<Origin>) -> Option<SourceText> {
        if !within(self.opts.root.as_deref(), path) {
            if let Some(origin) = origin {
                self.project.problems.push(Problem::OutsideRoot {
                    origin,
                    path: path.to_owned(),
                });
            }
            return None;
        }
        match self.fs.read(path) {
            Ok(bytes) => Some(SourceText::from_bytes(bytes)),
            Err(e) => {
                let message = match e.kind() {
                    io::ErrorKind::NotFound => "no such file".to_owned(),
                    io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                    _ => e.to_string(),
                };
                self.project.problems.push(Problem::Unreadable {
                    origin,
                    path: path.to_owned(),
                    message,
                });
                None
            }
        }
    }

    /// The interpolation environment: `.env` (or `--env-file`s) under the process environment.
    fn environment(&mut self, dir: &Path, opts: &LoadOptions) -> Environment {
        let process = opts.process_env.clone();
        let outer = Environment::new(process.clone().unwrap_or_default(), process.is_some());
        let files: Vec<PathBuf> = if opts.env_files.is_empty() {
            let default = dir.join(".env");
            if self.fs.is_file(&default) {
                vec![default]
            } else {
                Vec::new()
            }
        } else {
            opts.env_files.clone()
        };
        let mut vars: Vec<(String, String)> = Vec::new();
        for path in files {
            if let Some(id) = self.env_file(&path, &outer, None) {
                self.project.env_sources.push(id);
                if let SourceKind::Env(file) = &self.project.file(id).kind {
                    vars.extend(file.to_environment());
                }
            }
        }
        if let Some(process) = process {
            vars.extend(process);
        }
        Environment::new(vars, outer.complete)
    }

    fn env_file(
        &mut self,
        path: &Path,
        outer: &Environment,
        origin: Option<Origin>,
    ) -> Option<FileId> {
        if let Some(id) = self.project.file_id(path) {
            return Some(id);
        }
        let source = self.read(path, origin)?;
        let parsed = dotenv::parse(source.text(), outer);
        let id = self
            .project
            .add_file(path.to_owned(), source, SourceKind::Env(parsed.clone()));
        if let Some((range, message)) = parsed.error {
            self.project.problems.push(Problem::EnvFile {
                origin: Origin { file: id, range },
                message,
            });
        }
        Some(id)
    }

    fn compose_file(
        &mut self,
        path: &Path,
        env: &Environment,
        origin: Option<Origin>,
    ) -> Option<(FileId, Value)> {
        let source = self.read(path, origin)?;
        let doc = yaml::parse(source.text());
        let id = self
            .project
            .add_file(path.to_owned(), source, SourceKind::Compose(doc));
        let SourceKind::Compose(doc) = &self.project.files[id as usize].kind else {
            return None;
        };
        let mut resolver = Resolver::new(id, doc, env);
        let value = resolver.resolve();
        let problems = std::mem::take(&mut resolver.problems);
        for p in problems {
            self.project.problems.push(match p {
                TreeProblem::Yaml {
                    origin,
                    message,
                    related,
                } => Problem::Yaml {
                    origin,
                    message,
                    related,
                },
                TreeProblem::Interpolation { origin, error } => {
                    Problem::Interpolation { origin, error }
                }
                TreeProblem::UnsetVariable { origin, name, span } => {
                    Problem::UnsetVariable { origin, name, span }
                }
            });
        }
        let value = value.unwrap_or_else(|| Value {
            origin: Origin {
                file: id,
                range: TextRange::default(),
            },
            via: Via::Direct,
            tag: None,
            kind: ValueKind::Map(Vec::new()),
        });
        Some((id, value))
    }

    fn path_of(&self, origin: Origin) -> PathBuf {
        self.project.path(origin.file).to_owned()
    }

    /// `include:`: each entry is loaded as its own project and its resources are copied in.
    fn includes(&mut self, root: &mut Value, dir: &Path) {
        let Some(items) = root
            .get("include")
            .and_then(Value::items)
            .map(<[Value]>::to_vec)
        else {
            return;
        };
        if self.include_depth > 16 {
            if let Some(first) = items.first() {
                self.project.problems.push(Problem::Include {
                    origin: first.origin,
                    message: "include nesting is deeper than 16 levels (a cycle?)".to_owned(),
                });
            }
            return;
        }
        for item in items {
            let (paths, project_dir, env_files): (Vec<&Value>, Option<&Value>, Vec<&Value>) =
                match &item.kind {
                    ValueKind::Map(_) => (
                        match item.get("path") {
                            Some(v) if v.items().is_some() => {
                                v.items().unwrap_or_default().iter().collect()
                            }
                            Some(v) => vec![v],
                            None => Vec::new(),
                        },
                        item.get("project_directory"),
                        match item.get("env_file") {
                            Some(v) if v.items().is_some() => {
                                v.items().unwrap_or_default().iter().collect()
                            }
                            Some(v) => vec![v],
                            None => Vec::new(),
                        },
                    ),
                    _ => (vec![&item], None, Vec::new()),
                };
            for path_value in paths {
                let Some(text) = path_value.str() else {
                    continue;
                };
                if path_value.scalar().is_some_and(|s| s.unknown) {
                    continue;
                }
                if text.contains("://") || text.starts_with("git@") || text.starts_with("oci:") {
                    self.project.problems.push(Problem::RemoteInclude {
                        origin: path_value.origin,
                        location: text.to_owned(),
                    });
                    continue;
                }
                let base_dir = self
                    .path_of(path_value.origin)
                    .parent()
                    .map_or_else(|| dir.to_owned(), Path::to_owned);
                let path = normalize(&base_dir.join(text));
                if self.project.file_id(&path).is_some() {
                    self.project.problems.push(Problem::Include {
                        origin: path_value.origin,
                        message: format!("`{text}` is included more than once (an include cycle?)"),
                    });
                    continue;
                }
                if !self.fs.is_file(&path) && within(self.opts.root.as_deref(), &path) {
                    self.project.problems.push(Problem::Include {
                        origin: path_value.origin,
                        message: format!("included file `{text}` does not exist"),
                    });
                    continue;
                }
                // The included project's own folder and .env; the including project's variables win.
                let sub_dir = project_dir.and_then(Value::str).map_or_else(
                    || {
                        path.parent()
                            .map_or_else(|| base_dir.clone(), Path::to_owned)
                    },
                    |d| normalize(&base_dir.join(d)),
                );
                let mut env = Environment::new(Vec::new(), self.project.env.complete);
                let env_paths: Vec<PathBuf> = if env_files.is_empty() {
                    vec![sub_dir.join(".env")]
                } else {
                    env_files
                        .iter()
                        .filter_map(|v| v.str())
                        .map(|p| normalize(&base_dir.join(p)))
                        .collect()
                };
                for env_path in env_paths {
                    if self.fs.is_file(&env_path)
                        && let Some(id) = self.env_file(
                            &env_path,
                            &self.project.env.clone(),
                            Some(path_value.origin),
                        )
                        && let SourceKind::Env(file) = &self.project.file(id).kind
                    {
                        for (k, v) in file.to_environment() {
                            env.set(&k, &v);
                        }
                    }
                }
                for (k, v) in self.project.env.vars() {
                    env.set(k, v);
                }
                let Some((_, mut included)) =
                    self.compose_file(&path, &env, Some(path_value.origin))
                else {
                    continue;
                };
                self.include_depth += 1;
                self.includes(&mut included, &sub_dir);
                self.include_depth -= 1;
                copy_resources(root, included);
            }
        }
    }

    /// Resolves `extends` for every service (cycles and missing targets are problems).
    /// Replaces each service that has `extends` with its resolved definition (see
    /// [`has_extends`]).
    fn extends(&mut self, root: &mut Value) {
        let Some(ValueKind::Map(top)) = root.get("services").map(|s| &s.kind) else {
            return;
        };
        // Only a service with `extends` changes: any other would be copied onto itself.
        let names: Vec<String> = top
            .iter()
            .filter(|e| e.value.get("extends").is_some())
            .map(|e| e.key.clone())
            .collect();
        let mut resolved: Vec<(String, Value)> = Vec::new();
        for name in names {
            let Some(entry) = top.iter().find(|e| e.key == name) else {
                continue;
            };
            let mut chain = vec![(self.path_of(entry.value.origin), name.clone())];
            let value = self.extend_service(&entry.value, root, &mut chain);
            resolved.push((name, value));
        }
        if let Some(ValueKind::Map(services)) = root_entries_mut(root, "services") {
            for (name, value) in resolved {
                if let Some(entry) = services.iter_mut().find(|e| e.key == name) {
                    entry.value = value;
                }
            }
        }
    }

    fn extend_service(
        &mut self,
        service: &Value,
        root: &Value,
        chain: &mut Vec<(PathBuf, String)>,
    ) -> Value {
        let Some(extends) = service.get("extends") else {
            return service.clone();
        };
        let (target_value, file_value) = match &extends.kind {
            ValueKind::Map(_) => (extends.get("service"), extends.get("file")),
            _ => (Some(extends), None),
        };
        let target_name = target_value.and_then(Value::str);
        let file = file_value.and_then(Value::str);
        // Problems point at the value to blame: the `file`, the `service`, or the whole `extends`.
        let file_origin = file_value.map_or(extends.origin, |v| v.origin);
        let target_origin = target_value.map_or(extends.origin, |v| v.origin);
        let Some(target_name) = target_name.map(str::to_owned) else {
            self.project.problems.push(Problem::Extends {
                origin: extends.origin,
                message: "`extends` needs a `service`".to_owned(),
            });
            return service.clone();
        };
        let here = self.path_of(extends.origin);
        let (base, base_path) = match file {
            Some(file) => {
                let path = normalize(&here.parent().unwrap_or(Path::new(".")).join(file));
                if !within(self.opts.root.as_deref(), &path) {
                    self.project.problems.push(Problem::OutsideRoot {
                        origin: file_origin,
                        path,
                    });
                    return service.clone();
                }
                let tree = match self.project.file_id(&path) {
                    Some(id) => self
                        .project
                        .file_trees
                        .iter()
                        .find(|(f, _)| *f == id)
                        .map(|(_, v)| v.clone()),
                    None => {
                        if !self.fs.is_file(&path) {
                            self.project.problems.push(Problem::Extends {
                                origin: file_origin,
                                message: format!("`extends` file `{file}` does not exist"),
                            });
                            return service.clone();
                        }
                        let env = self.project.env.clone();
                        let loaded = self.compose_file(&path, &env, Some(extends.origin));
                        loaded.map(|(id, tree)| {
                            let tree = Arc::new(tree);
                            self.project.file_trees.push((id, Arc::clone(&tree)));
                            tree
                        })
                    }
                };
                (
                    tree.and_then(|t| t.get("services").and_then(|s| s.get(&target_name)).cloned()),
                    path,
                )
            }
            None => (
                root.get("services")
                    .and_then(|s| s.get(&target_name))
                    .cloned(),
                here.clone(),
            ),
        };
        let Some(base) = base else {
            self.project.problems.push(Problem::Extends {
                origin: target_origin,
                message: format!(
                    "`extends` names service `{target_name}`, which is not defined there"
                ),
            });
            return service.clone();
        };
        if chain
            .iter()
            .any(|(p, n)| *p == base_path && *n == target_name)
        {
            let cycle: Vec<String> = chain
                .iter()
                .map(|(_, n)| n.clone())
                .chain(std::iter::once(target_name.clone()))
                .collect();
            self.project.problems.push(Problem::Extends {
                origin: target_origin,
                message: format!("`extends` forms a cycle: {}", cycle.join(" -> ")),
            });
            return service.clone();
        }
        if chain.len() > 32 {
            self.project.problems.push(Problem::Extends {
                origin: extends.origin,
                message: "`extends` chain is longer than 32 services".to_owned(),
            });
            return service.clone();
        }
        chain.push((base_path.clone(), target_name.clone()));
        // The same file's tree is borrowed, never cloned: a project with thousands of
        // services would copy all of them for every link of every chain.
        let other_root = if base_path == here {
            None
        } else {
            self.project.file_id(&base_path).and_then(|id| {
                self.project
                    .file_trees
                    .iter()
                    .find(|(f, _)| *f == id)
                    .map(|(_, v)| v.clone())
            })
        };
        let base = self.extend_service(&base, other_root.as_deref().unwrap_or(root), chain);
        chain.pop();
        let mut own = service.clone();
        if let ValueKind::Map(entries) = &mut own.kind {
            entries.retain(|e| e.key != "extends");
        }
        let mut merged = merge::merge(base, own, &["services", "_"]);
        merged.origin = service.origin;
        merged
    }

    fn services(&mut self) {
        let Some(root) = &self.project.root else {
            return;
        };
        let Some(at) = root
            .entries()
            .and_then(|entries| entries.iter().rposition(|e| e.key == "services"))
        else {
            return;
        };
        let Some(entries) = root.entries().unwrap_or_default()[at].value.entries() else {
            return;
        };
        let mut services = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let profiles: Vec<String> = entry
                .value
                .get("profiles")
                .and_then(Value::items)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            // With `--profile`, only the services Compose would start: those without profiles
            // and those with an active one (`*` activates every profile).
            let active = self.opts.profiles.is_empty()
                || profiles.is_empty()
                || self
                    .opts
                    .profiles
                    .iter()
                    .any(|p| p == "*" || profiles.contains(p));
            if !active {
                continue;
            }
            services.push(Service {
                name: entry.key.clone(),
                key: entry.key_origin,
                root: Arc::clone(root),
                at: (at, index),
                profiles,
                env_files: Vec::new(),
            });
        }
        let env = self.project.env.clone();
        for service in &mut services {
            let Some(env_file) = service.value().get("env_file") else {
                continue;
            };
            let here = self
                .project
                .path(env_file.origin.file)
                .parent()
                .map_or_else(|| self.project.dir.clone(), Path::to_owned);
            let items: Vec<(String, bool, Origin)> = match &env_file.kind {
                ValueKind::Seq(items) => items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        ValueKind::Map(_) => Some((
                            i.get("path")?.str()?.to_owned(),
                            i.get("required")
                                .and_then(Value::str)
                                .is_none_or(|r| r != "false"),
                            i.origin,
                        )),
                        _ => Some((i.str()?.to_owned(), true, i.origin)),
                    })
                    .collect(),
                _ => env_file
                    .str()
                    .map(|s| vec![(s.to_owned(), true, env_file.origin)])
                    .unwrap_or_default(),
            };
            for (path, required, origin) in items {
                let path = normalize(&here.join(path));
                if !required && !self.fs.is_file(&path) {
                    continue;
                }
                if let Some(id) = self.env_file(&path, &env, Some(origin)) {
                    service.env_files.push(id);
                }
            }
        }
        self.project.services = services;
    }
}

fn root_entries_mut<'v>(root: &'v mut Value, key: &str) -> Option<&'v mut ValueKind> {
    let ValueKind::Map(entries) = &mut root.kind else {
        return None;
    };
    entries
        .iter_mut()
        .find(|e| e.key == key)
        .map(|e| &mut e.value.kind)
}

/// Copies services, networks, volumes, secrets and configs of an included project into `root`
/// (a name already defined is kept: Compose only warns about the conflict).
fn copy_resources(root: &mut Value, included: Value) {
    let ValueKind::Map(included) = included.kind else {
        return;
    };
    let ValueKind::Map(entries) = &mut root.kind else {
        return;
    };
    for section in included {
        if !matches!(
            section.key.as_str(),
            "services" | "networks" | "volumes" | "secrets" | "configs" | "models"
        ) {
            continue;
        }
        let ValueKind::Map(items) = section.value.kind.clone() else {
            continue;
        };
        match entries.iter_mut().find(|e| e.key == section.key) {
            Some(existing) => {
                if let ValueKind::Map(existing_items) = &mut existing.value.kind {
                    for item in items {
                        if !existing_items.iter().any(|e: &Entry| e.key == item.key) {
                            existing_items.push(item);
                        }
                    }
                }
            }
            None => entries.push(section),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct MemFs(HashMap<PathBuf, String>);

    impl FileSystem for MemFs {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            self.0
                .get(path)
                .map(|s| s.clone().into_bytes())
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
        fn is_file(&self, path: &Path) -> bool {
            self.0.contains_key(path)
        }
    }

    fn fs(files: &[(&str, &str)]) -> MemFs {
        MemFs(
            files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
                .collect(),
        )
    }

    proptest::proptest! {
        /// The byte-level shortcuts of [`normalize`] and [`within`] give what components do.
        #[test]
        fn normal_forms_read_byte_by_byte_agree_with_components(
            a in proptest::collection::vec(proptest::sample::select(PATH_PIECES), 0..7),
            b in proptest::collection::vec(proptest::sample::select(PATH_PIECES), 0..7),
        ) {
            let (a, b) = (PathBuf::from(a.concat()), PathBuf::from(b.concat()));
            // The same bytes, not only the same components.
            proptest::prop_assert_eq!(
                normalize(&a).into_os_string(),
                normalize_components(&a).into_os_string()
            );
            if is_normal(&a) {
                proptest::prop_assert_eq!(&normalize_components(&a), &a);
            }
            let by_components = normalize(&a).starts_with(normalize(&b));
            proptest::prop_assert_eq!(within(Some(&b), &a), by_components, "{:?} in {:?}", a, b);
        }
    }

    const PATH_PIECES: &[&str] = &[
        "/", "//", "a", "b", "ab", ".", "..", "/.", "/..", ".a", "a.",
    ];

    #[test]
    fn within_reads_paths_as_their_normal_form() {
        let paths = [
            "/p",
            "/p/",
            "/p/a",
            "/p/a/b",
            "/pa/b",
            "/p//a",
            "/p/./a",
            "/p/a/..",
            "/p/a/../..",
            "/p/../p/a",
            "/p/.hidden/a",
            "/q/../p/a",
            ".",
            "./p",
            "p",
            "p/a",
            "../p/a",
            "/",
            "/p/..a",
            "/p/a.",
            "",
            "//",
            "/p/a/",
            "p/",
        ];
        for root in paths {
            for path in paths {
                let by_normal_form =
                    normalize(Path::new(path)).starts_with(normalize(Path::new(root)));
                assert_eq!(
                    within(Some(Path::new(root)), Path::new(path)),
                    by_normal_form,
                    "{path} within {root}"
                );
            }
        }
    }

    #[test]
    fn discovery() {
        let fs = fs(&[
            ("/p/compose.yaml", ""),
            ("/p/compose.override.yaml", ""),
            ("/p/docker-compose.prod.yml", ""),
            ("/q/stack.yml", ""),
        ]);
        assert_eq!(
            project_files(Path::new("/p/compose.yaml"), &fs),
            (
                vec![
                    PathBuf::from("/p/compose.yaml"),
                    PathBuf::from("/p/compose.override.yaml")
                ],
                false
            )
        );
        assert_eq!(
            project_files(Path::new("/p/compose.override.yaml"), &fs),
            (
                vec![
                    PathBuf::from("/p/compose.yaml"),
                    PathBuf::from("/p/compose.override.yaml")
                ],
                true
            )
        );
        assert!(project_files(Path::new("/p/docker-compose.prod.yml"), &fs).1);
        assert_eq!(
            project_files(Path::new("/q/stack.yml"), &fs),
            (vec![PathBuf::from("/q/stack.yml")], false)
        );
    }

    #[test]
    fn override_env_and_extends() {
        let fs = fs(&[
            ("/p/.env", "TAG=1.25\nUSER_ID=1000\n"),
            (
                "/p/compose.yaml",
                "services:\n  web:\n    image: nginx:${TAG}\n    cap_add: [NET_ADMIN]\n    environment:\n      A: 1\n  worker:\n    extends: web\n    user: ${USER_ID}\n",
            ),
            (
                "/p/compose.override.yaml",
                "services:\n  web:\n    cap_add: [SYS_TIME]\n    environment:\n      - B=2\n      - C=\n      - D\n    privileged: true\n",
            ),
        ]);
        let opts = LoadOptions {
            files: vec![
                PathBuf::from("/p/compose.yaml"),
                PathBuf::from("/p/compose.override.yaml"),
            ],
            ..LoadOptions::default()
        };
        let project = load(&opts, &fs);
        assert!(project.problems.is_empty(), "{:?}", project.problems);
        let web = project.service("web").unwrap();
        assert_eq!(web.value().get("image").unwrap().str(), Some("nginx:1.25"));
        let caps: Vec<&str> = web
            .value()
            .get("cap_add")
            .unwrap()
            .items()
            .unwrap()
            .iter()
            .filter_map(Value::str)
            .collect();
        assert_eq!(caps, ["NET_ADMIN", "SYS_TIME"]);
        // A mapping merged with a list stays a mapping (as Compose normalises it): `B=2` is
        // `B: "2"`, `C=` an empty string, a bare `D` a pass-through (null).
        let env: Vec<(&str, Option<&str>)> = web
            .value()
            .get("environment")
            .unwrap()
            .entries()
            .unwrap()
            .iter()
            .map(|e| (e.key.as_str(), e.value.str()))
            .collect();
        assert_eq!(
            env,
            [
                ("A", Some("1")),
                ("B", Some("2")),
                ("C", Some("")),
                ("D", None)
            ]
        );
        assert_eq!(
            web.value().get("privileged").unwrap().origin.file,
            2,
            "privileged comes from the override"
        );
        assert_eq!(
            project.path(web.key.file),
            Path::new("/p/compose.yaml"),
            "the service key is in the base file"
        );
        let worker = project.service("worker").unwrap();
        assert_eq!(
            worker.value().get("image").unwrap().str(),
            Some("nginx:1.25")
        );
        assert_eq!(worker.value().get("user").unwrap().str(), Some("1000"));
    }

    #[test]
    fn extends_cycles_and_remote_includes() {
        let fs = fs(&[(
            "/p/compose.yaml",
            "include:\n  - https://example.com/compose.yaml\n  - missing.yaml\nservices:\n  a:\n    extends: b\n  b:\n    extends: a\n",
        )]);
        let project = load(
            &LoadOptions {
                files: vec![PathBuf::from("/p/compose.yaml")],
                ..LoadOptions::default()
            },
            &fs,
        );
        assert!(
            project
                .problems
                .iter()
                .any(|p| matches!(p, Problem::RemoteInclude { .. }))
        );
        assert!(project.problems.iter().any(
            |p| matches!(p, Problem::Include { message, .. } if message.contains("does not exist"))
        ));
        assert!(
            project.problems.iter().any(
                |p| matches!(p, Problem::Extends { message, .. } if message.contains("cycle"))
            )
        );
    }

    #[test]
    fn references_outside_the_root_are_not_read() {
        let fs = fs(&[
            ("/p/compose.yaml", "include:\n  - ../secret/compose.yaml\n"),
            ("/secret/compose.yaml", "services: {}\n"),
        ]);
        let opts = LoadOptions {
            files: vec![PathBuf::from("/p/compose.yaml")],
            root: Some(PathBuf::from("/p")),
            ..LoadOptions::default()
        };
        let project = load(&opts, &fs);
        assert!(
            project
                .problems
                .iter()
                .any(|p| matches!(p, Problem::OutsideRoot { .. })),
            "{:?}",
            project.problems
        );
        assert_eq!(project.files.len(), 1);
    }
}
