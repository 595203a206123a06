//! Resolved settings: which rules run, at which severity, with which options.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{GlobBuilder, GlobMatcher};

use crate::diagnostic::Severity;
use crate::registry::{self, RuleId};

/// When a run fails (exit code 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Threshold {
    /// Fail on findings at or above this severity.
    Severity(Severity),
    /// Fail on any finding (hadolint's `ignore`).
    Any,
    /// Never fail on findings. (hadolint 2.15.1 still fails on `none`; drydock does what the
    /// name says.)
    Never,
}

impl Threshold {
    /// Parses `error|warning|info|style|ignore|none`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "ignore" => Some(Self::Any),
            "none" => Some(Self::Never),
            other => Severity::parse(other).map(Self::Severity),
        }
    }

    /// Whether a finding at `severity` fails the run.
    #[must_use]
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            Self::Severity(threshold) => severity <= threshold,
            Self::Any => true,
            Self::Never => false,
        }
    }

    /// The name as written in configuration.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Severity(s) => s.as_str(),
            Self::Any => "ignore",
            Self::Never => "none",
        }
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Self::Severity(Severity::Info)
    }
}

/// Options some rules read.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Options {
    /// Registries images may come from (DL3026); empty means the check is off.
    pub trusted_registries: Vec<String>,
    /// Labels every stage must carry, with their type (DL3049 and friends).
    pub label_schema: BTreeMap<String, String>,
    /// Report labels not in the schema (DL3050).
    pub strict_labels: bool,
}

/// Where the settings came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
pub enum Origin {
    /// No configuration file: defaults.
    #[default]
    Defaults,
    /// A `.drydock.yaml`.
    Drydock(PathBuf),
    /// A hadolint configuration (file, or `HADOLINT_*` variables when the path is empty).
    Hadolint(PathBuf),
}

/// Rules ignored for files matching a glob.
#[derive(Clone, Debug)]
pub struct PerFileIgnore {
    /// The glob as written.
    pub pattern: String,
    pub(crate) matcher: GlobMatcher,
    /// Rules to ignore.
    pub rules: Vec<RuleId>,
    /// ShellCheck codes to ignore (`SC2086`, uppercase).
    pub shellcheck: Vec<String>,
}

/// How long one ShellCheck run (all the `RUN` scripts of one Dockerfile) may take.
pub const SHELLCHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// ShellCheck on `RUN` scripts: whether it runs, which binary, and what is done with its codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellcheckSettings {
    /// Run ShellCheck (`--shellcheck`, `shellcheck: true`); off by default.
    pub enabled: bool,
    /// The binary (`shellcheck-path`); `None` looks `shellcheck` up on `PATH`. A bare name is
    /// looked up on `PATH` too.
    pub path: Option<PathBuf>,
    /// ShellCheck codes turned off (`ignore: [SC2086]`, `--ignore SC2086`), uppercase.
    pub ignore: BTreeSet<String>,
    /// Severity overrides of ShellCheck codes (`severity: {SC2086: warning}`, `--warning SC2086`).
    pub severity: BTreeMap<String, Severity>,
    /// How long one ShellCheck run may take before it is stopped.
    pub timeout: Duration,
    /// Reproduce hadolint 2.15.1's shell tracking (an `ARG` or `ENV` resets the shell to
    /// `/bin/sh`; `ONBUILD RUN` sees only the proxy variables). For comparisons with hadolint only.
    pub hadolint_2_15_quirks: bool,
}

impl Default for ShellcheckSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            path: None,
            ignore: BTreeSet::new(),
            severity: BTreeMap::new(),
            timeout: SHELLCHECK_TIMEOUT,
            hadolint_2_15_quirks: false,
        }
    }
}

/// Everything the engine needs to lint a file.
#[derive(Clone, Debug)]
pub struct Settings {
    enabled: Vec<bool>,
    severity: Vec<Option<Severity>>,
    /// Rule options.
    pub options: Options,
    /// When the run fails.
    pub failure_threshold: Threshold,
    /// Exit 0 whatever is found.
    pub no_fail: bool,
    /// Ignore every suppression comment.
    pub disable_ignore_pragma: bool,
    /// Rules ignored per file glob.
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Folder that relative globs are matched from (the configuration file's folder).
    pub root: Option<PathBuf>,
    /// Where these settings came from.
    pub origin: Origin,
    /// ShellCheck on `RUN` scripts.
    pub shellcheck: ShellcheckSettings,
    /// BuildKit's check configuration (`buildkit-dockerfile-check`, the
    /// `BUILDKIT_DOCKERFILE_CHECK` build argument): replaces every file's `# check=` directive.
    pub buildkit_dockerfile_check: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_defaults()
    }
}

impl Settings {
    /// Every rule that is on by default, at its default severity.
    #[must_use]
    pub fn from_defaults() -> Self {
        let enabled = registry::rules()
            .iter()
            .map(|r| r.meta().default_enabled)
            .collect();
        Self::with_enabled(enabled)
    }

    /// Only the given rules (tests, `drydock check --select`).
    #[must_use]
    pub fn only(rules: &[RuleId]) -> Self {
        let mut enabled = vec![false; registry::rules().len()];
        for id in rules {
            enabled[id.0] = true;
        }
        Self::with_enabled(enabled)
    }

    fn with_enabled(enabled: Vec<bool>) -> Self {
        let n = enabled.len();
        Self {
            enabled,
            severity: vec![None; n],
            options: Options::default(),
            failure_threshold: Threshold::default(),
            no_fail: false,
            disable_ignore_pragma: false,
            per_file_ignores: Vec::new(),
            root: None,
            origin: Origin::Defaults,
            shellcheck: ShellcheckSettings::default(),
            buildkit_dockerfile_check: None,
        }
    }

    /// Whether a rule runs.
    #[must_use]
    pub fn is_enabled(&self, id: RuleId) -> bool {
        self.enabled[id.0]
    }

    /// Turns a rule on or off.
    pub fn set_enabled(&mut self, id: RuleId, on: bool) {
        self.enabled[id.0] = on;
    }

    /// The rules that run.
    pub fn enabled_rules(&self) -> impl Iterator<Item = RuleId> + '_ {
        self.enabled
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .map(|(i, _)| RuleId(i))
    }

    /// Overrides a rule's severity (and turns it on, as hadolint's overrides do).
    pub fn set_severity(&mut self, id: RuleId, severity: Severity) {
        self.severity[id.0] = Some(severity);
        self.enabled[id.0] = true;
    }

    /// The configured severity override of a rule.
    #[must_use]
    pub fn severity_override(&self, id: RuleId) -> Option<Severity> {
        self.severity[id.0]
    }

    /// Adds a per-file ignore.
    ///
    /// # Errors
    /// When the glob does not parse.
    pub fn add_per_file_ignore(
        &mut self,
        pattern: &str,
        rules: Vec<RuleId>,
    ) -> Result<(), globset::Error> {
        let matcher = GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()?
            .compile_matcher();
        self.per_file_ignores.push(PerFileIgnore {
            pattern: pattern.to_owned(),
            matcher,
            rules,
            shellcheck: Vec::new(),
        });
        Ok(())
    }

    /// The per-file ignores that apply to `path`.
    fn per_file_for<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a PerFileIgnore> + 'a {
        let relative = self
            .root
            .as_deref()
            .and_then(|root| path.strip_prefix(root).ok())
            .unwrap_or(path);
        let name = path.file_name().map(Path::new);
        self.per_file_ignores.iter().filter(move |p| {
            p.matcher.is_match(relative) || name.is_some_and(|n| p.matcher.is_match(n))
        })
    }

    /// ShellCheck codes ignored for `path` by `per-file-ignores`.
    #[must_use]
    pub fn shellcheck_ignored_for(&self, path: &Path) -> Vec<String> {
        self.per_file_for(path)
            .flat_map(|p| p.shellcheck.iter().cloned())
            .collect()
    }

    /// Rules ignored for `path` by `per-file-ignores`.
    #[must_use]
    pub fn ignored_for(&self, path: &Path) -> Vec<RuleId> {
        if self.per_file_ignores.is_empty() {
            return Vec::new();
        }
        self.per_file_for(path)
            .flat_map(|p| p.rules.iter().copied())
            .collect()
    }
}
