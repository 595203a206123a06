//! hadolint's configuration: `.hadolint.yaml` in hadolint's search locations and the
//! `HADOLINT_*` environment variables, read with hadolint's keys and leniency (unknown keys and
//! broken files are warnings, not errors).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Configuration, parse_value, split_list};
use crate::diagnostic::Severity;
use crate::settings::{Origin, Threshold};

/// A hadolint configuration file that was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HadolintConfig {
    /// Its path.
    pub path: PathBuf,
}

/// hadolint's search order: the working folder, `$XDG_CONFIG_HOME`, `~/.hadolint/`, `~`.
#[must_use]
pub fn find_hadolint_config(
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<HadolintConfig> {
    let home = env("HOME").map(PathBuf::from);
    let xdg = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let mut candidates: Vec<PathBuf> = vec![cwd.join(".hadolint.yaml"), cwd.join(".hadolint.yml")];
    if let Some(xdg) = xdg {
        candidates.push(xdg.join("hadolint.yaml"));
        candidates.push(xdg.join("hadolint.yml"));
    }
    if let Some(home) = &home {
        for name in ["hadolint.yaml", "hadolint.yml", "config.yaml", "config.yml"] {
            candidates.push(home.join(".hadolint").join(name));
        }
        candidates.push(home.join(".hadolint.yaml"));
        candidates.push(home.join(".hadolint.yml"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .map(|path| HadolintConfig { path })
}

fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "y" | "on" | "true" | "yes"
    )
}

/// The `HADOLINT_*` variables as a configuration layer; `None` when none is set.
#[must_use]
pub fn hadolint_env(env: &dyn Fn(&str) -> Option<String>) -> Option<Configuration> {
    let mut config = Configuration {
        hadolint_mode: true,
        origin: Origin::Hadolint(PathBuf::new()),
        ..Configuration::default()
    };
    let mut any = false;
    let mut get = |name: &str| {
        let value = env(name);
        any |= value.is_some();
        value
    };
    if let Some(v) = get("HADOLINT_NOFAIL") {
        config.no_fail = Some(truthy(&v));
    }
    if let Some(v) = get("HADOLINT_STRICT_LABELS") {
        config.strict_labels = Some(truthy(&v));
    }
    if let Some(v) = get("HADOLINT_DISABLE_IGNORE_PRAGMA") {
        config.disable_ignore_pragma = Some(truthy(&v));
    }
    let _ = get("HADOLINT_VERBOSE");
    if let Some(v) = get("HADOLINT_FORMAT") {
        config.formats = split_list(&v);
    }
    if let Some(v) = get("HADOLINT_FAILURE_THRESHOLD") {
        match Threshold::parse(&v) {
            Some(t) => config.failure_threshold = Some(t),
            None => config.warnings.push(format!(
                "HADOLINT_FAILURE_THRESHOLD: `{v}` is not a severity; ignored"
            )),
        }
    }
    for (var, severity) in [
        ("HADOLINT_OVERRIDE_ERROR", Severity::Error),
        ("HADOLINT_OVERRIDE_WARNING", Severity::Warning),
        ("HADOLINT_OVERRIDE_INFO", Severity::Info),
        ("HADOLINT_OVERRIDE_STYLE", Severity::Style),
    ] {
        if let Some(v) = get(var) {
            config
                .severity
                .extend(split_list(&v).into_iter().map(|c| (c, severity)));
        }
    }
    if let Some(v) = get("HADOLINT_IGNORE") {
        config.ignore = split_list(&v);
    }
    if let Some(v) = get("HADOLINT_TRUSTED_REGISTRIES") {
        config.trusted_registries = split_list(&v);
    }
    if let Some(v) = get("HADOLINT_REQUIRE_LABELS") {
        for item in split_list(&v) {
            if let Some((label, ty)) = item.split_once(':') {
                config.label_schema.insert(label.to_owned(), ty.to_owned());
            }
        }
    }
    config.severity = order_overrides(config.severity);
    any.then_some(config)
}

/// hadolint gives a code listed under several overrides the most serious one
/// (error > warning > info > style); applying them least serious first makes the last one win.
fn order_overrides(mut overrides: Vec<(String, Severity)>) -> Vec<(String, Severity)> {
    overrides.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    overrides
}

impl Configuration {
    /// Reads a hadolint configuration file the way hadolint does: unknown keys are ignored with a
    /// warning, and a file that is not valid YAML or has a wrong type gives a warning and an empty
    /// configuration (the run goes on).
    #[must_use]
    pub fn from_hadolint_file(path: &Path) -> Self {
        let mut config = Configuration {
            hadolint_mode: true,
            origin: Origin::Hadolint(path.to_owned()),
            root: path.parent().map(Path::to_owned),
            ..Configuration::default()
        };
        let text = match super::read_text(path) {
            Ok(text) => text,
            Err(e) => {
                config.warnings.push(format!(
                    "{}: cannot read: {e}; using no hadolint configuration",
                    path.display()
                ));
                return config;
            }
        };
        let value = match parse_value(&text) {
            Ok((value, ..)) => value,
            Err(e) => {
                config.warnings.push(format!(
                    "{}:{}:{}: {}; using no hadolint configuration",
                    path.display(),
                    e.line,
                    e.column,
                    e.message
                ));
                return config;
            }
        };
        let Value::Object(map) = value else {
            config.warnings.push(format!(
                "{}: not a mapping; using no hadolint configuration",
                path.display()
            ));
            return config;
        };
        let mut problems = Vec::new();
        let list = |v: &Value, key: &str, problems: &mut Vec<String>| -> Vec<String> {
            match v {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s.clone()),
                        other => {
                            problems.push(format!("{key}: `{other}` is not a string"));
                            None
                        }
                    })
                    .collect(),
                Value::Null => Vec::new(),
                other => {
                    problems.push(format!("{key}: expected a list, found `{other}`"));
                    Vec::new()
                }
            }
        };
        let boolean = |v: &Value, key: &str, problems: &mut Vec<String>| match v {
            Value::Bool(b) => Some(*b),
            other => {
                problems.push(format!("{key}: expected true or false, found `{other}`"));
                None
            }
        };
        let mut overrides = Vec::new();
        for (key, v) in &map {
            match key.as_str() {
                "ignored" => config.ignore = list(v, key, &mut problems),
                "override" => match v {
                    Value::Object(levels) => {
                        for (level, codes) in levels {
                            match Severity::parse(level) {
                                Some(severity) => overrides.extend(
                                    list(codes, &format!("override.{level}"), &mut problems)
                                        .into_iter()
                                        .map(|c| (c, severity)),
                                ),
                                None => problems
                                    .push(format!("override.{level}: unknown severity; ignored")),
                            }
                        }
                    }
                    Value::Null => {}
                    other => {
                        problems.push(format!("override: expected a mapping, found `{other}`"));
                    }
                },
                "trustedRegistries" => config.trusted_registries = list(v, key, &mut problems),
                "label-schema" => match v {
                    Value::Object(labels) => {
                        for (label, ty) in labels {
                            let ty = match ty {
                                Value::String(s) if s.is_empty() => "text".to_owned(),
                                Value::String(s) => s.clone(),
                                Value::Null => "text".to_owned(),
                                other => other.to_string(),
                            };
                            config.label_schema.insert(label.clone(), ty);
                        }
                    }
                    Value::Null => {}
                    other => {
                        problems.push(format!("label-schema: expected a mapping, found `{other}`"));
                    }
                },
                "strict-labels" => config.strict_labels = boolean(v, key, &mut problems),
                "no-fail" => config.no_fail = boolean(v, key, &mut problems),
                "no-color" => config.no_color = boolean(v, key, &mut problems),
                "disable-ignore-pragma" => {
                    config.disable_ignore_pragma = boolean(v, key, &mut problems);
                }
                "failure-threshold" => match v.as_str().and_then(Threshold::parse) {
                    Some(t) => config.failure_threshold = Some(t),
                    None => problems.push(format!("failure-threshold: `{v}` is not a severity")),
                },
                "format" => match v {
                    Value::String(s) => config.formats.push(s.clone()),
                    other => {
                        problems.push(format!("format: expected a format name, found `{other}`"));
                    }
                },
                "formats" => config.formats.extend(list(v, key, &mut problems)),
                "verbose" => {}
                other => problems.push(format!(
                    "unknown key `{other}` ignored (drydock reads hadolint's keys only)"
                )),
            }
        }
        config.severity = order_overrides(overrides);
        config.warnings.extend(
            problems
                .into_iter()
                .map(|p| format!("{}: {p}", path.display())),
        );
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    #[test]
    fn env_variables() {
        let vars = |name: &str| match name {
            "HADOLINT_IGNORE" => Some("DL3008, DL3009".to_owned()),
            "HADOLINT_OVERRIDE_ERROR" => Some("DL3004".to_owned()),
            "HADOLINT_OVERRIDE_STYLE" => Some("DL3004".to_owned()),
            "HADOLINT_NOFAIL" => Some("Yes".to_owned()),
            _ => None,
        };
        let config = hadolint_env(&vars).unwrap();
        assert_eq!(config.ignore, ["DL3008", "DL3009"]);
        assert_eq!(config.no_fail, Some(true));
        let settings = config.to_settings().unwrap();
        let dl3004 = registry::find("DL3004").unwrap();
        assert_eq!(
            settings.severity_override(dl3004),
            Some(Severity::Error),
            "error beats style"
        );
        assert!(settings.is_enabled(registry::find("DL3002").unwrap()));
        assert!(
            !settings.is_enabled(registry::find("DS101").unwrap()),
            "hadolint mode: only DL rules"
        );
        assert!(hadolint_env(&|_: &str| None).is_none());
    }
}
