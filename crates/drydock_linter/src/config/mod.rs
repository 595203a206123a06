//! Configuration: `.drydock.yaml` (nearest one upwards from each file, no merging), hadolint's
//! configuration when there is none, and command-line overrides on top.
//!
//! Layers are read into a [`Configuration`] (every field optional) and combined in order:
//! hadolint environment variables, a configuration file, the command line. The result becomes
//! [`Settings`].

mod hadolint;
pub mod resolve;
#[cfg(feature = "schema")]
mod schema;
mod yaml_value;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use hadolint::{HadolintConfig, find_hadolint_config, hadolint_env};
#[cfg(feature = "schema")]
pub use schema::{SCHEMA_ID, json_schema};
pub use yaml_value::{Located, from_yaml, parse_value};

use crate::diagnostic::Severity;
use crate::registry::{self, RuleId};
use crate::settings::{Origin, Settings, Threshold};

/// Names of drydock's configuration file, in order of preference.
pub const CONFIG_NAMES: [&str; 2] = [".drydock.yaml", ".drydock.yml"];

/// Default size limit: files larger than this are skipped with DY003.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// The `.drydock.yaml` file format.
// Its JSON schema (`schemas/drydock.schema.json`) is derived from these types (with the
// `schema` feature): the fields' doc comments become descriptions, so write them for users.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(
        title = "drydock configuration (.drydock.yaml)",
        description = "drydock reads the nearest `.drydock.yaml` (or `.drydock.yml`) in a file's folder or a parent folder; files are not merged. See https://github.com/drydock-lint/drydock#configuration"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rules to run, replacing the default set: codes, aliases, names, prefixes (`DS`) or `ALL`.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<schema::RuleSelector>>")
    )]
    pub select: Option<Vec<String>>,
    /// Rules to run in addition to the selected ones.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<schema::RuleSelector>"))]
    pub extend_select: Vec<String>,
    /// Rules never to run.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "Vec<schema::RuleSelector>"))]
    pub ignore: Vec<String>,
    /// Severity overrides by rule (`DL3008: error`); an override also turns the rule on.
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "BTreeMap<String, schema::SeverityName>")
    )]
    pub severity: BTreeMap<String, Severity>,
    /// Lowest severity that fails the run: `error`, `warning`, `info` (default), `style`,
    /// `ignore` (any finding) or `none` (never).
    #[cfg_attr(feature = "schema", schemars(with = "Option<schema::ThresholdName>"))]
    pub failure_threshold: Option<String>,
    /// Exit 0 whatever is found.
    pub no_fail: Option<bool>,
    /// Ignore every suppression comment.
    pub disable_ignore_pragma: Option<bool>,
    /// Run the rules added since the last release (preview rules).
    pub preview: Option<bool>,
    /// Globs of paths not to lint, relative to this file's folder.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Rules to ignore in files matching a glob (relative to this file's folder).
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "BTreeMap<String, Vec<schema::RuleSelector>>")
    )]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// Files larger than this many bytes are skipped (DY003).
    #[cfg_attr(feature = "schema", schemars(extend("default" = DEFAULT_MAX_FILE_SIZE)))]
    pub max_file_size: Option<u64>,
    /// Options for individual rules.
    #[serde(default)]
    pub options: OptionsFile,
    /// Output format(s) of `drydock check` when the command line names none: one name or a
    /// list (`sarif`, `[json, gnu]`). Read from the configuration that applies to the working
    /// folder.
    #[cfg_attr(feature = "schema", schemars(with = "Option<schema::Formats>"))]
    pub format: Option<OneOrMany>,
    /// Run ShellCheck on `RUN` scripts and report its findings as `SCxxxx` codes (off by
    /// default; needs the `shellcheck` binary).
    pub shellcheck: Option<bool>,
    /// The ShellCheck binary: a path (relative to this file's folder) or a name looked up on
    /// `PATH` (default `shellcheck`).
    pub shellcheck_path: Option<String>,
    /// BuildKit's check configuration, as the `BUILDKIT_DOCKERFILE_CHECK` build argument
    /// gives it (`skip=StageNameCasing,UndefinedVar;error=true;experimental=all`): it replaces
    /// the `# check=` directive of every Dockerfile this configuration applies to.
    pub buildkit_dockerfile_check: Option<String>,
}

/// One value or a list of them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single value.
    One(String),
    /// A list.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values as a list.
    #[must_use]
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }
}

/// Rule options in `.drydock.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OptionsFile {
    /// Registries base images may come from (DL3026). `*` allows all, `*.example.com` a suffix.
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    /// Labels every stage must have, with their type (`text`, `url`, `semver`, `hash`,
    /// `rfc3339`, `spdx`, `email`).
    #[serde(default)]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "BTreeMap<String, schema::LabelType>")
    )]
    pub label_schema: BTreeMap<String, String>,
    /// Report labels that are not in the schema.
    pub strict_labels: Option<bool>,
}

/// A configuration error: where and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}:{}: {}", path.display(), location.line, location.column, location.message)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// Where in it.
    pub location: Located,
}

/// One layer of configuration; every field optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Configuration {
    /// Where it came from.
    pub origin: Origin,
    /// Folder relative globs are matched from.
    pub root: Option<PathBuf>,
    /// Rules replacing the default set.
    pub select: Option<Vec<String>>,
    /// Rules added.
    pub extend_select: Vec<String>,
    /// Rules removed.
    pub ignore: Vec<String>,
    /// Severity overrides, applied in order.
    pub severity: Vec<(String, Severity)>,
    /// When the run fails.
    pub failure_threshold: Option<Threshold>,
    /// Exit 0 whatever is found.
    pub no_fail: Option<bool>,
    /// Ignore suppression comments.
    pub disable_ignore_pragma: Option<bool>,
    /// Run preview rules.
    pub preview: Option<bool>,
    /// Per-file ignores.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Paths not to lint.
    pub exclude: Vec<String>,
    /// DL3026 registries.
    pub trusted_registries: Vec<String>,
    /// Required labels.
    pub label_schema: BTreeMap<String, String>,
    /// DL3050.
    pub strict_labels: Option<bool>,
    /// Size limit.
    pub max_file_size: Option<u64>,
    /// Output formats asked for by the configuration (`format`, and hadolint's `formats`).
    pub formats: Vec<String>,
    /// hadolint's `no-color`.
    pub no_color: Option<bool>,
    /// Whether hadolint's defaults apply: for Dockerfiles only the DL rules run unless more are
    /// selected (compose rules keep their defaults).
    pub hadolint_mode: bool,
    /// Run ShellCheck on `RUN` scripts.
    pub shellcheck: Option<bool>,
    /// The ShellCheck binary (a relative path is already resolved against the file's folder).
    pub shellcheck_path: Option<PathBuf>,
    /// BuildKit's check configuration replacing every file's `# check=` directive.
    pub buildkit_dockerfile_check: Option<String>,
    /// Problems that did not stop loading (hadolint's leniency): shown as warnings.
    pub warnings: Vec<String>,
}

/// Reads a configuration file as UTF-8 text: a regular file only (a FIFO would block, a device
/// such as `/dev/zero` would never end).
pub(crate) fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = drydock_compose::project::read_regular_file(path)?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

impl Configuration {
    /// Reads a `.drydock.yaml`.
    ///
    /// # Errors
    /// When the file cannot be read, is not YAML, or has unknown keys or wrong types.
    pub fn from_drydock_file(path: &Path) -> Result<Self, ConfigError> {
        let text = read_text(path).map_err(|e| ConfigError {
            path: path.to_owned(),
            location: Located {
                line: 1,
                column: 1,
                message: format!("cannot read: {e}"),
            },
        })?;
        Self::from_drydock_text(&text, path)
    }

    /// Reads `.drydock.yaml` text (`path` is used for messages and as the root of globs).
    ///
    /// # Errors
    /// As [`Configuration::from_drydock_file`].
    pub fn from_drydock_text(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let err = |location| ConfigError {
            path: path.to_owned(),
            location,
        };
        let file: ConfigFile = from_yaml(text).map_err(err)?;
        let failure_threshold = match &file.failure_threshold {
            None => None,
            Some(t) => Some(Threshold::parse(t).ok_or_else(|| {
                err(Located {
                    line: 1,
                    column: 1,
                    message: format!("failure-threshold: `{t}` is not one of error, warning, info, style, ignore, none"),
                })
            })?),
        };
        let config = Self {
            origin: Origin::Drydock(path.to_owned()),
            root: path.parent().map(Path::to_owned),
            select: file.select,
            extend_select: file.extend_select,
            ignore: file.ignore,
            severity: file.severity.into_iter().collect(),
            failure_threshold,
            no_fail: file.no_fail,
            disable_ignore_pragma: file.disable_ignore_pragma,
            preview: file.preview,
            per_file_ignores: file.per_file_ignores.into_iter().collect(),
            exclude: file.exclude,
            trusted_registries: file.options.trusted_registries,
            label_schema: file.options.label_schema,
            strict_labels: file.options.strict_labels,
            max_file_size: file.max_file_size,
            formats: file.format.map(OneOrMany::into_vec).unwrap_or_default(),
            shellcheck: file.shellcheck,
            shellcheck_path: file
                .shellcheck_path
                .map(|p| resolve_program(&p, path.parent())),
            buildkit_dockerfile_check: file.buildkit_dockerfile_check,
            ..Self::default()
        };
        if let Some(value) = &config.buildkit_dockerfile_check {
            let key = "buildkit-dockerfile-check";
            let at = locate_word(text, key).unwrap_or(Located {
                line: 1,
                column: 1,
                message: String::new(),
            });
            match crate::buildkit_check::parse_check_options(value) {
                Err(e) => {
                    return Err(err(Located {
                        message: format!("{key}: {e}"),
                        ..at
                    }));
                }
                // A misspelt name would skip nothing, silently: an error, like unknown codes.
                Ok(checks) => {
                    if let Some((name, suggestion)) = checks.unknown_names().into_iter().next() {
                        let hint = suggestion
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        return Err(err(Located {
                            message: format!(
                                "{key}: `{}` is not the name of a BuildKit build check{hint}",
                                name.name
                            ),
                            ..at
                        }));
                    }
                }
            }
        }
        // Unknown rule codes are configuration errors, reported with their position.
        config.check_codes().map_err(|message| {
            let location = locate_word(text, &message.0).unwrap_or(Located {
                line: 1,
                column: 1,
                message: String::new(),
            });
            err(Located {
                message: message.1,
                ..location
            })
        })?;
        Ok(config)
    }

    fn check_codes(&self) -> Result<(), (String, String)> {
        let lists = self
            .select
            .iter()
            .flatten()
            .chain(&self.extend_select)
            .chain(&self.ignore)
            .chain(self.severity.iter().map(|(c, _)| c))
            .chain(self.per_file_ignores.iter().flat_map(|(_, c)| c));
        for code in lists {
            if registry::select(code).is_err() && !registry::is_shellcheck_code(code) {
                let hint = suggest_code(code)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err((code.clone(), format!("unknown rule `{code}`{hint}")));
            }
        }
        Ok(())
    }

    /// Lays `other` over `self`: scalars from `other` win, lists are concatenated, and a
    /// `select` in `other` replaces this one together with its `extend-select`.
    #[must_use]
    pub fn merge(mut self, other: Configuration) -> Configuration {
        if other.select.is_some() {
            self.select = other.select;
            self.extend_select = other.extend_select;
        } else {
            self.extend_select.extend(other.extend_select);
        }
        self.ignore.extend(other.ignore);
        self.severity.extend(other.severity);
        self.failure_threshold = other.failure_threshold.or(self.failure_threshold);
        self.no_fail = other.no_fail.or(self.no_fail);
        self.disable_ignore_pragma = other.disable_ignore_pragma.or(self.disable_ignore_pragma);
        self.preview = other.preview.or(self.preview);
        self.per_file_ignores.extend(other.per_file_ignores);
        self.exclude.extend(other.exclude);
        self.trusted_registries.extend(other.trusted_registries);
        self.label_schema.extend(other.label_schema);
        self.strict_labels = other.strict_labels.or(self.strict_labels);
        self.max_file_size = other.max_file_size.or(self.max_file_size);
        self.formats.extend(other.formats);
        self.no_color = other.no_color.or(self.no_color);
        self.hadolint_mode |= other.hadolint_mode;
        self.shellcheck = other.shellcheck.or(self.shellcheck);
        self.shellcheck_path = other.shellcheck_path.or(self.shellcheck_path);
        self.buildkit_dockerfile_check = other
            .buildkit_dockerfile_check
            .or(self.buildkit_dockerfile_check);
        self.warnings.extend(other.warnings);
        if other.origin != Origin::Defaults {
            self.origin = other.origin;
            self.root = other.root.or(self.root);
        }
        self
    }

    /// The effective size limit.
    #[must_use]
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    /// Resolves the layer into settings.
    ///
    /// # Errors
    /// An unknown rule code or a bad glob (from the command line: a usage error).
    pub fn to_settings(&self) -> Result<Settings, String> {
        let select_all = |codes: &[String]| -> Result<Vec<RuleId>, String> {
            let mut out = Vec::new();
            for code in codes {
                if registry::is_shellcheck_code(code) {
                    continue;
                }
                match registry::select(code) {
                    Ok(ids) => out.extend(ids),
                    Err(e) if self.hadolint_mode => {
                        let _ = e;
                    }
                    Err(e) => {
                        let hint = suggest_code(code)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        return Err(format!("{e}{hint}"));
                    }
                }
            }
            Ok(out)
        };
        let mut settings = match &self.select {
            Some(codes) => Settings::only(&select_all(codes)?),
            // hadolint's configuration speaks only for Dockerfiles: there it means "what
            // hadolint would run" (the DL rules). hadolint never reads compose files, so compose
            // rules keep their defaults, as do the notices about skipped files.
            None if self.hadolint_mode => {
                let dl: Vec<RuleId> = registry::ids()
                    .filter(|id| {
                        let meta = id.meta();
                        meta.default_enabled
                            && (meta.code.starts_with("DL")
                                || meta.target == crate::rule::Target::Compose
                                || matches!(meta.code, "DY003" | "DY004"))
                    })
                    .collect();
                Settings::only(&dl)
            }
            None => Settings::from_defaults(),
        };
        for id in select_all(&self.extend_select)? {
            settings.set_enabled(id, true);
        }
        // ShellCheck codes are not rules: they go to the ShellCheck settings.
        let shellcheck_codes = |codes: &[String]| -> Vec<String> {
            codes
                .iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| registry::is_shellcheck_code(c))
                .collect()
        };
        for (code, severity) in &self.severity {
            for id in select_all(std::slice::from_ref(code))? {
                settings.set_severity(id, *severity);
            }
            for code in shellcheck_codes(std::slice::from_ref(code)) {
                settings.shellcheck.severity.insert(code, *severity);
            }
        }
        for id in select_all(&self.ignore)? {
            settings.set_enabled(id, false);
        }
        settings
            .shellcheck
            .ignore
            .extend(shellcheck_codes(&self.ignore));
        settings.root.clone_from(&self.root);
        for (pattern, codes) in &self.per_file_ignores {
            let ids = select_all(codes)?;
            settings
                .add_per_file_ignore(pattern, ids)
                .map_err(|e| format!("per-file-ignores: bad glob `{pattern}`: {e}"))?;
            if let Some(last) = settings.per_file_ignores.last_mut() {
                last.shellcheck = shellcheck_codes(codes);
            }
        }
        settings.shellcheck.enabled = self.shellcheck.unwrap_or(false);
        settings
            .buildkit_dockerfile_check
            .clone_from(&self.buildkit_dockerfile_check);
        settings.shellcheck.path.clone_from(&self.shellcheck_path);
        settings.failure_threshold = self.failure_threshold.unwrap_or_default();
        settings.no_fail = self.no_fail.unwrap_or(false);
        settings.disable_ignore_pragma = self.disable_ignore_pragma.unwrap_or(false);
        // Preview rules run only in preview mode, however they are selected (as in ruff).
        if !self.preview.unwrap_or(false) {
            for id in registry::ids().filter(|id| id.meta().preview) {
                settings.set_enabled(id, false);
            }
        }
        settings
            .options
            .trusted_registries
            .clone_from(&self.trusted_registries);
        settings.options.label_schema.clone_from(&self.label_schema);
        settings.options.strict_labels = self.strict_labels.unwrap_or(false);
        settings.origin = self.origin.clone();
        Ok(settings)
    }
}

/// A program named in configuration: a bare name (no path separator) stays a name, to be looked
/// up on `PATH`; a relative path is taken relative to the configuration file's folder.
fn resolve_program(value: &str, base: Option<&Path>) -> PathBuf {
    let path = PathBuf::from(value);
    let bare = path.components().count() == 1 && !value.contains(['/', '\\']);
    match base {
        Some(base) if !bare && path.is_relative() => base.join(path),
        _ => path,
    }
}

fn suggest_code(code: &str) -> Option<&'static str> {
    let upper = code.to_ascii_uppercase();
    let codes: Vec<&str> = registry::rules().iter().map(|r| r.meta().code).collect();
    drydock_dockerfile::suggest::closest(&upper, &codes)
}

/// Position of the first occurrence of `word` in `text`.
fn locate_word(text: &str, word: &str) -> Option<Located> {
    let at = text.find(word)?;
    let before = &text[..at];
    let line = u32::try_from(before.matches('\n').count() + 1).ok()?;
    let column =
        u32::try_from(before.rsplit('\n').next().unwrap_or("").chars().count() + 1).ok()?;
    Some(Located {
        line,
        column,
        message: String::new(),
    })
}

/// The nearest `.drydock.yaml` (or `.drydock.yml`) in `dir` or a parent folder.
#[must_use]
pub fn find_drydock_config(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find_map(|d| CONFIG_NAMES.iter().map(|n| d.join(n)).find(|p| p.is_file()))
}

/// Applies `HADOLINT_*`-style parsing of a comma-separated list.
pub(crate) fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<Settings, String> {
        Configuration::from_drydock_text(text, Path::new("/p/.drydock.yaml"))
            .map_err(|e| e.to_string())?
            .to_settings()
    }

    #[test]
    fn select_ignore_and_severity() {
        let s = settings("select: [DS]\nignore: [DS102]\nseverity:\n  DL3004: style\n").unwrap();
        let on = |c: &str| s.is_enabled(registry::find(c).unwrap());
        assert!(on("DS101"));
        assert!(!on("DS102"));
        assert!(on("DL3004"), "a severity override turns the rule on");
        assert_eq!(
            s.severity_override(registry::find("DL3004").unwrap()),
            Some(Severity::Style)
        );
        assert!(!on("DL3002"));
    }

    #[test]
    fn format_is_one_name_or_a_list() {
        let read = |text: &str| {
            Configuration::from_drydock_text(text, Path::new("/p/.drydock.yaml"))
                .map(|c| c.formats)
                .map_err(|e| e.to_string())
        };
        assert_eq!(read("format: sarif\n").unwrap(), ["sarif"]);
        assert_eq!(read("format: [json, gnu]\n").unwrap(), ["json", "gnu"]);
        assert!(read("select: [DS]\n").unwrap().is_empty());
        assert!(read("format: {a: 1}\n").is_err());
    }

    #[test]
    fn errors_have_locations() {
        let e = settings("select: [DS]\nbogus: 1\n").unwrap_err();
        assert!(
            e.starts_with("/p/.drydock.yaml:2:1: unknown field `bogus`"),
            "{e}"
        );
        let e = settings("ignore: [DS101, NOPE42]\n").unwrap_err();
        assert_eq!(e, "/p/.drydock.yaml:1:17: unknown rule `NOPE42`");
        let e = settings("severity:\n  DL3004: loud\n").unwrap_err();
        assert!(
            e.starts_with("/p/.drydock.yaml:2:11: severity.DL3004: unknown variant `loud`"),
            "{e}"
        );
        let e = settings("select: [DS\n").unwrap_err();
        assert!(e.starts_with("/p/.drydock.yaml:"), "{e}");
        let e = settings("failure-threshold: loud\n").unwrap_err();
        assert!(e.contains("failure-threshold"), "{e}");
    }
}
