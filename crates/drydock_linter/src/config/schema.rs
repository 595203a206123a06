//! The JSON schema of `.drydock.yaml`, derived with `schemars` from [`ConfigFile`] (the serde
//! types the file is read with, so the schema follows `rename_all`, `deny_unknown_fields` and
//! the doc comments), plus what serde cannot know: the rule selectors, severities, thresholds,
//! label types and output formats drydock accepts, as enums editors complete.
//!
//! The checked-in `schemas/drydock.schema.json` is this output; a test in `tests/` fails when
//! it is stale (`DRYDOCK_UPDATE=1` rewrites it).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};

use super::ConfigFile;
use crate::diagnostic::Severity;
use crate::registry;

/// Where the schema is published (its `$id`).
pub const SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/drydock-lint/drydock/main/schemas/drydock.schema.json";

/// The schema (draft-07, which YAML and JSON editors support best). `formats` are the output
/// format names `drydock check -f` accepts (the command line owns them).
#[must_use]
pub fn json_schema(formats: &[&str]) -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<ConfigFile>();
    let mut value = schema.to_value();
    unwrap_descriptions(&mut value);
    if let Some(object) = value.as_object_mut() {
        object.insert("$id".to_owned(), json!(SCHEMA_ID));
        // Format names come from the command line's definition, not from this crate.
        if let Some(formats_def) = object
            .get_mut("definitions")
            .and_then(|d| d.get_mut("Formats"))
        {
            let one = json!({"type": "string", "enum": formats});
            *formats_def = json!({
                "description": "One output format or a list of them.",
                "anyOf": [one, {"type": "array", "items": one}],
            });
        }
    }
    value
}

/// Joins the lines of each `description` (doc comments are wrapped at 100 columns; editors show
/// descriptions as they are), keeping paragraph breaks.
fn unwrap_descriptions(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match child {
                    Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => unwrap_descriptions(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// A rule selector: a code, alias, name, code prefix, `ALL`, or a ShellCheck code.
pub(crate) struct RuleSelector;

impl JsonSchema for RuleSelector {
    fn schema_name() -> Cow<'static, str> {
        "RuleSelector".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut values: Vec<String> = vec!["ALL".to_owned()];
        let mut descriptions: Vec<String> = vec!["Every rule.".to_owned()];
        let mut prefixes: Vec<&str> = Vec::new();
        for rule in registry::rules() {
            let meta = rule.meta();
            let family = meta.code.trim_end_matches(|c: char| c.is_ascii_digit());
            if !prefixes.contains(&family) {
                prefixes.push(family);
            }
        }
        for prefix in prefixes {
            values.push(prefix.to_owned());
            descriptions.push(format!("Every `{prefix}` rule."));
        }
        let mut names: Vec<(String, String)> = Vec::new();
        for rule in registry::rules() {
            let meta = rule.meta();
            let summary = meta.summary();
            values.push(meta.code.to_owned());
            descriptions.push(format!("`{}`: {summary}", meta.name));
            names.push((meta.name.to_owned(), format!("`{}`: {summary}", meta.code)));
            for alias in meta.aliases {
                names.push(((*alias).to_owned(), format!("`{}`: {summary}", meta.code)));
            }
        }
        for (name, description) in names {
            if !values.contains(&name) {
                values.push(name);
                descriptions.push(description);
            }
        }
        json_schema!({
            "type": "string",
            "description": "A rule code (`DS101`), alias, name (`missing-user`), code prefix (`DS`, `DL30`), `ALL`, or a ShellCheck code (`SC2086`). Case does not matter for codes.",
            "anyOf": [
                {"enum": values, "markdownEnumDescriptions": descriptions},
                // Code prefixes (`DL30`), other cases, and ShellCheck codes: drydock reports an
                // unknown one with its position.
                {"pattern": "^[A-Za-z][A-Za-z0-9-]*$"}
            ]
        })
    }
}

/// A severity name.
pub(crate) struct SeverityName;

impl JsonSchema for SeverityName {
    fn schema_name() -> Cow<'static, str> {
        "Severity".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
        json_schema!({
            "type": "string",
            "enum": names,
            "markdownEnumDescriptions": [
                "Breaks the build or is a serious security problem.",
                "Likely a problem.",
                "Worth knowing.",
                "Style and conventions.",
            ],
        })
    }
}

/// A failure threshold.
pub(crate) struct ThresholdName;

impl JsonSchema for ThresholdName {
    fn schema_name() -> Cow<'static, str> {
        "FailureThreshold".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "enum": ["error", "warning", "info", "style", "ignore", "none"],
            "default": "info",
            "markdownEnumDescriptions": [
                "Fail on errors only.",
                "Fail on warnings and errors.",
                "Fail on info, warnings and errors (the default).",
                "Fail on findings of every severity, style included.",
                "Fail on any finding (hadolint's name for it).",
                "Never fail on findings.",
            ],
        })
    }
}

/// A label type of `options.label-schema`.
pub(crate) struct LabelType;

impl JsonSchema for LabelType {
    fn schema_name() -> Cow<'static, str> {
        "LabelType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "enum": ["text", "url", "semver", "hash", "rfc3339", "spdx", "email"],
        })
    }
}

/// Output formats (filled in by [`json_schema`]).
pub(crate) struct Formats;

impl JsonSchema for Formats {
    fn schema_name() -> Cow<'static, str> {
        "Formats".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({})
    }
}
