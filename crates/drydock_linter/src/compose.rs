//! Linting a compose project: engine findings (YAML, schema, interpolation, `include`,
//! `extends`), the compose rules, suppression comments, and reporting only the files asked for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use drydock_compose::interpolate::InterpError;
use drydock_compose::project::{FileSystem, Problem, Project, Service, SourceKind};
use drydock_compose::schema;
use drydock_compose::tree::{FileId, Origin, Value, Via};
use drydock_compose::yaml;
use drydock_dockerfile::model::Model;
use drydock_text::{LineIndex, SourceText, TextRange, TextSize};

use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::{self, RuleId};
use crate::rule::{RuleMeta, Target};
use crate::settings::{Options, Settings};

/// A finding in a project file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiagnostic {
    /// The file.
    pub file: FileId,
    /// The finding.
    pub diagnostic: Diagnostic,
}

/// What a compose rule sees, and where it reports.
pub struct ComposeContext<'a> {
    /// The loaded project.
    pub project: &'a Project,
    /// Rule options.
    pub options: &'a Options,
    fs: &'a dyn FileSystem,
    dockerfiles: &'a Mutex<HashMap<PathBuf, Option<std::sync::Arc<Model>>>>,
    pub(crate) rule: &'static RuleMeta,
    /// The findings of the rules run before, then this rule's.
    pub(crate) diagnostics: Vec<FileDiagnostic>,
}

impl<'a> ComposeContext<'a> {
    /// The services of the merged project.
    pub fn services(&self) -> impl Iterator<Item = &'a Service> + use<'a> {
        let project: &'a Project = self.project;
        project.services.iter()
    }

    /// Reports a finding at `origin` with the rule's default severity.
    pub fn report(&mut self, origin: Origin, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(FileDiagnostic {
            file: origin.file,
            diagnostic: Diagnostic::new(self.rule.code, self.rule.severity, origin.range, message),
        });
        &mut self
            .diagnostics
            .last_mut()
            .unwrap_or_else(|| unreachable!("just pushed"))
            .diagnostic
    }

    /// Reports a finding about `value` of `service`. When the value was not written in the
    /// service's own definition (it came through an alias, a merge key, an override or another
    /// file), a secondary label points at the service's name.
    pub fn report_value(
        &mut self,
        service: &Service,
        value: &Value,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let elsewhere = value.via != Via::Direct || value.origin.file != service.key.file;
        let key = service.key;
        let label_file = (value.origin.file != key.file).then(|| self.relative(key.file));
        let name = service.name.clone();
        let profiles = profiles_note(service);
        let d = self.report(value.origin, message);
        if elsewhere {
            let text = format!("in service `{name}`");
            match label_file {
                Some(file) => d.label_in(file, key.range, text),
                None => d.label(key.range, text),
            };
        }
        if let Some(note) = profiles {
            d.message.push_str(&note);
        }
        d
    }

    /// Reports something missing from `service`, at the service's name in the first project file
    /// that declares it.
    pub fn report_missing(
        &mut self,
        service: &Service,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let profiles = profiles_note(service);
        let d = self.report(service.key, message);
        if let Some(note) = profiles {
            d.message.push_str(&note);
        }
        d
    }

    /// A project file's path relative to the project folder (for labels in other files).
    #[must_use]
    pub fn relative(&self, file: FileId) -> PathBuf {
        let path = self.project.path(file);
        path.strip_prefix(&self.project.dir)
            .map_or_else(|_| path.to_owned(), Path::to_owned)
    }

    /// The text of a file of the project.
    #[must_use]
    pub fn text(&self, file: FileId) -> &'a str {
        self.project.file(file).source.text()
    }

    /// The Dockerfile a service builds, parsed (cached per path): `None` when the service has no
    /// `build`, uses `dockerfile_inline`, or the file cannot be read (or is outside the project
    /// root).
    #[must_use]
    pub fn build_dockerfile(&self, service: &Service) -> Option<(PathBuf, std::sync::Arc<Model>)> {
        let path = build_dockerfile_path(self.project, service)?;
        let mut cache = self
            .dockerfiles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let model = cache
            .entry(path.clone())
            .or_insert_with(|| {
                let bytes = self.fs.read(&path).ok()?;
                Some(std::sync::Arc::new(Model::new(drydock_dockerfile::parse(
                    SourceText::from_bytes(bytes),
                ))))
            })
            .clone()?;
        Some((path, model))
    }
}

fn profiles_note(service: &Service) -> Option<String> {
    match service.profiles.as_slice() {
        [] => None,
        [one] => Some(format!(" (service runs only with profile `{one}`)")),
        many => Some(format!(
            " (service runs only with profiles {})",
            many.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The Dockerfile path of a service's `build` (context + `dockerfile`, relative to the file that
/// declares `build`); `None` without `build` or with `dockerfile_inline`/a remote context.
#[must_use]
pub fn build_dockerfile_path(project: &Project, service: &Service) -> Option<PathBuf> {
    build_paths(project, service).map(|(dockerfile, _)| dockerfile)
}

/// The Dockerfile path and the build context folder of a service's `build`; `None` as for
/// [`build_dockerfile_path`], and when either is outside the project root (nothing there is
/// read; DY006 says so).
#[must_use]
pub fn build_paths(project: &Project, service: &Service) -> Option<(PathBuf, PathBuf)> {
    let (dockerfile, context) = build_paths_anywhere(project, service)?;
    (project.is_within(&dockerfile) && project.is_within(&context)).then_some((dockerfile, context))
}

/// [`build_paths`] wherever they are.
fn build_paths_anywhere(project: &Project, service: &Service) -> Option<(PathBuf, PathBuf)> {
    let build = service.value().get("build")?;
    let here = project
        .path(build.origin.file)
        .parent()
        .map_or_else(|| project.dir.clone(), Path::to_owned);
    let (context, dockerfile) = match build.str() {
        Some(context) => (context.to_owned(), None),
        None => {
            if build.get("dockerfile_inline").is_some() {
                return None;
            }
            (
                build
                    .get("context")
                    .and_then(Value::str)
                    .unwrap_or(".")
                    .to_owned(),
                build
                    .get("dockerfile")
                    .and_then(Value::str)
                    .map(str::to_owned),
            )
        }
    };
    if context.contains("://") || context.starts_with("git@") || context.contains('$') {
        return None;
    }
    let context_dir = drydock_compose::project::normalize(&here.join(&context));
    let dockerfile = dockerfile.unwrap_or_else(|| "Dockerfile".to_owned());
    if dockerfile.contains('$') {
        return None;
    }
    Some((
        drydock_compose::project::normalize(&context_dir.join(dockerfile)),
        context_dir,
    ))
}

/// The `build.target` of a service, when set.
#[must_use]
pub fn build_target(service: &Service) -> Option<&str> {
    service.value().get("build")?.get("target")?.str()
}

fn engine(
    code: &'static str,
    settings: &Settings,
    enabled: &dyn Fn(RuleId) -> bool,
) -> Option<(&'static str, Severity)> {
    let id = registry::by_code(code).filter(|&id| enabled(id))?;
    Some((
        code,
        settings.severity_override(id).unwrap_or(id.meta().severity),
    ))
}

/// Range of a `${VAR}` reference inside a scalar written at `origin`, when the scalar's text in
/// the file maps one to one onto its value (plain, or quoted without escapes).
fn reference_range(
    text: &str,
    origin: Origin,
    raw_len_hint: Option<&str>,
    span: (usize, usize),
) -> TextRange {
    let written = &text[origin.range];
    let inner_start = if written.starts_with(['"', '\'']) {
        1
    } else {
        0
    };
    let inner = &written[inner_start..written.len().saturating_sub(inner_start)];
    if raw_len_hint.is_some_and(|raw| raw == inner) && span.1 <= inner.len() {
        let start =
            origin.range.start() + TextSize::from(u32::try_from(inner_start + span.0).unwrap_or(0));
        return TextRange::at(
            start,
            TextSize::from(u32::try_from(span.1 - span.0).unwrap_or(0)),
        );
    }
    origin.range
}

fn raw_scalar_at(project: &Project, origin: Origin) -> Option<String> {
    let SourceKind::Compose(doc) = &project.file(origin.file).kind else {
        return None;
    };
    let mut stack: Vec<&yaml::Node> = doc.root.iter().collect();
    while let Some(node) = stack.pop() {
        if node.range == origin.range
            && let Some(s) = node.as_scalar()
        {
            return Some(s.value.clone());
        }
        if !(node.range.start() <= origin.range.start() && origin.range.end() <= node.range.end())
            && node.as_scalar().is_none()
        {
            continue;
        }
        match &node.kind {
            yaml::NodeKind::Sequence(items) => stack.extend(items),
            yaml::NodeKind::Mapping(entries) => {
                stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
            }
            _ => {}
        }
    }
    None
}

/// Engine findings: YAML problems (CMP102), schema errors (CMP101), interpolation (CMP103),
/// `extends` (CMP111), `include` (CMP112), remote includes (DY005), references outside the
/// project root (DY006).
fn problems(
    project: &Project,
    settings: &Settings,
    enabled: &dyn Fn(RuleId) -> bool,
    out: &mut Vec<FileDiagnostic>,
) {
    let mut unset: Vec<(Origin, String, TextRange)> = Vec::new();
    // `${X:?}` with X defined nowhere drydock looks: the shell may well set it (CI does), so
    // this is a warning; with X known to be empty or unset it is an error.
    let mut maybe_required: Vec<(Origin, String)> = Vec::new();
    let mut push =
        |code: &'static str, origin: Origin, message: String, related: Option<Origin>| {
            if let Some((code, severity)) = engine(code, settings, enabled) {
                let mut d = Diagnostic::new(code, severity, origin.range, message);
                if let Some(related) = related {
                    d.label(related.range, "first defined here");
                }
                out.push(FileDiagnostic {
                    file: origin.file,
                    diagnostic: d,
                });
            }
        };
    // A service building from outside the project root: its Dockerfile and context are not
    // read (`build_paths` gives nothing for it).
    for service in &project.services {
        let Some(build) = service.value().get("build") else {
            continue;
        };
        if let Some((dockerfile, context)) = build_paths_anywhere(project, service) {
            let outside = [&context, &dockerfile]
                .into_iter()
                .find(|p| !project.is_within(p));
            if let Some(path) = outside {
                push(
                    "DY006",
                    build.origin,
                    format!(
                        "`{}` is outside the project root; it is not read",
                        shown_from(project, build.origin.file, path).display()
                    ),
                    None,
                );
            }
        }
    }
    for problem in &project.problems {
        match problem {
            Problem::Yaml {
                origin,
                message,
                related,
            } => push("CMP102", *origin, message.clone(), *related),
            Problem::EnvFile { origin, message } => {
                push("CMP102", *origin, format!("env file: {message}"), None);
            }
            Problem::Interpolation { origin, error } => {
                let text = project.file(origin.file).source.text();
                let raw = raw_scalar_at(project, *origin);
                match error {
                    InterpError::Invalid { span } => {
                        let range = reference_range(text, *origin, raw.as_deref(), *span);
                        push(
                            "CMP103",
                            Origin {
                                file: origin.file,
                                range,
                            },
                            "invalid interpolation: Compose rejects this `${...}`".to_owned(),
                            None,
                        );
                    }
                    InterpError::Required {
                        name,
                        message,
                        span,
                        maybe,
                    } => {
                        let range = reference_range(text, *origin, raw.as_deref(), *span);
                        let why = if message.is_empty() {
                            String::new()
                        } else {
                            format!(" ({message})")
                        };
                        if *maybe {
                            maybe_required.push((
                                Origin {
                                    file: origin.file,
                                    range,
                                },
                                format!(
                                    "`{name}` is required but defined nowhere drydock looks (.env, --env-file); Compose stops unless the shell sets it{why}"
                                ),
                            ));
                            continue;
                        }
                        let msg = format!(
                            "`{name}` is required but empty or unset; Compose stops here{why}"
                        );
                        push(
                            "CMP103",
                            Origin {
                                file: origin.file,
                                range,
                            },
                            msg,
                            None,
                        );
                    }
                }
            }
            Problem::UnsetVariable { origin, name, span } => {
                let text = project.file(origin.file).source.text();
                let raw = raw_scalar_at(project, *origin);
                let range = reference_range(text, *origin, raw.as_deref(), *span);
                unset.push((*origin, name.clone(), range));
            }
            Problem::Extends { origin, message } => push("CMP111", *origin, message.clone(), None),
            Problem::Include { origin, message } => push("CMP112", *origin, message.clone(), None),
            Problem::RemoteInclude { origin, location } => {
                push(
                    "DY005",
                    *origin,
                    format!("remote include `{location}` is not fetched or checked"),
                    None,
                );
            }
            Problem::OutsideRoot { origin, path } => {
                push(
                    "DY006",
                    *origin,
                    format!(
                        "`{}` is outside the project root; it is not read",
                        shown_from(project, origin.file, path).display()
                    ),
                    None,
                );
            }
            Problem::Unreadable {
                origin: Some(origin),
                path,
                message,
            } => {
                push(
                    "CMP112",
                    *origin,
                    format!(
                        "cannot read `{}`: {message}",
                        shown_from(project, origin.file, path).display()
                    ),
                    None,
                );
            }
            Problem::Unreadable { origin: None, .. } => {}
        }
    }
    // An unset variable without a default is a warning (Compose substitutes an empty string).
    if let Some((code, _)) = engine("CMP103", settings, enabled) {
        let id = registry::by_code(code).expect("registered");
        let severity = settings.severity_override(id).unwrap_or(Severity::Warning);
        for (origin, name, range) in unset {
            let mut d = Diagnostic::new(
                code,
                severity,
                range,
                format!(
                    "`{name}` is not set in `.env` or `--env-file`; Compose uses an empty string unless the shell sets it"
                ),
            );
            d.help(format!(
                "define `{name}` in `.env`, or give a default: `${{{name}:-value}}`"
            ));
            out.push(FileDiagnostic {
                file: origin.file,
                diagnostic: d,
            });
        }
        for (origin, message) in maybe_required {
            out.push(FileDiagnostic {
                file: origin.file,
                diagnostic: Diagnostic::new(code, severity, origin.range, message),
            });
        }
    }
    // Schema (CMP101) per file, as written.
    if let Some((code, severity)) = engine("CMP101", settings, enabled) {
        for (_, tree) in &project.file_trees {
            for error in schema::validate(tree) {
                out.push(FileDiagnostic {
                    file: error.origin.file,
                    diagnostic: Diagnostic::new(code, severity, error.origin.range, error.message),
                });
            }
        }
    }
}

/// `path` as seen from the folder of the file that refers to it (`../common.env`), so messages
/// say what the user wrote rather than a machine-specific absolute path.
fn shown_from(project: &Project, file: FileId, path: &Path) -> PathBuf {
    let base = project.path(file).parent().unwrap_or(Path::new(""));
    let (base, path) = (
        drydock_compose::project::normalize(base),
        drydock_compose::project::normalize(path),
    );
    let common = base
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return path;
    }
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c);
    }
    out
}

/// Inputs to [`lint_project`].
pub struct ComposeInput<'a> {
    /// Where build Dockerfiles are read from.
    pub fs: &'a dyn FileSystem,
    /// Report only findings in these files (`None`: all files).
    pub focus: Option<&'a [FileId]>,
}

/// Lints a loaded project. Never fails.
#[must_use]
pub fn lint_project(
    project: &Project,
    input: &ComposeInput<'_>,
    settings: &Settings,
) -> Vec<FileDiagnostic> {
    let mut out = Vec::new();
    let enabled = |id: RuleId| settings.is_enabled(id);
    problems(project, settings, &enabled, &mut out);
    for d in &mut out {
        if let Some(severity) =
            registry::by_code(d.diagnostic.code).and_then(|id| settings.severity_override(id))
        {
            d.diagnostic.severity = severity;
        }
    }
    let dockerfiles = Mutex::new(HashMap::new());
    for id in registry::ids() {
        if !enabled(id) || id.meta().target != Target::Compose {
            continue;
        }
        let rule = id.rule();
        // Each rule appends to the findings so far (no list of its own to grow and copy).
        let from = out.len();
        let mut ctx = ComposeContext {
            project,
            options: &settings.options,
            fs: input.fs,
            dockerfiles: &dockerfiles,
            rule: rule.meta(),
            diagnostics: std::mem::take(&mut out),
        };
        rule.check_compose(&mut ctx);
        out = ctx.diagnostics;
        // A rule reports under its own code (the engine's findings above are looked up).
        if let Some(severity) = settings.severity_override(id) {
            for d in &mut out[from..] {
                d.diagnostic.severity = severity;
            }
        }
    }
    // Per-file ignores, then suppression comments.
    out.retain(|d| {
        let ignored = settings.ignored_for(project.path(d.file));
        ignored.is_empty()
            || registry::by_code(d.diagnostic.code).is_none_or(|id| !ignored.contains(&id))
    });
    if !settings.disable_ignore_pragma {
        let extra = crate::suppression::apply_compose(project, &mut out, &enabled);
        out.extend(extra);
    }
    if let Some(focus) = input.focus {
        out.retain(|d| focus.contains(&d.file));
    }
    out.sort_by(|a, b| {
        (
            a.file,
            a.diagnostic.range.start(),
            a.diagnostic.range.end(),
            a.diagnostic.code,
            &a.diagnostic.message,
        )
            .cmp(&(
                b.file,
                b.diagnostic.range.start(),
                b.diagnostic.range.end(),
                b.diagnostic.code,
                &b.diagnostic.message,
            ))
    });
    // Exact repeats only: a value shared by two services (an anchor, an `extends` base) gives
    // one finding per service, and their messages name the service.
    out.dedup_by(|a, b| {
        a.file == b.file
            && a.diagnostic.code == b.diagnostic.code
            && a.diagnostic.range == b.diagnostic.range
            && a.diagnostic.message == b.diagnostic.message
    });
    out
}

/// Line index of a project file (for positions in output).
#[must_use]
pub fn line_index(project: &Project, file: FileId) -> LineIndex {
    LineIndex::new(project.file(file).source.text())
}
