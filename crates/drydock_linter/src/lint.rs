//! Running the rules on a file.

use std::path::Path;

use drydock_dockerfile::model::Model;
use drydock_text::{LineIndex, SourceText};

use crate::diagnostic::Diagnostic;
use crate::registry::{self, RuleId};
use crate::rule::{DockerfileContext, Target};
use crate::settings::Settings;
use crate::{shellcheck, suppression};

/// What linting one Dockerfile produced.
#[derive(Debug)]
pub struct DockerfileLint {
    /// The model the rules saw (for rendering and fixing).
    pub model: Model,
    /// Line index of the file.
    pub index: LineIndex,
    /// Findings after configuration and suppressions, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
}

/// Extra context for linting a Dockerfile.
#[derive(Clone, Copy, Debug, Default)]
pub struct DockerfileInput<'a> {
    /// The file's path (for per-file ignores and rules that look beside the file).
    pub path: Option<&'a Path>,
    /// The stage a compose service builds (`build.target`).
    pub target_stage: Option<&'a str>,
    /// The build context folder (a compose service's `build.context`); `None` means the
    /// Dockerfile's folder.
    pub context: Option<&'a Path>,
}

/// Parses and lints a Dockerfile. Never fails.
#[must_use]
pub fn lint_dockerfile(
    source: SourceText,
    input: DockerfileInput<'_>,
    settings: &Settings,
) -> DockerfileLint {
    lint_dockerfile_after(source, None, input, settings)
}

/// [`lint_dockerfile`] for a new version of a document whose `previous` model is at hand (an
/// editor's buffer): the shell views of the instructions the edit did not touch are taken from
/// it ([`Model::reuse_shells`]) instead of being parsed again.
#[must_use]
pub fn lint_dockerfile_after(
    source: SourceText,
    previous: Option<&Model>,
    input: DockerfileInput<'_>,
    settings: &Settings,
) -> DockerfileLint {
    let model = Model::new(drydock_dockerfile::parse(source));
    if let Some(previous) = previous {
        model.reuse_shells(previous);
    }
    let index = LineIndex::new(model.text());
    let diagnostics = check_model(&model, &index, input, settings);
    DockerfileLint {
        model,
        index,
        diagnostics,
    }
}

/// Runs the enabled rules on a model and applies settings and suppressions.
#[must_use]
pub fn check_model(
    model: &Model,
    index: &LineIndex,
    input: DockerfileInput<'_>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let ignored_here: Vec<RuleId> = input
        .path
        .map(|p| settings.ignored_for(p))
        .unwrap_or_default();
    let enabled = |id: RuleId| settings.is_enabled(id) && !ignored_here.contains(&id);
    let mut diagnostics = Vec::new();

    if let Some(syntax) = registry::by_code("DL1000").filter(|&id| enabled(id)) {
        for error in model.file().errors() {
            diagnostics.push(Diagnostic::new(
                syntax.meta().code,
                syntax.meta().severity,
                error.range,
                error.message.clone(),
            ));
        }
    }
    for id in registry::ids() {
        if !enabled(id) {
            continue;
        }
        let rule = id.rule();
        if rule.meta().target != Target::Dockerfile {
            continue;
        }
        let mut ctx = DockerfileContext::new(model, &settings.options, rule.meta());
        ctx.path = input.path;
        ctx.target_stage = input.target_stage;
        ctx.context = input.context;
        rule.check_dockerfile(&mut ctx);
        diagnostics.extend(ctx.into_diagnostics());
    }
    // ShellCheck's findings (`SCxxxx`), when asked for; `ran` says whether its codes can be
    // told unused in suppressions.
    let mut shellcheck_ran = false;
    let shellcheck_ignored: Vec<String> = input
        .path
        .map(|p| settings.shellcheck_ignored_for(p))
        .unwrap_or_default();
    let shellcheck_enabled = |code: &str| {
        !settings.shellcheck.ignore.contains(code) && !shellcheck_ignored.iter().any(|c| c == code)
    };
    if settings.shellcheck.enabled {
        let checked = shellcheck::check(model, input.path, &settings.shellcheck);
        shellcheck_ran = checked.ran;
        diagnostics.extend(
            checked
                .diagnostics
                .into_iter()
                .filter(|d| shellcheck_enabled(d.code)),
        );
    }
    for d in &mut diagnostics {
        if let Some(id) = registry::by_code(d.code)
            && let Some(severity) = settings.severity_override(id)
        {
            d.severity = severity;
        } else if let Some(&severity) = settings.shellcheck.severity.get(d.code) {
            d.severity = severity;
        }
    }
    // BuildKit's `# check=` configuration: skipped checks, `error=true`, experimental checks.
    crate::buildkit_check::apply(model, settings, &enabled, &mut diagnostics);
    if !settings.disable_ignore_pragma {
        let shellcheck_active = |code: &str| shellcheck_ran && shellcheck_enabled(code);
        let extra = suppression::apply(
            model.file(),
            index,
            &mut diagnostics,
            &enabled,
            &shellcheck_active,
        );
        diagnostics.extend(extra.into_iter().map(|mut d| {
            if let Some(id) = registry::by_code(d.code)
                && let Some(severity) = settings.severity_override(id)
            {
                d.severity = severity;
            }
            d
        }));
    }
    sort(&mut diagnostics);
    diagnostics
}

/// Sorts findings by position, then code, then message; removes exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (a.range.start(), a.range.end(), a.code, &a.message).cmp(&(
            b.range.start(),
            b.range.end(),
            b.code,
            &b.message,
        ))
    });
    diagnostics.dedup_by(|a, b| a.code == b.code && a.range == b.range && a.message == b.message);
}
