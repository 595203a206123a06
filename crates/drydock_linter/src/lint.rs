//! Running the rules on a file.

use std::path::Path;
use std::sync::OnceLock;

use drydock_dockerfile::model::Model;
use drydock_text::{LineIndex, SourceText};

use crate::carry::{self, LocalFindings, Plan};
use crate::diagnostic::Diagnostic;
use crate::registry::{self, RuleId};
use crate::rule::{DockerfileContext, Locality, Target};
use crate::rules::dockerfile::hadolint::CommandCache;
use crate::settings::Settings;
use crate::{shellcheck, suppression};

/// What linting one Dockerfile produced.
#[derive(Debug)]
pub struct DockerfileLint {
    /// The model the rules saw (for rendering and fixing).
    pub model: Model,
    /// Line index of the file, made when first asked for ([`DockerfileLint::index`]: the
    /// terminal output, for one, never needs it).
    index: OnceLock<LineIndex>,
    /// Findings after configuration and suppressions, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
    /// What the instruction- and stage-local rules found (for the next lint of the document
    /// after an edit); `None` from [`lint_dockerfile`].
    pub local: Option<LocalFindings>,
}

impl DockerfileLint {
    /// Line index of the file.
    #[must_use]
    pub fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(self.model.text()))
    }

    /// Splits off what the next lint of the same document, after an edit, can reuse.
    #[must_use]
    pub fn into_previous(self) -> (Vec<Diagnostic>, Previous) {
        let previous = Previous {
            model: self.model,
            local: self.local,
        };
        (self.diagnostics, previous)
    }
}

/// What a lint of an earlier version of a document leaves for the next one: its model (the
/// shell views of unchanged `RUN` instructions are taken from it) and the findings of the
/// instruction- and stage-local rules ([`Rule::locality`](crate::rule::Rule::locality)),
/// carried over on the instructions and stages an edit did not touch.
#[derive(Debug)]
pub struct Previous {
    /// The model of that version.
    pub model: Model,
    local: Option<LocalFindings>,
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

/// The Dockerfile rules, in registry order, with their locality (listed once).
fn dockerfile_rules() -> &'static [(RuleId, Locality)] {
    static RULES: OnceLock<Vec<(RuleId, Locality)>> = OnceLock::new();
    RULES.get_or_init(|| {
        registry::ids()
            .filter(|id| id.rule().meta().target == Target::Dockerfile)
            .map(|id| (id, id.rule().locality()))
            .collect()
    })
}

/// Parses and lints a Dockerfile. Never fails.
#[must_use]
pub fn lint_dockerfile(
    source: SourceText,
    input: DockerfileInput<'_>,
    settings: &Settings,
) -> DockerfileLint {
    lint(source, None, input, settings, false)
}

/// [`lint_dockerfile`] for a new version of a document whose `previous` lint is at hand (an
/// editor's buffer; `None` for its first lint). What the edit did not touch is not worked on
/// again: the items of the tree ([`drydock_dockerfile::reparse`]), the model's walk up to the
/// edit ([`Model::new_after`]), the shell views of the other instructions
/// ([`Model::reuse_shells`]), and what the instruction- and stage-local rules found on them
/// ([`Rule::locality`]) are taken from `previous`, moved to where they are now. The findings are the same as [`lint_dockerfile`]'s;
/// the result keeps what the next lint can take ([`DockerfileLint::into_previous`]).
///
/// [`Rule::locality`]: crate::rule::Rule::locality
#[must_use]
pub fn lint_dockerfile_after(
    source: SourceText,
    previous: Option<&Previous>,
    input: DockerfileInput<'_>,
    settings: &Settings,
) -> DockerfileLint {
    lint(source, previous, input, settings, true)
}

/// Parses and lints; `keep` keeps what the instruction- and stage-local rules found, for the
/// next lint.
fn lint(
    source: SourceText,
    previous: Option<&Previous>,
    input: DockerfileInput<'_>,
    settings: &Settings,
    keep: bool,
) -> DockerfileLint {
    let model = match previous {
        Some(previous) => Model::new_after(
            drydock_dockerfile::reparse(previous.model.file(), source),
            &previous.model,
        ),
        None => Model::new(drydock_dockerfile::parse(source)),
    };
    let unchanged = previous.map(|previous| {
        let unchanged = model.unchanged_since(&previous.model);
        model.reuse_shells_matched(&previous.model, &unchanged);
        unchanged
    });
    let index = OnceLock::new();
    let carry = previous
        .zip(unchanged.as_deref())
        .and_then(|(previous, unchanged)| {
            Some((&previous.model, previous.local.as_ref()?, unchanged))
        });
    let (diagnostics, local) = check(&model, &index, input, settings, carry, keep);
    DockerfileLint {
        model,
        index,
        diagnostics,
        local,
    }
}

/// Runs the enabled rules on a model and applies settings and suppressions.
#[must_use]
pub fn check_model(
    model: &Model,
    input: DockerfileInput<'_>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    check(model, &OnceLock::new(), input, settings, None, false).0
}

/// The previous lint's model and local findings, and [`Model::unchanged_since`] of the new model.
type Carry<'a> = (&'a Model, &'a LocalFindings, &'a [Option<usize>]);

fn check(
    model: &Model,
    index: &OnceLock<LineIndex>,
    input: DockerfileInput<'_>,
    settings: &Settings,
    carry: Option<Carry<'_>>,
    keep: bool,
) -> (Vec<Diagnostic>, Option<LocalFindings>) {
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
    let dockerfile_rules: Vec<(RuleId, Locality)> = dockerfile_rules()
        .iter()
        .copied()
        .filter(|&(id, _)| enabled(id))
        .collect();
    let local_rules: Vec<(RuleId, Locality)> = if keep {
        dockerfile_rules
            .iter()
            .copied()
            .filter(|&(_, locality)| locality != Locality::File)
            .collect()
    } else {
        Vec::new()
    };
    let outside: Vec<Option<Vec<u8>>> = local_rules
        .iter()
        .map(|(id, _)| id.rule().outside(model))
        .collect();
    let plan = carry.and_then(|(previous, local, unchanged)| {
        Plan::new(
            model,
            previous,
            local,
            unchanged,
            &local_rules,
            &outside,
            &settings.options,
        )
    });
    let commands = CommandCache::new(model.instruction_count());
    let mut local = Vec::new();
    for &(id, locality) in &dockerfile_rules {
        let rule = id.rule();
        let mut ctx = DockerfileContext::new(model, &settings.options, rule.meta());
        // A rule appends to the findings so far (no list of its own to grow and copy), except
        // those whose findings are kept apart for the next lint.
        let apart = keep && locality != Locality::File;
        if !apart {
            ctx.diagnostics = std::mem::take(&mut diagnostics);
        }
        ctx.path = input.path;
        ctx.target_stage = input.target_stage;
        ctx.context = input.context;
        ctx.commands = Some(&commands);
        ctx.only = plan.as_ref().and_then(|plan| match locality {
            _ if plan.whole.contains(&rule.meta().code) => None,
            Locality::File => None,
            Locality::Stage => Some(plan.recheck_parts.only()),
            Locality::Instruction => Some(plan.recheck_instructions.only()),
        });
        rule.check_dockerfile(&mut ctx);
        if apart {
            local.extend(ctx.into_diagnostics().into_iter().map(|d| (locality, d)));
        } else {
            diagnostics = ctx.into_diagnostics();
        }
    }
    let local = if keep {
        let (found, local) = carry::file(
            model,
            local,
            plan.as_ref(),
            local_rules,
            outside,
            &settings.options,
        );
        diagnostics.extend(found);
        local
    } else {
        None
    };
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
    (diagnostics, local)
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
