//! Compose files in `drydock check`: grouping the files found into projects the way Compose
//! would load them, linting each project once, and splitting the findings back into files.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use drydock_compose::project::{
    self, FileSystem, LoadOptions, RealFs, Within, read_regular_file_within,
};
use drydock_linter::Diagnostic;
use drydock_linter::compose::{ComposeInput, lint_project};
use drydock_linter::fix::{OverlayFs, fix_compose};
use rayon::prelude::*;

use super::check::{
    Input, Keep, Outcome, describe_io, engine_finding, finish_with_files, looks_binary,
};
use crate::args::CheckArgs;
use crate::discover::FileKind;
use crate::output::FileResult;
use crate::resolve::Resolved;
use crate::resolve::{ResolveError, Resolver};
use crate::write::write_atomic;
use std::ffi::OsString;
use std::sync::{Arc, Mutex, PoisonError};

/// A compose file named on the command line or found by the walk.
pub(super) struct Candidate {
    /// Path shown in output.
    pub(super) display: PathBuf,
    /// Absolute, normalised path.
    pub(super) lookup: PathBuf,
    /// Where its bytes come from.
    pub(super) input: Input,
    /// The folder walked to find it (`None`: named explicitly).
    pub(super) walk_root: Option<PathBuf>,
}

/// One project to load and lint.
pub(super) struct ProjectJob {
    /// Main files, base first (absolute).
    files: Vec<PathBuf>,
    /// Files whose findings are reported (`None`: every file of the project).
    focus: Option<Vec<PathBuf>>,
    /// Display paths of the files named or found.
    displays: Displays,
    /// Standard input standing in for a file.
    stdin: Option<(PathBuf, Vec<u8>)>,
    /// Folders the files were found in (for the root).
    walk_roots: Vec<PathBuf>,
}

/// The display paths of a project's files named or found, by absolute path: a few, so a list
/// (a hash map hashed each path component by component, which cost more than the search).
#[derive(Default)]
struct Displays(Vec<(PathBuf, PathBuf)>);

impl Displays {
    /// Sets the display path of `path` (the last one given wins).
    fn insert(&mut self, path: PathBuf, display: PathBuf) {
        match self.0.iter_mut().find(|(p, _)| *p == path) {
            Some((_, old)) => *old = display,
            None => self.0.push((path, display)),
        }
    }

    fn get(&self, path: &Path) -> Option<&PathBuf> {
        self.0.iter().find(|(p, _)| p == path).map(|(_, d)| d)
    }
}

/// Settings that apply to every project (Compose's global flags).
pub(super) struct Shared<'a> {
    /// `--project-directory`.
    pub(super) project_dir: Option<PathBuf>,
    /// `--env-file`.
    pub(super) env_files: Vec<PathBuf>,
    /// The process environment, with `--env-from-process`.
    pub(super) process_env: Option<Vec<(String, String)>>,
    /// `--profile`.
    pub(super) profiles: Vec<String>,
    /// The working folder.
    pub(super) cwd: &'a Path,
    /// The disk, as every project of the run sees it.
    pub(super) fs: RunFs,
    /// Dockerfiles are linted too: each project gives the build contexts of the Dockerfiles
    /// its services build ([`Processed::contexts`]).
    pub(super) contexts: bool,
}

/// The disk for one run: whether a regular file is at a path is asked of the system once per
/// path (every project of a folder looks for the same `.env`); files are read each time.
/// drydock creates no files while it runs (fixes rewrite files that are there).
#[derive(Debug, Default)]
pub(super) struct RunFs {
    known: Mutex<HashMap<OsString, bool>>,
}

impl FileSystem for RunFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        RealFs.read(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        let lock = || self.known.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&known) = lock().get(path.as_os_str()) {
            return known;
        }
        // Asked without holding the lock: another thread may ask the same, with the same answer.
        let found = RealFs.is_file(path);
        lock().insert(path.as_os_str().to_owned(), found);
        found
    }
}

fn absolute(path: &Path) -> PathBuf {
    project::normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_owned()))
}

/// Groups compose files into projects. Files of the same project (a base file and its
/// override, an overlay and its base) are linted together once; an overlay (such as
/// `compose.prod.yaml`) reports only its own findings, a base file reports the whole project.
#[must_use]
pub(super) fn group(candidates: Vec<Candidate>, args: &CheckArgs) -> Vec<ProjectJob> {
    let mut jobs: Vec<ProjectJob> = Vec::new();
    let explicit: Vec<PathBuf> = args.compose_file.iter().map(|p| absolute(p)).collect();
    if !explicit.is_empty() {
        let mut displays = Displays::default();
        for p in &args.compose_file {
            displays.insert(absolute(p), p.clone());
        }
        jobs.push(ProjectJob {
            files: explicit.clone(),
            focus: None,
            displays,
            stdin: None,
            walk_roots: Vec::new(),
        });
    }
    // (Hashed: comparing paths component by component made a tree map 2.5% of a compose run.)
    // Keyed by the files' bytes, NUL-separated: they are normalised, so equal paths are equal
    // bytes (a path's own hash goes component by component, at ten times the cost).
    let mut by_files: HashMap<Vec<u8>, usize> = HashMap::with_capacity(candidates.len());
    let key = |files: &[PathBuf]| {
        let mut key = Vec::new();
        for file in files {
            key.extend_from_slice(file.as_os_str().as_encoded_bytes());
            key.push(0);
        }
        key
    };
    // The project each file on disk belongs to (its files' absolute paths), looked up in
    // parallel (each is a few stats).
    let on_disk: Vec<Option<(Vec<PathBuf>, bool)>> = candidates
        .par_iter()
        .map(|c| match c.input {
            Input::File(_) => {
                let (files, overlay) = project::project_files(&c.lookup, &RealFs);
                Some((files.iter().map(|p| absolute(p)).collect(), overlay))
            }
            Input::Stdin(_) => None,
        })
        .collect();
    for (candidate, on_disk) in candidates.into_iter().zip(on_disk) {
        if explicit.contains(&candidate.lookup) {
            continue;
        }
        let (files, overlay, stdin) = match candidate.input {
            Input::Stdin(bytes) => {
                let fs = OverlayFs {
                    base: &RealFs,
                    files: HashMap::from([(candidate.lookup.clone(), bytes.clone())]),
                };
                let (files, _) = project::project_files(&candidate.lookup, &fs);
                let files = files.iter().map(|p| absolute(p)).collect();
                (files, true, Some((candidate.lookup.clone(), bytes)))
            }
            Input::File(_) => {
                let (files, overlay) = on_disk.unwrap_or_default();
                (files, overlay, None)
            }
        };
        let focus = overlay.then(|| vec![candidate.lookup.clone()]);
        // Standard input is never merged with a file run: its contents differ from the disk.
        let slot = if stdin.is_some() {
            None
        } else {
            by_files.get(&key(&files)).copied()
        };
        match slot {
            Some(i) => {
                let job = &mut jobs[i];
                job.focus = match (job.focus.take(), focus) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
                job.displays.insert(candidate.lookup, candidate.display);
                job.walk_roots.extend(candidate.walk_root);
            }
            None => {
                if stdin.is_none() {
                    by_files.insert(key(&files), jobs.len());
                }
                jobs.push(ProjectJob {
                    files,
                    focus,
                    displays: Displays(vec![(candidate.lookup, candidate.display)]),
                    stdin,
                    walk_roots: candidate.walk_root.into_iter().collect(),
                });
            }
        }
    }
    jobs
}

/// A file system that refuses files over the size limit.
struct LimitFs<'a> {
    base: &'a dyn FileSystem,
    limit: u64,
}

impl FileSystem for LimitFs<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let bytes = self.base.read(path)?;
        if bytes.len() as u64 > self.limit {
            return Err(io::Error::other(format!(
                "{} bytes is over the {}-byte limit (`max-file-size`)",
                bytes.len(),
                self.limit
            )));
        }
        Ok(bytes)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.base.is_file(path)
    }
}

impl ProjectJob {
    fn display(&self, path: &Path, cwd: &Path) -> PathBuf {
        if let Some(display) = self.displays.get(path) {
            return display.clone();
        }
        path.strip_prefix(cwd)
            .map_or_else(|_| path.to_owned(), Path::to_owned)
    }

    /// The folder outside which nothing is read: the project folder or the folder walked to
    /// find it, whichever is higher. Files named on the command line (the project's files,
    /// `--env-file`) are read wherever they are, so the root grows to hold them.
    fn root(&self, project_dir: &Path, named: &[PathBuf]) -> PathBuf {
        let mut root = self
            .walk_roots
            .iter()
            .filter(|walked| project::is_inside(walked, project_dir))
            .min_by_key(|walked| walked.components().count())
            .map_or_else(|| project_dir.to_owned(), Clone::clone);
        for file in named {
            let folder = file.parent().unwrap_or(file);
            while !project::is_inside(&root, folder) {
                if !root.pop() {
                    break;
                }
            }
        }
        root
    }

    fn is_focus(&self, path: &Path) -> bool {
        self.focus
            .as_ref()
            .is_none_or(|f| f.iter().any(|p| p == path))
    }
}

/// A file's outcome before rendering: the same file can be part of several projects (an
/// included file, say), so findings are merged by path before they are rendered.
pub(super) struct Raw {
    outcome: Outcome,
    text: String,
    diagnostics: Vec<Diagnostic>,
    resolved: Arc<Resolved>,
    /// Text of the other files its labels point into.
    others: crate::output::tty::OtherFiles,
}

impl Raw {
    fn new(display: PathBuf, resolved: &Arc<Resolved>) -> Self {
        Self {
            outcome: empty_outcome(display),
            text: String::new(),
            diagnostics: Vec::new(),
            resolved: resolved.clone(),
            others: crate::output::tty::OtherFiles::new(),
        }
    }

    /// The path the file is reported under.
    pub(super) fn path(&self) -> &Path {
        &self.outcome.result.path
    }

    /// Renders the merged findings of one file (keeping what `keep` says).
    pub(super) fn finish(mut self, keep: Keep) -> Outcome {
        self.diagnostics
            .sort_by_key(|d| (d.range.start(), d.range.end(), d.code));
        finish_with_files(
            &mut self.outcome,
            &self.text,
            self.diagnostics,
            &self.resolved.settings,
            keep,
            &self.others,
        );
        self.outcome
    }
}

/// Merges the outcomes of files reported by several projects: one per file, in path order,
/// each rendered later by [`Raw::finish`].
#[must_use]
pub(super) fn merge(mut raws: Vec<Raw>) -> Vec<Raw> {
    // A file in several projects (a shared base file, an included file) is one result: the
    // first one's, with the findings of the others added in project order. In path order (a
    // stable sort: projects usually come in that order, since walks are sorted, which makes this
    // nearly one pass; a tree map keyed by path compared each path with a dozen others, which
    // was 4% of a compose run, and a hash map hashed each twice, component by component).
    raws.sort_by(|a, b| a.outcome.result.path.cmp(&b.outcome.result.path));
    let mut merged: Vec<Raw> = Vec::with_capacity(raws.len());
    for raw in raws {
        let into = match merged.last_mut() {
            Some(last) if last.outcome.result.path == raw.outcome.result.path => last,
            _ => {
                merged.push(raw);
                continue;
            }
        };
        for d in raw.diagnostics {
            let known = into
                .diagnostics
                .iter()
                .any(|e| e.code == d.code && e.range == d.range && e.message == d.message);
            if !known {
                into.diagnostics.push(d);
            }
        }
        into.others.extend(raw.others);
        into.outcome.result.fixed += raw.outcome.result.fixed;
        into.outcome.stdout.extend(raw.outcome.stdout);
        if into.outcome.error.is_none() {
            into.outcome.error = raw.outcome.error;
        }
    }
    merged
}

fn empty_outcome(display: PathBuf) -> Outcome {
    Outcome {
        result: FileResult {
            path: display,
            kind: FileKind::Compose,
            findings: Vec::new(),
            rendered: Vec::new(),
            fixed: 0,
            dropped: None,
        },
        fails: false,
        error: None,
        stdout: Vec::new(),
    }
}

/// Loads, lints (and with `--fix`/`--diff`, fixes) one project; one outcome per file reported.
///
/// # Errors
/// A broken configuration file.
pub(super) fn process(
    job: &ProjectJob,
    args: &CheckArgs,
    shared: &Shared<'_>,
    resolver: &Resolver,
) -> Result<Processed, ResolveError> {
    let cwd = shared.cwd;
    let first = job
        .focus
        .as_ref()
        .and_then(|f| f.first())
        .or_else(|| job.files.first())
        .cloned()
        .unwrap_or_else(|| cwd.join("compose.yaml"));
    let resolved = resolver.for_file(&first)?;
    let settings = &resolved.settings;
    let limit = resolved.config.max_file_size();

    // The main files are checked first: one too large, binary or unreadable stops the project.
    // Their bytes, read once here, are what the project is then loaded from.
    let mut base: OverlayFs<'_> = OverlayFs {
        base: &shared.fs,
        files: job.stdin.iter().cloned().collect(),
    };
    let mut stopped = Vec::new();
    for path in &job.files {
        let display = job.display(path, cwd);
        let skip = |code: &str, message: String| {
            let mut raw = Raw::new(display.clone(), &resolved);
            raw.diagnostics
                .extend(engine_finding(code, message, settings));
            raw
        };
        let failed = |e: &io::Error| {
            let mut raw = Raw::new(display.clone(), &resolved);
            raw.outcome.error = Some(format!("{}: {}", display.display(), describe_io(e)));
            raw
        };
        // The size is checked on the open file, which is then read (one look at the file).
        let read = match job.stdin.as_ref().filter(|(p, _)| p == path) {
            Some((_, bytes)) if bytes.len() as u64 > limit => {
                Ok(Within::TooLarge(bytes.len() as u64))
            }
            Some((_, bytes)) => Ok(Within::Read(bytes.clone())),
            None => read_regular_file_within(path, limit),
        };
        match read {
            Ok(Within::TooLarge(size)) => stopped.push(skip(
                "DY003",
                format!("skipped: {size} bytes is over the {limit}-byte limit (`max-file-size`)"),
            )),
            Ok(Within::Read(bytes)) if looks_binary(&bytes) => stopped.push(skip(
                "DY004",
                "skipped: the file looks binary, not like a compose file".to_owned(),
            )),
            Ok(Within::Read(bytes)) => {
                base.files.insert(path.clone(), bytes);
            }
            Err(e) => stopped.push(failed(&e)),
        }
    }
    if !stopped.is_empty() {
        return Ok(Processed {
            raws: stopped,
            contexts: Vec::new(),
        });
    }

    let options = load_options(job, shared);

    let mut raws: BTreeMap<PathBuf, Raw> = BTreeMap::new();
    let mut final_files: HashMap<PathBuf, Vec<u8>> = HashMap::new();
    if args.fix || args.diff || args.add_ignore.is_some() {
        let fs = LimitFs { base: &base, limit };
        let fixed = match &args.add_ignore {
            Some(reason) => drydock_linter::fix::add_ignores_compose(
                &options,
                &fs,
                job.focus.as_deref(),
                settings,
                reason,
            ),
            None => fix_compose(
                &options,
                &fs,
                job.focus.as_deref(),
                settings,
                args.unsafe_fixes,
            ),
        };
        for (path, original, new) in fixed.changed {
            let display = job.display(&path, cwd);
            let raw = raws
                .entry(path.clone())
                .or_insert_with(|| Raw::new(display.clone(), &resolved));
            raw.outcome.result.fixed = fixed.applied_by_file.get(&path).copied().unwrap_or(0);
            let is_stdin = job.stdin.as_ref().is_some_and(|(p, _)| *p == path);
            if args.diff {
                raw.outcome.stdout = crate::diff::unified(&display, &original, &new).into_bytes();
                final_files.insert(path, new);
            } else if is_stdin {
                raw.outcome.stdout.clone_from(&new);
                final_files.insert(path, new);
            } else {
                match write_atomic(&path, &original, &new) {
                    Ok(()) => {
                        final_files.insert(path, new);
                    }
                    Err(e) => {
                        raw.outcome.error = Some(e.to_string());
                        raw.outcome.result.fixed = 0;
                    }
                }
            }
        }
        // `--fix` (and `--add-ignore`) on standard input prints the buffer, changed or not.
        if (args.fix || args.add_ignore.is_some())
            && !args.diff
            && let Some((path, bytes)) = &job.stdin
            && !final_files.contains_key(path)
        {
            let raw = raws
                .entry(path.clone())
                .or_insert_with(|| Raw::new(job.display(path, cwd), &resolved));
            raw.outcome.stdout.clone_from(bytes);
        }
    }

    // Lint (again, after fixing) what is now on disk or in the buffer.
    // (The files read above move over: `base` is not used again.)
    let mut layered = base.files;
    layered.extend(final_files);
    let after = OverlayFs {
        base: &shared.fs,
        files: layered,
    };
    let fs = LimitFs {
        base: &after,
        limit,
    };
    let loaded = project::load(&options, &fs);
    let contexts = if shared.contexts {
        loaded
            .services
            .iter()
            .filter_map(|service| drydock_linter::compose::build_paths(&loaded, service))
            .collect()
    } else {
        Vec::new()
    };
    let focus_ids: Option<Vec<u32>> = job
        .focus
        .as_ref()
        .map(|focus| focus.iter().filter_map(|p| loaded.file_id(p)).collect());
    let input = ComposeInput {
        fs: &fs,
        focus: focus_ids.as_deref(),
    };
    // The findings come in file order: each file's run is moved into a list of its exact size
    // (they are kept until every project is linted; pushing one by one copied them as the
    // lists grew, and left a list up to twice its size).
    let found = lint_project(&loaded, &input, settings);
    let mut runs: Vec<(u32, usize)> = Vec::new();
    for d in &found {
        match runs.last_mut() {
            Some((file, n)) if *file == d.file => *n += 1,
            _ => runs.push((d.file, 1)),
        }
    }
    let mut found = found.into_iter();
    let mut by_file: BTreeMap<u32, Vec<Diagnostic>> = BTreeMap::new();
    for (file, n) in runs {
        let run = found.by_ref().take(n).map(|d| d.diagnostic);
        by_file.entry(file).or_default().extend(run);
    }
    // Every main file asked about gets a result (so clean files count), then every file with
    // findings.
    for (i, file) in loaded.files.iter().enumerate() {
        let Ok(id) = u32::try_from(i) else { break };
        let main = loaded.main_files.contains(&id) && job.is_focus(&file.path);
        let found = by_file.remove(&id).unwrap_or_default();
        if !main && found.is_empty() {
            continue;
        }
        let raw = raws
            .entry(file.path.clone())
            .or_insert_with(|| Raw::new(job.display(&file.path, cwd), &resolved));
        file.source.text().clone_into(&mut raw.text);
        // Labels in other files (the file declaring a service, a build Dockerfile): their
        // text, so the terminal shows those lines too.
        for label in found.iter().flat_map(|d| &d.labels) {
            let Some(rel) = &label.file else { continue };
            if raw.others.contains_key(rel) {
                continue;
            }
            let abs = project::normalize(&loaded.dir.join(rel));
            let text = match loaded.file_id(&abs) {
                Some(id) => Some(loaded.file(id).source.text().to_owned()),
                None => fs
                    .read(&abs)
                    .ok()
                    .map(|b| drydock_text::SourceText::from_bytes(b).text().to_owned()),
            };
            if let Some(text) = text {
                let shown = job.display(&abs, cwd);
                raw.others.insert(rel.clone(), (shown, text));
            }
        }
        raw.diagnostics = found;
    }
    Ok(Processed {
        raws: raws.into_values().collect(),
        contexts,
    })
}

/// What linting one compose project produced.
pub(super) struct Processed {
    /// The findings of each file, rendered by [`Raw::finish`].
    pub(super) raws: Vec<Raw>,
    /// (Dockerfile, build context) of each service that builds one, in service order (for
    /// BuildKit's CopyIgnoredFile, which reads the context's `.dockerignore`).
    pub(super) contexts: Vec<(PathBuf, PathBuf)>,
}

impl ProjectJob {
    /// For `--show-files`: each file reported, with how its project is made.
    pub(super) fn describe(&self, cwd: &Path) -> Vec<(PathBuf, String)> {
        let files: Vec<String> = self
            .files
            .iter()
            .map(|f| self.display(f, cwd).display().to_string())
            .collect();
        let project = files.join(" + ");
        let shown: Vec<&PathBuf> = match &self.focus {
            Some(focus) => focus.iter().collect(),
            None => self.files.iter().collect(),
        };
        shown
            .into_iter()
            .map(|f| {
                let how = if self.focus.is_some() {
                    format!("compose, project {project} (only this file's findings)")
                } else {
                    format!("compose, project {project}")
                };
                let how = if self.stdin.as_ref().is_some_and(|(p, _)| p == f) {
                    format!("{how}, read from standard input")
                } else {
                    how
                };
                (self.display(f, cwd), how)
            })
            .collect()
    }

    /// For `--show-settings`: the project's variables and where each comes from (values of
    /// names that look secret are masked).
    pub(super) fn describe_environment(&self, shared: &Shared<'_>) -> String {
        use std::fmt::Write;
        let base = OverlayFs {
            base: &shared.fs,
            files: self.stdin.iter().cloned().collect(),
        };
        let options = load_options(self, shared);
        let project = project::load(&options, &base);
        let mut out = String::new();
        let names: Vec<String> = self
            .files
            .iter()
            .map(|f| self.display(f, shared.cwd).display().to_string())
            .collect();
        let _ = writeln!(out, "compose project {}:", names.join(" + "));
        let _ = writeln!(out, "  project folder: {}", project.dir.display());
        if let Some(root) = &options.root {
            let _ = writeln!(out, "  nothing is read outside: {}", root.display());
        }
        let sources: Vec<String> = project
            .env_sources
            .iter()
            .map(|&id| {
                self.display(project.path(id), shared.cwd)
                    .display()
                    .to_string()
            })
            .collect();
        if sources.is_empty() {
            let _ = writeln!(out, "  variables: none (no .env, no --env-file)");
        } else {
            let _ = writeln!(out, "  variables from {}:", sources.join(", "));
        }
        // The variables the env files define, with the value interpolation sees (the process
        // environment wins over them with --env-from-process, as in Compose).
        let mut defined: Vec<&str> = Vec::new();
        for &id in &project.env_sources {
            if let project::SourceKind::Env(env) = &project.file(id).kind {
                for entry in &env.entries {
                    if !defined.contains(&entry.key.as_str()) {
                        defined.push(&entry.key);
                    }
                }
            }
        }
        for name in defined {
            let Some((_, value)) = project.env.vars().iter().rev().find(|(n, _)| n == name) else {
                continue;
            };
            let secret = ["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"]
                .iter()
                .any(|w| name.to_ascii_uppercase().contains(w));
            let shown = if secret { "****" } else { value };
            let _ = writeln!(out, "    {name}={shown}");
        }
        if shared.process_env.is_some() {
            let _ = writeln!(
                out,
                "  the process environment is used too (--env-from-process)"
            );
        }
        if !shared.profiles.is_empty() {
            let _ = writeln!(out, "  profiles: {}", shared.profiles.join(", "));
        }
        out
    }
}

/// How to load a project: Compose's global flags and the root nothing outside of is read.
fn load_options(job: &ProjectJob, shared: &Shared<'_>) -> LoadOptions {
    let cwd = shared.cwd;
    let project_dir = shared
        .project_dir
        .as_deref()
        .map(absolute)
        .or_else(|| {
            job.files
                .first()
                .and_then(|f| f.parent())
                .map(Path::to_owned)
        })
        .unwrap_or_else(|| cwd.to_owned());
    let env_files: Vec<PathBuf> = shared.env_files.iter().map(|p| absolute(p)).collect();
    let named: Vec<PathBuf> = job.files.iter().chain(&env_files).cloned().collect();
    LoadOptions {
        files: job.files.clone(),
        project_dir: Some(project_dir.clone()),
        env_files,
        process_env: shared.process_env.clone(),
        profiles: shared.profiles.clone(),
        root: Some(job.root(&project_dir, &named)),
    }
}

/// Compose's global flags from the command line.
#[must_use]
pub(super) fn shared<'a>(args: &CheckArgs, cwd: &'a Path) -> Shared<'a> {
    Shared {
        project_dir: args.project_directory.clone(),
        env_files: args.env_file.clone(),
        process_env: args.env_from_process.then(|| std::env::vars().collect()),
        profiles: args.profile.clone(),
        cwd,
        fs: RunFs::default(),
        contexts: true,
    }
}
