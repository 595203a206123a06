//! Compose files: services and where they are named, the files a compose file points at, and
//! `${VAR}` references, read from the spanned YAML tree (aliases are never expanded, so an
//! anchor merged into several services is read once, where it is written).
//!
//! **Services.** A service is declared by its key under `services:` (in the base file and in
//! each override that repeats it) and referred to by `depends_on` (list items and map keys),
//! `extends` (`extends: name`, `extends: {service: name}`; with `file:`, the service of that
//! file), `network_mode`/`pid`/`ipc: service:name`, `volumes_from` (`name`, `name:ro`),
//! `links` (`name`, `name:alias`) and `build.additional_contexts` (`service:name`). References
//! written in a mapping merged into a service (`<<: *defaults`, the anchor in an `x-` field)
//! count once, where they are written; the merge key and the alias never do.
//!
//! **Projects.** The files that share service names are the compose files of the folder (the
//! base file, its overrides and `compose.<x>.yaml` overlays), open buffers winning over the
//! disk, and the files they `include`. A service of a file named by `extends: {file: ...}`
//! belongs to that file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use drydock_compose::yaml::{self, Document, Node, NodeKind, Style};
use drydock_compose::{dotenv, interpolate, project};
use drydock_text::{LineIndex, SourceText, TextRange, TextSize};
use lsp_types::Uri;

use crate::document::{Document as OpenDocument, Kind};
use crate::session::Snapshot;

/// Where a service reference looks for the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Namespace {
    /// The project of the file the reference is in.
    Project,
    /// The file named by `extends: {file: ...}` (an absolute, normalised path).
    File(PathBuf),
}

/// A service name written in a compose file.
#[derive(Clone, Debug)]
pub(crate) struct ServiceName {
    /// The name's bytes (inside quotes, after `service:`).
    pub(crate) range: TextRange,
    /// The name.
    pub(crate) name: String,
    /// Whether this is a key under `services:`.
    pub(crate) declaration: bool,
    /// Where the service is looked up.
    pub(crate) namespace: Namespace,
}

/// What a path in a compose file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// A top-level `include` entry.
    Include,
    /// Anything else (`extends.file`, `env_file`, `build.dockerfile`, `build` context).
    Other,
}

/// A path written in a compose file.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    /// The scalar.
    pub(crate) range: TextRange,
    /// The file it names (absolute when the compose file has a path).
    pub(crate) target: PathBuf,
    pub(crate) kind: LinkKind,
}

/// A `${VAR}` / `$VAR` in a value.
#[derive(Clone, Debug)]
pub(crate) struct VarName {
    /// The name's bytes.
    pub(crate) range: TextRange,
    pub(crate) name: String,
}

/// A compose file read for navigation.
pub(crate) struct File {
    pub(crate) path: Option<PathBuf>,
    pub(crate) uri: Uri,
    /// The open buffer's version (`None` for a file read from disk).
    pub(crate) version: Option<i32>,
    pub(crate) text: Arc<str>,
    pub(crate) index: Arc<LineIndex>,
    pub(crate) services: Vec<ServiceName>,
    pub(crate) links: Vec<Link>,
    pub(crate) vars: Vec<VarName>,
}

impl File {
    /// Reads a compose file's names.
    pub(crate) fn new(
        path: Option<PathBuf>,
        uri: Uri,
        version: Option<i32>,
        text: Arc<str>,
        index: Arc<LineIndex>,
    ) -> Self {
        let doc = yaml::parse(&text);
        let dir = path.as_deref().and_then(Path::parent);
        let services = services(&text, &doc, dir);
        let links = links(&text, &doc, dir);
        let vars = vars(&text, &doc);
        Self {
            path,
            uri,
            version,
            text,
            index,
            services,
            links,
            vars,
        }
    }

    fn from_document(doc: &OpenDocument) -> Self {
        Self::new(
            doc.path.clone(),
            doc.uri.clone(),
            Some(doc.version),
            doc.text.clone(),
            doc.index.clone(),
        )
    }
}

// --- reading the tree ----------------------------------------------------------------------

/// The range of a scalar's value, when it can be placed exactly: the text as written for a
/// plain scalar, inside the quotes for a quoted one without escapes.
fn scalar_range<'t>(text: &'t str, node: &Node) -> Option<(TextRange, &'t str)> {
    let scalar = node.as_scalar()?;
    let raw = &text[node.range];
    match scalar.style {
        Style::Plain if raw == scalar.value => Some((node.range, raw)),
        Style::SingleQuoted | Style::DoubleQuoted => {
            let inner = raw.get(1..raw.len().saturating_sub(1))?;
            (inner == scalar.value).then(|| {
                let start = usize::from(node.range.start()) + 1;
                (drydock_text::range(start, start + inner.len()), inner)
            })
        }
        _ => None,
    }
}

/// A sub-range `start..end` of a scalar placed by [`scalar_range`].
fn sub(range: TextRange, start: usize, end: usize) -> TextRange {
    let base = usize::from(range.start());
    drydock_text::range(base + start, base + end)
}

fn anchor(doc: &Document, id: usize) -> Option<&Node> {
    doc.anchors.iter().find(|(i, _)| *i == id).map(|(_, n)| n)
}

/// Service declarations and references.
fn services(text: &str, doc: &Document, dir: Option<&Path>) -> Vec<ServiceName> {
    let mut out = Vec::new();
    let Some(root) = &doc.root else {
        return out;
    };
    let Some(services) = root.get("services") else {
        return out;
    };
    let mut bodies: Vec<&Node> = Vec::new();
    let mut seen: Vec<TextRange> = Vec::new();
    if let Some(entries) = services.as_mapping() {
        for (key, value) in entries {
            if key.as_str() == Some("<<") {
                continue;
            }
            if let Some((range, name)) = scalar_range(text, key) {
                out.push(ServiceName {
                    range,
                    name: name.to_owned(),
                    declaration: true,
                    namespace: Namespace::Project,
                });
            }
            bodies.push(value);
        }
    }
    // Service bodies, then the anchors merged into them (each mapping read once).
    while let Some(body) = bodies.pop() {
        match &body.kind {
            NodeKind::Alias(id) => bodies.extend(anchor(doc, *id)),
            NodeKind::Mapping(entries) => {
                if seen.contains(&body.range) {
                    continue;
                }
                seen.push(body.range);
                for (key, value) in entries {
                    match key.as_str() {
                        Some("<<") => match &value.kind {
                            NodeKind::Sequence(items) => bodies.extend(items),
                            _ => bodies.push(value),
                        },
                        Some(key) => service_field(text, doc, dir, key, value, &mut out),
                        None => {}
                    }
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|s| s.range.start());
    out.dedup_by_key(|s| s.range);
    out
}

/// References in one field of a service.
fn service_field(
    text: &str,
    doc: &Document,
    dir: Option<&Path>,
    key: &str,
    value: &Node,
    out: &mut Vec<ServiceName>,
) {
    let mut push = |range: TextRange, name: &str, namespace: Namespace| {
        if !name.is_empty() {
            out.push(ServiceName {
                range,
                name: name.to_owned(),
                declaration: false,
                namespace,
            });
        }
    };
    // Scalars of a sequence (aliases to scalars read where their anchor is).
    let items = |node: &'_ Node| -> Vec<Node> {
        node.as_sequence()
            .unwrap_or_default()
            .iter()
            .map(|item| match &item.kind {
                NodeKind::Alias(id) => anchor(doc, *id).cloned().unwrap_or_else(|| item.clone()),
                _ => item.clone(),
            })
            .collect()
    };
    match key {
        "depends_on" => match &value.kind {
            NodeKind::Sequence(_) => {
                for item in items(value) {
                    if let Some((range, name)) = scalar_range(text, &item) {
                        push(range, name, Namespace::Project);
                    }
                }
            }
            NodeKind::Mapping(entries) => {
                for (k, _) in entries {
                    if k.as_str() != Some("<<")
                        && let Some((range, name)) = scalar_range(text, k)
                    {
                        push(range, name, Namespace::Project);
                    }
                }
            }
            _ => {}
        },
        "extends" => {
            if let Some((range, name)) = scalar_range(text, value) {
                push(range, name, Namespace::Project);
            } else if value.as_mapping().is_some() {
                let namespace = match value.get("file").and_then(Node::as_str) {
                    Some(file) => Namespace::File(resolve(dir, file)),
                    None => Namespace::Project,
                };
                if let Some(service) = value.get("service")
                    && let Some((range, name)) = scalar_range(text, service)
                {
                    push(range, name, namespace);
                }
            }
        }
        "network_mode" | "pid" | "ipc" => {
            if let Some((range, raw)) = scalar_range(text, value)
                && let Some(name) = raw.strip_prefix("service:")
            {
                push(sub(range, 8, raw.len()), name, Namespace::Project);
            }
        }
        "volumes_from" | "links" => {
            for item in items(value) {
                if let Some((range, raw)) = scalar_range(text, &item) {
                    if raw.starts_with("container:") {
                        continue;
                    }
                    let (skip, rest) = match raw.strip_prefix("service:") {
                        Some(rest) => (8, rest),
                        None => (0, raw),
                    };
                    let name = rest.split(':').next().unwrap_or(rest);
                    push(
                        sub(range, skip, skip + name.len()),
                        name,
                        Namespace::Project,
                    );
                }
            }
        }
        "build" => {
            let Some(contexts) = value.get("additional_contexts") else {
                return;
            };
            let values: Vec<Node> = match &contexts.kind {
                NodeKind::Mapping(entries) => entries.iter().map(|(_, v)| v.clone()).collect(),
                NodeKind::Sequence(_) => items(contexts),
                _ => Vec::new(),
            };
            for v in values {
                if let Some((range, raw)) = scalar_range(text, &v) {
                    // `name=service:x` in the list form.
                    let offset = if contexts.as_sequence().is_some() {
                        raw.find('=').map_or(raw.len(), |i| i + 1)
                    } else {
                        0
                    };
                    if let Some(name) = raw[offset..].strip_prefix("service:") {
                        let start = offset + 8;
                        push(
                            sub(range, start, start + name.len()),
                            name,
                            Namespace::Project,
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

/// A path relative to `dir`, normalised.
fn resolve(dir: Option<&Path>, path: &str) -> PathBuf {
    let path = Path::new(path);
    match dir {
        Some(dir) if path.is_relative() => project::normalize(&dir.join(path)),
        _ => project::normalize(path),
    }
}

/// Whether a path is a remote location (a Git URL), not a file.
fn remote(path: &str) -> bool {
    path.contains("://") || path.starts_with("git@") || path.starts_with("github.com/")
}

/// The files a compose file names.
fn links(text: &str, doc: &Document, dir: Option<&Path>) -> Vec<Link> {
    let mut out = Vec::new();
    let Some(root) = &doc.root else {
        return out;
    };
    let mut contexts: Vec<Link> = Vec::new();
    let mut add = |node: &Node, base: Option<&Path>, kind: LinkKind| {
        if let Some((range, raw)) = scalar_range(text, node)
            && !raw.is_empty()
            && !remote(raw)
        {
            out.push(Link {
                range,
                target: resolve(base, raw),
                kind,
            });
        }
    };
    let scalars = |node: &Node| -> Vec<Node> {
        match &node.kind {
            NodeKind::Sequence(items) => items.clone(),
            _ => vec![node.clone()],
        }
    };
    if let Some(include) = root.get("include") {
        for item in scalars(include) {
            if item.as_mapping().is_some() {
                for path in item.get("path").map(&scalars).unwrap_or_default() {
                    add(&path, dir, LinkKind::Include);
                }
                for env in item.get("env_file").map(&scalars).unwrap_or_default() {
                    add(&env, dir, LinkKind::Other);
                }
            } else {
                add(&item, dir, LinkKind::Include);
            }
        }
    }
    for section in ["configs", "secrets"] {
        for (_, value) in root
            .get(section)
            .and_then(Node::as_mapping)
            .unwrap_or_default()
        {
            if let Some(file) = value.get("file") {
                add(file, dir, LinkKind::Other);
            }
        }
    }
    for (_, service) in root
        .get("services")
        .and_then(Node::as_mapping)
        .unwrap_or_default()
    {
        if service.as_mapping().is_none() {
            continue;
        }
        if let Some(file) = service.get("extends").and_then(|e| e.get("file")) {
            add(file, dir, LinkKind::Other);
        }
        if let Some(env) = service.get("env_file") {
            for item in scalars(env) {
                match item.get("path") {
                    Some(path) => add(path, dir, LinkKind::Other),
                    None => add(&item, dir, LinkKind::Other),
                }
            }
        }
        match service.get("build") {
            Some(build) if build.as_mapping().is_some() => {
                let context = build
                    .get("context")
                    .and_then(Node::as_str)
                    .unwrap_or(".")
                    .to_owned();
                if remote(&context) {
                    continue;
                }
                let context = resolve(dir, &context);
                if let Some(dockerfile) = build.get("dockerfile") {
                    add(dockerfile, Some(&context), LinkKind::Other);
                }
            }
            Some(build) => {
                // `build: ./app`: the folder's Dockerfile.
                if let Some((range, raw)) = scalar_range(text, build)
                    && !raw.is_empty()
                    && !remote(raw)
                {
                    contexts.push(Link {
                        range,
                        target: resolve(dir, raw).join("Dockerfile"),
                        kind: LinkKind::Other,
                    });
                }
            }
            None => {}
        }
    }
    out.extend(contexts);
    out.sort_by_key(|l| l.range.start());
    out
}

/// `${VAR}` references in values (not keys; `$$` is a literal `$`).
fn vars(text: &str, doc: &Document) -> Vec<VarName> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = doc.root.iter().collect();
    while let Some(node) = stack.pop() {
        match &node.kind {
            NodeKind::Mapping(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            NodeKind::Sequence(items) => stack.extend(items),
            NodeKind::Alias(_) => {}
            NodeKind::Scalar(s) => {
                if !s.value.contains('$') {
                    continue;
                }
                // Plain and quoted scalars without escapes map exactly; block scalars keep
                // their text line by line after the indentation, so they are read as written.
                let (base, raw) = match scalar_range(text, node) {
                    Some((range, raw)) => (range, raw),
                    None if matches!(s.style, Style::Literal | Style::Folded) => {
                        (node.range, &text[node.range])
                    }
                    None => continue,
                };
                for r in interpolate::interpolate(raw, &()).refs {
                    let at = r.span.0;
                    let skip = if raw[at..].starts_with("${") { 2 } else { 1 };
                    let start = at + skip;
                    let end = start + r.name.len();
                    if raw.get(start..end) == Some(r.name.as_str()) {
                        out.push(VarName {
                            range: sub(base, start, end),
                            name: r.name,
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|v| v.range.start());
    out
}

// --- projects --------------------------------------------------------------------------------

/// Whether a file name is one Compose or drydock reads as a compose file.
fn is_compose_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && (name.starts_with("compose") || name.starts_with("docker-compose"))
}

/// Sort key of a project file: the base first, then overrides, then overlays by name.
fn rank(path: &Path) -> (usize, String) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rank = project::BASE_NAMES
        .iter()
        .position(|n| *n == name)
        .or_else(|| {
            project::OVERRIDE_NAMES
                .iter()
                .position(|n| *n == name)
                .map(|i| 10 + i)
        })
        .unwrap_or(100);
    (rank, name)
}

/// Compose files loaded for one request: the document asked about first, open buffers winning
/// over the disk, nothing read outside the workspace folder (or the document's folder).
pub(crate) struct Files<'a> {
    snapshot: &'a Snapshot,
    root: Option<PathBuf>,
    pub(crate) files: Vec<File>,
    by_path: HashMap<PathBuf, Option<usize>>,
    projects: HashMap<usize, Vec<usize>>,
}

/// Files bigger than this are not read.
const MAX_SIZE: u64 = 10 * 1024 * 1024;

impl<'a> Files<'a> {
    /// Starts with `doc` (file 0).
    pub(crate) fn new(snapshot: &'a Snapshot, doc: &OpenDocument) -> Self {
        let root = doc.path.as_deref().and_then(|p| {
            snapshot
                .root_of(p)
                .map(Path::to_owned)
                .or_else(|| p.parent().map(Path::to_owned))
        });
        let mut files = Self {
            snapshot,
            root,
            files: vec![File::from_document(doc)],
            by_path: HashMap::new(),
            projects: HashMap::new(),
        };
        if let Some(path) = &doc.path {
            files.by_path.insert(path.clone(), Some(0));
        }
        files
    }

    fn open(&self, path: &Path) -> Option<&'a Arc<OpenDocument>> {
        self.snapshot
            .documents
            .values()
            .find(|d| d.path.as_deref() == Some(path))
    }

    /// Whether `path` exists (an open buffer or a file on disk).
    pub(crate) fn exists(&self, path: &Path) -> bool {
        self.open(path).is_some() || path.is_file()
    }

    /// The text of a file that is not necessarily a compose file (`.env`): the open buffer, or
    /// the disk within the root.
    pub(crate) fn read_text(&self, path: &Path) -> Option<(Uri, Arc<str>, Arc<LineIndex>)> {
        if let Some(doc) = self.open(path) {
            return Some((doc.uri.clone(), doc.text.clone(), doc.index.clone()));
        }
        if self
            .root
            .as_deref()
            .is_some_and(|root| !project::normalize(path).starts_with(root))
        {
            return None;
        }
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_SIZE {
            return None;
        }
        let text: Arc<str> = Arc::from(
            SourceText::from_bytes(std::fs::read(path).ok()?)
                .text()
                .to_owned(),
        );
        let index = Arc::new(LineIndex::new(&text));
        Some((crate::uri::from_path(path), text, index))
    }

    /// The compose file at `path`, loaded once.
    pub(crate) fn get(&mut self, path: &Path) -> Option<usize> {
        let path = project::normalize(path);
        if let Some(&known) = self.by_path.get(&path) {
            return known;
        }
        let loaded = match self.open(&path) {
            Some(doc) => Some(File::from_document(doc)),
            None => self
                .read_text(&path)
                .map(|(uri, text, index)| File::new(Some(path.clone()), uri, None, text, index)),
        };
        let id = loaded.map(|file| {
            self.files.push(file);
            self.files.len() - 1
        });
        self.by_path.insert(path, id);
        id
    }

    /// The files sharing service names with file `id`: the compose files of its folder and
    /// what they include (the file itself when it has no path).
    pub(crate) fn project(&mut self, id: usize) -> Vec<usize> {
        if let Some(known) = self.projects.get(&id) {
            return known.clone();
        }
        let Some(path) = self.files[id].path.clone() else {
            return vec![id];
        };
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        let mut paths: Vec<PathBuf> = vec![path.clone()];
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let p = entry.path();
                if p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_compose_name)
                {
                    paths.push(p);
                }
            }
        }
        for doc in self.snapshot.documents.values() {
            if let Some(p) = &doc.path
                && p.parent() == Some(dir.as_path())
                && (doc.kind == Kind::Compose
                    || p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(is_compose_name))
            {
                paths.push(p.clone());
            }
        }
        paths.sort_by_key(|p| rank(p));
        paths.dedup();
        let mut ids: Vec<usize> = Vec::new();
        for p in paths {
            if let Some(i) = self.get(&p)
                && !ids.contains(&i)
            {
                ids.push(i);
            }
        }
        // Included files, breadth first, a few levels deep.
        let mut frontier = ids.clone();
        for _ in 0..4 {
            let mut next = Vec::new();
            for i in frontier {
                let targets: Vec<PathBuf> = self.files[i]
                    .links
                    .iter()
                    .filter(|l| l.kind == LinkKind::Include)
                    .map(|l| l.target.clone())
                    .collect();
                for target in targets {
                    if let Some(j) = self.get(&target)
                        && !ids.contains(&j)
                    {
                        ids.push(j);
                        next.push(j);
                    }
                }
            }
            frontier = next;
        }
        self.projects.insert(id, ids.clone());
        ids
    }

    /// The files a service reference in file `id` looks in.
    pub(crate) fn namespace_files(&mut self, id: usize, namespace: &Namespace) -> Vec<usize> {
        match namespace {
            Namespace::Project => self.project(id),
            Namespace::File(path) => self.get(path).into_iter().collect(),
        }
    }

    /// Open compose buffers (where `extends: {file: ...}` may point in from).
    pub(crate) fn open_compose(&mut self) -> Vec<usize> {
        let paths: Vec<PathBuf> = self
            .snapshot
            .documents
            .values()
            .filter(|d| d.kind == Kind::Compose)
            .filter_map(|d| d.path.clone())
            .collect();
        paths.iter().filter_map(|p| self.get(p)).collect()
    }
}

/// A service name found across files: `(file, occurrence)`.
pub(crate) type Found = (usize, ServiceName);

/// The service named at a position and where it is written.
pub(crate) struct ServiceHit {
    /// The occurrence under the cursor (in file 0).
    pub(crate) target: ServiceName,
    /// The files the service is looked up in.
    pub(crate) decl_files: Vec<usize>,
    /// Its declarations, in project order.
    pub(crate) declarations: Vec<Found>,
    /// Every occurrence of the same service (declarations included) across the files that
    /// can name it.
    pub(crate) occurrences: Vec<Found>,
}

/// The service named at `offset` of file 0.
pub(crate) fn service_at(files: &mut Files<'_>, offset: TextSize) -> Option<ServiceHit> {
    let target = files.files[0]
        .services
        .iter()
        .filter(|s| s.range.start() <= offset && offset <= s.range.end())
        .min_by_key(|s| u32::from(s.range.end() == offset))?
        .clone();
    let decl_files = files.namespace_files(0, &target.namespace);
    let mut declarations: Vec<Found> = Vec::new();
    for &f in &decl_files {
        for s in &files.files[f].services {
            if s.declaration && s.name == target.name {
                declarations.push((f, s.clone()));
            }
        }
    }
    let home: Vec<usize> = if declarations.is_empty() {
        decl_files.clone()
    } else {
        let mut home: Vec<usize> = declarations.iter().map(|(f, _)| *f).collect();
        home.dedup();
        home
    };
    // Files that may name it: the project, the declaring files' projects, open buffers.
    let mut scan: Vec<usize> = files.project(0);
    for &f in &home {
        scan.push(f);
        scan.extend(files.project(f));
    }
    scan.extend(files.open_compose());
    let mut seen = Vec::new();
    scan.retain(|f| {
        let new = !seen.contains(f);
        seen.push(*f);
        new
    });
    let mut occurrences: Vec<Found> = Vec::new();
    for f in scan {
        let candidates: Vec<ServiceName> = files.files[f]
            .services
            .iter()
            .filter(|s| s.name == target.name)
            .cloned()
            .collect();
        for s in candidates {
            let matches = if s.declaration {
                decl_files.contains(&f)
            } else {
                let looks_in = files.namespace_files(f, &s.namespace);
                looks_in.iter().any(|g| home.contains(g))
            };
            if matches {
                occurrences.push((f, s));
            }
        }
    }
    Some(ServiceHit {
        target,
        decl_files,
        declarations,
        occurrences,
    })
}

/// The project's `.env` entry defining `name` (the one that wins: the last).
pub(crate) fn env_definition(
    files: &Files<'_>,
    name: &str,
) -> Option<(Uri, Arc<str>, Arc<LineIndex>, TextRange)> {
    let dir = files.files[0].path.as_deref()?.parent()?;
    let (uri, text, index) = files.read_text(&dir.join(".env"))?;
    let parsed = dotenv::parse(&text, &interpolate::Environment::default());
    let range = parsed.get(name)?.key_range;
    Some((uri, text, index, range))
}

/// The variable named at `offset` of file 0.
pub(crate) fn var_at(files: &Files<'_>, offset: TextSize) -> Option<VarName> {
    files.files[0]
        .vars
        .iter()
        .find(|v| v.range.start() <= offset && offset <= v.range.end())
        .cloned()
}

/// The path named at `offset` of file 0.
pub(crate) fn link_at(files: &Files<'_>, offset: TextSize) -> Option<Link> {
    files.files[0]
        .links
        .iter()
        .find(|l| l.range.start() <= offset && offset <= l.range.end())
        .cloned()
}

/// Whether `name` is a valid service name (Compose: `^[a-zA-Z0-9._-]+$`).
pub(crate) fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_merge_keys_are_read_once() {
        let text = "x-base: &base\n  depends_on: [db]\nservices:\n  web:\n    <<: *base\n  api:\n    <<: [*base]\n    links: [\"db:database\"]\n    network_mode: service:web\n  db: {}\n";
        let doc = yaml::parse(text);
        let found: Vec<(&str, bool)> = services(text, &doc, None)
            .iter()
            .map(|s| (&text[s.range], s.declaration))
            .collect();
        assert_eq!(
            found,
            [
                ("db", false),
                ("web", true),
                ("api", true),
                ("db", false),
                ("web", false),
                ("db", true)
            ]
        );
    }

    #[test]
    fn names() {
        assert!(valid_service_name("web-1.a_b"));
        assert!(!valid_service_name("web 1"));
        assert!(!valid_service_name(""));
        assert!(is_compose_name("compose.prod.yaml"));
        assert!(!is_compose_name("values.yaml"));
    }
}
