//! What a rule is: its metadata (declared next to its code with [`declare_rule!`]) and the
//! [`Rule`] trait the engine calls.

use std::path::Path;

use drydock_dockerfile::model::Model;
use drydock_dockerfile::{Instruction, InstructionKind};
use drydock_text::TextRange;
use either::Either;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::dockerfile::hadolint::CommandCache;
use crate::settings::Options;

/// Broad families of rules (used in `drydock rules` and the documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Hardening: users, privileges, secrets, transport security, supply chain.
    Security,
    /// Something that fails the build, or does not do what it seems to.
    Correctness,
    /// Reproducibility, image size and maintainability practices.
    BestPractice,
    /// Conventions and consistency.
    Style,
    /// drydock's own findings about the input or its suppressions.
    Engine,
}

impl Category {
    /// The kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Correctness => "correctness",
            Category::BestPractice => "best-practice",
            Category::Style => "style",
            Category::Engine => "engine",
        }
    }
}

/// Whether a rule offers fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAvailability {
    /// Never.
    None,
    /// For some findings.
    Sometimes,
    /// For every finding.
    Always,
}

/// Which files a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Dockerfiles.
    Dockerfile,
    /// Compose files.
    Compose,
    /// Any file drydock reads (engine diagnostics).
    Any,
}

/// Everything known about a rule besides its code.
#[derive(Debug)]
pub struct RuleMeta {
    /// Primary code, shown in output (`DL3008`, `DS101`).
    pub code: &'static str,
    /// kebab-case name naming the problem (`missing-user`).
    pub name: &'static str,
    /// Other codes that select the same rule (a BuildKit check name, a drydock code of a twin).
    pub aliases: &'static [&'static str],
    /// Family.
    pub category: Category,
    /// Default severity.
    pub severity: Severity,
    /// Whether it runs when no configuration selects rules.
    pub default_enabled: bool,
    /// Fix availability.
    pub fix: FixAvailability,
    /// Which files it checks.
    pub target: Target,
    /// A rule added since the last release: it runs only in preview mode (`--preview`,
    /// `preview: true`) until the next minor release makes it stable.
    pub preview: bool,
    /// The documentation: the rule's doc comment, Markdown, with the sections What it does /
    /// Why is this bad? / Example / Use instead (/ Fix safety).
    pub docs: &'static str,
    /// The source file declaring the rule (relative to the crate).
    pub source: &'static str,
}

impl RuleMeta {
    /// The documentation with the one-space indentation of doc comments removed.
    #[must_use]
    pub fn documentation(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_owned() + "\n"
    }

    /// The first paragraph of "What it does", as a one-line summary.
    #[must_use]
    pub fn summary(&self) -> String {
        let docs = self.documentation();
        let body = docs.split("## What it does").nth(1).unwrap_or(&docs);
        body.trim_start()
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether `code` (a code, alias or name, case-insensitively) names this rule.
    #[must_use]
    pub fn answers_to(&self, code: &str) -> bool {
        self.code.eq_ignore_ascii_case(code)
            || self.name.eq_ignore_ascii_case(code)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(code))
    }
}

/// Declares a rule's struct and metadata; the doc comment becomes the rule's documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub(crate) SudoInRun {
///         code: "DL3004",
///         name: "sudo-in-run",
///         aliases: [],
///         category: Security,
///         severity: Error,
///         default_enabled: true,
///         fix: None,
///         target: Dockerfile,
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            code: $code:literal,
            name: $rule_name:literal,
            aliases: [$($alias:literal),* $(,)?],
            category: $category:ident,
            severity: $severity:ident,
            default_enabled: $enabled:literal,
            fix: $fix:ident,
            target: $target:ident
            $(, preview: $preview:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            /// This rule's metadata.
            $vis const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                code: $code,
                name: $rule_name,
                aliases: &[$($alias),*],
                category: $crate::rule::Category::$category,
                severity: $crate::diagnostic::Severity::$severity,
                default_enabled: $enabled,
                fix: $crate::rule::FixAvailability::$fix,
                target: $crate::rule::Target::$target,
                preview: false $(|| $preview)?,
                docs: concat!($($doc, "\n"),*),
                source: file!(),
            };
        }
    };
}

/// What the findings of a Dockerfile rule depend on. Never does a rule read comments, the
/// file's path or files beside it unless it is [`Locality::File`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locality {
    /// Anything in the file.
    File,
    /// What it reports about the instructions of a stage depends on nothing but those
    /// instructions, the instructions of the stages it builds on (`FROM <stage>`, all the way
    /// up), those before the first `FROM`, the stage's position and what [`Rule::outside`]
    /// writes out; what it reports about the instructions before the first `FROM` depends on
    /// nothing but them and that. Every range it reports (labels and fix edits included) lies
    /// within the stage (or within the instructions before the first `FROM`).
    Stage,
    /// What it reports about an instruction depends on nothing but that instruction's text,
    /// the escape character, the shell in effect and what [`Rule::outside`] writes out; every
    /// range it reports lies within that instruction.
    Instruction,
}

/// What a rule reads outside its instruction or stage ([`Rule::outside`]), written out so that
/// different values never give the same bytes: each string with its length before it.
#[derive(Debug, Default)]
pub(crate) struct Outside(Vec<u8>);

impl Outside {
    /// Adds a number.
    pub(crate) fn number(&mut self, n: usize) -> &mut Self {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
        self
    }

    /// Adds a string.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        self.number(text.len());
        self.0.extend_from_slice(text.as_bytes());
        self
    }

    /// Adds a string that may be missing.
    pub(crate) fn maybe(&mut self, text: Option<&str>) -> &mut Self {
        match text {
            None => self.0.push(0),
            Some(text) => {
                self.0.push(1);
                self.text(text);
            }
        }
        self
    }

    /// The bytes.
    pub(crate) fn done(self) -> Option<Vec<u8>> {
        Some(self.0)
    }
}

/// A lint rule. Rules never fail: they report what they find and return.
pub trait Rule: Sync + Send + std::fmt::Debug {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;

    /// Checks a Dockerfile. The default does nothing (a compose-only or engine rule).
    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let _ = ctx;
    }

    /// Checks a compose project. The default does nothing (a Dockerfile-only or engine rule).
    fn check_compose(&self, ctx: &mut crate::compose::ComposeContext<'_>) {
        let _ = ctx;
    }

    /// How far what the rule reports about a part of a Dockerfile reaches (see
    /// [`Locality`]). An editor's next lint of an edited document carries the findings of
    /// instruction- and stage-local rules on what the edit did not touch over, and runs them
    /// only on the rest (see [`DockerfileContext::checks`]). The default is
    /// [`Locality::File`].
    fn locality(&self) -> Locality {
        Locality::File
    }

    /// For an instruction- or stage-local rule that also reads a little of the rest of the
    /// file (which stage is the last one, which names are declared anywhere): everything it
    /// reads there, written out exactly (not a hash: two different files must never give the
    /// same bytes). Its findings on an instruction (or a stage) then depend on what
    /// [`Locality`] says and on this; when an edit changes it, the rule checks the whole file
    /// again. The default, `None`, is for a rule that reads nothing else.
    fn outside(&self, model: &Model) -> Option<Vec<u8>> {
        let _ = model;
        None
    }
}

/// The instructions an instruction- or stage-local rule checks again (see
/// [`DockerfileContext::checks`]): whether each is, and the list of those that are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Only<'a> {
    pub(crate) mask: &'a [bool],
    pub(crate) list: &'a [usize],
}

/// What a Dockerfile rule sees, and where it reports.
pub struct DockerfileContext<'a> {
    /// The typed model (syntax tree, stages, scopes, shell views).
    pub model: &'a Model,
    /// Rule options from the configuration.
    pub options: &'a Options,
    /// The file's path, when it has one.
    pub path: Option<&'a Path>,
    /// The stage a compose service builds (`build.target`), when linted through compose.
    pub target_stage: Option<&'a str>,
    /// The build context folder, when the caller knows it (a compose service's
    /// `build.context`); otherwise the Dockerfile's folder is the context.
    pub context: Option<&'a Path>,
    pub(crate) rule: &'static RuleMeta,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The instructions to check, when not all of them (an instruction- or stage-local rule
    /// re-checking an edited document).
    pub(crate) only: Option<Only<'a>>,
    /// [`DockerfileContext::walks_stage`] of each stage, worked out at the first call.
    walked: std::cell::OnceCell<Vec<bool>>,
    /// The hadolint commands of the `RUN`s, shared by the rules of one lint.
    pub(crate) commands: Option<&'a CommandCache<'a>>,
}

impl<'a> DockerfileContext<'a> {
    /// A context for running `rule` alone (tests and the engine).
    #[must_use]
    pub fn new(model: &'a Model, options: &'a Options, rule: &'static RuleMeta) -> Self {
        Self {
            model,
            options,
            path: None,
            target_stage: None,
            context: None,
            rule,
            diagnostics: Vec::new(),
            only: None,
            walked: std::cell::OnceCell::new(),
            commands: None,
        }
    }

    /// Whether instruction `index` is to be checked. Always true, except when an
    /// instruction- or stage-local rule (see [`Rule::locality`]) re-checks an edited document:
    /// its findings on the instructions (or stages) the edit did not touch are carried over
    /// from the previous lint, and what it reports on them anyway is dropped. A stage-local
    /// rule checks all of a stage or none of it: it may skip a stage when its `FROM` is not to
    /// be checked.
    #[must_use]
    pub fn checks(&self, index: usize) -> bool {
        self.checked()(index)
    }

    /// [`DockerfileContext::checks`] as a function that does not borrow the context.
    pub(crate) fn checked(&self) -> impl Fn(usize) -> bool + Copy + use<'a> {
        let only = self.only;
        move |index| only.is_none_or(|only| only.mask[index])
    }

    /// The indices of the instructions to check ([`DockerfileContext::checks`]), in order
    /// (without going through the others).
    pub(crate) fn indices(&self) -> impl Iterator<Item = usize> + use<'a> {
        // (`Either` rather than a chain of two optional iterators: rules walk this for every
        // instruction of every file, and the chain cost several times more per step.)
        match self.only {
            None => Either::Left(0..self.model.instruction_count()),
            Some(only) => Either::Right(only.list.iter().copied()),
        }
    }

    /// Whether a stage-local rule has to go through stage `stage`: it is to be checked
    /// ([`DockerfileContext::checks`] of its `FROM`), or a stage to be checked builds on it
    /// (`FROM <stage>`, all the way down), so that where that one starts depends on how this one
    /// ends.
    #[must_use]
    pub fn walks_stage(&self, stage: usize) -> bool {
        let Some(only) = self.only else {
            return true;
        };
        let walked = self.walked.get_or_init(|| {
            let stages = self.model.stages();
            let mut walked = vec![false; stages.len()];
            for s in stages.iter().filter(|s| only.mask[s.from]) {
                for a in self.model.ancestry(s.index) {
                    if std::mem::replace(&mut walked[a.index], true) {
                        break;
                    }
                }
            }
            walked
        });
        walked.get(stage).copied().unwrap_or(true)
    }

    /// The instructions to check ([`DockerfileContext::checks`]) with their indices.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &'a Instruction)> + use<'a> {
        let model = self.model;
        self.indices().map(move |i| (i, model.instruction(i)))
    }

    /// The instructions of one kind to check ([`DockerfileContext::checks`]; `ONBUILD`-wrapped
    /// ones are not included).
    pub fn instructions_of(
        &self,
        kind: InstructionKind,
    ) -> impl Iterator<Item = (usize, &'a Instruction)> + use<'a> {
        self.instructions()
            .filter(move |(_, instruction)| instruction.kind == kind)
    }

    /// The file's text.
    #[must_use]
    pub fn text(&self) -> &'a str {
        self.model.text()
    }

    /// Reports a finding at `range` with the rule's default severity; returns it for adding
    /// help, labels or a fix.
    pub fn report(&mut self, range: TextRange, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(
            self.rule.code,
            self.rule.severity,
            range,
            message,
        ));
        self.diagnostics
            .last_mut()
            .unwrap_or_else(|| unreachable!("just pushed"))
    }

    /// The findings reported so far.
    #[must_use]
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

#[cfg(test)]
mod tests {
    crate::declare_rule! {
        /// ## What it does
        /// A stable rule.
        Stable {
            code: "XX001",
            name: "stable",
            aliases: [],
            category: Correctness,
            severity: Warning,
            default_enabled: true,
            fix: None,
            target: Dockerfile,
        }
    }

    crate::declare_rule! {
        /// ## What it does
        /// A rule added since the last release.
        Fresh {
            code: "XX002",
            name: "fresh",
            aliases: [],
            category: Correctness,
            severity: Warning,
            default_enabled: true,
            fix: None,
            target: Dockerfile,
            preview: true,
        }
    }

    #[test]
    fn preview_is_opt_in_per_rule() {
        let preview: Vec<(&str, bool)> = [&Stable::META, &Fresh::META]
            .iter()
            .map(|m| (m.code, m.preview))
            .collect();
        assert_eq!(preview, [("XX001", false), ("XX002", true)]);
    }
}
