//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF readers.
//!
//! hadolint's shape (keys in alphabetical order, `level` error/warning/note with info and style
//! as `note`, `defaultSourceLanguage`, `sourceLanguage` per region) with drydock's tool
//! metadata and what hadolint leaves out:
//!
//! - `tool.driver.rules`: one descriptor for every rule that has a result (sorted by code):
//!   `id`, `name`, `shortDescription` (the rule's summary), `fullDescription` ("What it
//!   does"), `help` (the whole documentation, as text and Markdown), `helpUri` (its section
//!   of `rules.md` under `--rules-url`), `defaultConfiguration.level`, and
//!   `properties.tags` (the category; security rules also get GitHub's
//!   `security-severity`). Results point at their descriptor with `ruleIndex`.
//! - Exact regions: start and end line and column, the end exclusive; columns count Unicode
//!   characters, declared with `columnKind: unicodeCodePoints`.
//! - `fixes` for findings that have one: the edits as `artifactChanges`/`replacements`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use drydock_linter::registry::{self, RuleId};
use drydock_linter::rule::{Category, RuleMeta};
use drydock_linter::{Applicability, Severity};

use super::{Context, FileResult, Finding, Position, REPOSITORY_URL};
use crate::args::Format;
use crate::discover::FileKind;

/// The schema the output declares (and is tested against).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(serde::Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(serde::Serialize)]
struct Help<'a> {
    markdown: &'a str,
    text: &'a str,
}

#[derive(serde::Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(serde::Serialize)]
struct Properties {
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    tags: Vec<&'static str>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    default_configuration: Configuration,
    full_description: Text<'a>,
    help: Help<'a>,
    help_uri: String,
    id: &'a str,
    name: &'a str,
    properties: Properties,
    short_description: Text<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    download_uri: &'static str,
    full_name: &'static str,
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule<'a>>,
    semantic_version: &'a str,
    short_description: Text<'static>,
    version: &'a str,
}

#[derive(serde::Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: u32,
    end_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_language: Option<&'static str>,
    start_column: u32,
    start_line: u32,
}

impl Region {
    fn new(start: Position, end: Position, source_language: Option<&'static str>) -> Self {
        Self {
            end_column: end.column,
            end_line: end.line,
            source_language,
            start_column: start.column,
            start_line: start.line,
        }
    }
}

#[derive(serde::Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<Text<'a>>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation<'a>,
    replacements: Vec<Replacement<'a>>,
}

#[derive(serde::Serialize)]
struct FixProperties {
    applicability: Applicability,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix<'a> {
    artifact_changes: Vec<ArtifactChange<'a>>,
    description: Text<'a>,
    properties: FixProperties,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Result<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix<'a>>,
    level: &'static str,
    locations: Vec<Location<'a>>,
    message: Text<'a>,
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    column_kind: &'static str,
    default_source_language: &'static str,
    results: Vec<Result<'a>>,
    tool: Tool<'a>,
}

#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: Vec<Run<'a>>,
    version: &'static str,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// GitHub's `security-severity` (0.0-10.0; 7.0 and up is "high") for security rules.
fn security_severity(meta: &RuleMeta) -> Option<&'static str> {
    (meta.category == Category::Security).then_some(match meta.severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "3.0",
        Severity::Style => "1.0",
    })
}

/// The "What it does" section of a rule's documentation.
fn what_it_does(documentation: &str) -> String {
    let body = documentation
        .split("## What it does")
        .nth(1)
        .unwrap_or(documentation);
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].trim().to_owned()
}

/// The first sentence of a rule's summary: SARIF's `shortDescription` is meant to be short.
fn first_sentence(summary: &str) -> String {
    let mut in_code = false;
    for (i, c) in summary.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '.' if !in_code => {
                let rest = &summary[i + 1..];
                if rest.is_empty() || rest.starts_with(' ') {
                    return summary[..=i].to_owned();
                }
            }
            _ => {}
        }
    }
    summary.to_owned()
}

/// A path as a URI reference: forward slashes, every byte outside RFC 3986's unreserved set
/// and `/` percent-encoded; absolute paths become `file://` URIs.
#[must_use]
pub fn uri_of(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut out = String::with_capacity(slashed.len());
    let absolute = slashed.starts_with('/');
    if absolute {
        out.push_str("file://");
    } else if slashed.len() > 1 && slashed.as_bytes()[1] == b':' {
        // A Windows drive path.
        out.push_str("file:///");
    }
    for b in slashed.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Descriptors {
    /// Rule index in the output, by registry position.
    index: BTreeMap<RuleId, usize>,
    /// The rules in output order: metadata, documentation, "What it does", summary.
    rules: Vec<(&'static RuleMeta, String, String, String)>,
}

fn descriptors(results: &[FileResult]) -> Descriptors {
    let mut ids: Vec<RuleId> = results
        .iter()
        .flat_map(|r| &r.findings)
        .filter_map(|f| registry::by_code(f.diagnostic.code))
        .collect();
    ids.sort_by_key(|id| id.meta().code);
    ids.dedup();
    let index = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules = ids
        .iter()
        .map(|id| {
            let meta = id.meta();
            let docs = meta.documentation();
            let what = what_it_does(&docs);
            (meta, docs, what, first_sentence(&meta.summary()))
        })
        .collect();
    Descriptors { index, rules }
}

fn fixes<'a>(f: &'a Finding, uri: &'a str) -> Vec<Fix<'a>> {
    let Some(fix) = &f.diagnostic.fix else {
        return Vec::new();
    };
    let replacements = f
        .edits
        .iter()
        .map(|(start, end, content)| Replacement {
            deleted_region: Region::new(*start, *end, None),
            inserted_content: (!content.is_empty()).then_some(Text { text: content }),
        })
        .collect();
    vec![Fix {
        artifact_changes: vec![ArtifactChange {
            artifact_location: ArtifactLocation { uri },
            replacements,
        }],
        description: Text { text: &fix.title },
        properties: FixProperties {
            applicability: fix.applicability,
        },
    }]
}

/// Writes the log.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let descriptors = descriptors(results);
    let uris: Vec<String> = results
        .iter()
        .map(|r| uri_of(&ctx.report_path(Format::Sarif, &r.path)))
        .collect();
    let mut items = Vec::new();
    for (result, uri) in results.iter().zip(&uris) {
        let language = match result.kind {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "yaml",
        };
        for f in &result.findings {
            let d = &f.diagnostic;
            items.push(Result {
                fixes: fixes(f, uri),
                level: level(d.severity),
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri },
                        region: Region::new(f.start, f.end, Some(language)),
                    },
                }],
                message: Text { text: &d.message },
                rule_id: d.code,
                rule_index: registry::by_code(d.code)
                    .and_then(|id| descriptors.index.get(&id).copied()),
            });
        }
    }
    let rules = descriptors
        .rules
        .iter()
        .map(|(meta, docs, what, summary)| Rule {
            default_configuration: Configuration {
                level: level(meta.severity),
            },
            full_description: Text { text: what },
            help: Help {
                markdown: docs,
                text: docs,
            },
            help_uri: format!("{}#{}", ctx.rules_url, crate::commands::rules::anchor(meta)),
            id: meta.code,
            name: meta.name,
            properties: Properties {
                security_severity: security_severity(meta),
                tags: vec![meta.category.as_str()],
            },
            short_description: Text { text: summary },
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        runs: vec![Run {
            column_kind: "unicodeCodePoints",
            default_source_language: "dockerfile",
            results: items,
            tool: Tool {
                driver: Driver {
                    download_uri: REPOSITORY_URL,
                    full_name: "drydock Dockerfile and Docker Compose linter",
                    information_uri: REPOSITORY_URL,
                    name: "drydock",
                    rules,
                    semantic_version: &ctx.version,
                    short_description: Text {
                        text: "A Dockerfile and Docker Compose linter",
                    },
                    version: &ctx.version,
                },
            },
        }],
        version: "2.1.0",
    };
    serde_json::to_writer(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_descriptions() {
        assert_eq!(
            first_sentence("Reports `a.b` here. And more. Even more."),
            "Reports `a.b` here."
        );
        assert_eq!(first_sentence("No period"), "No period");
        assert_eq!(
            first_sentence("Version 1.2 is fine."),
            "Version 1.2 is fine."
        );
    }

    #[test]
    fn uris() {
        assert_eq!(uri_of("a/Dockerfile"), "a/Dockerfile");
        assert_eq!(uri_of("my dir/Dockerfile"), "my%20dir/Dockerfile");
        assert_eq!(uri_of("/abs/x:y"), "file:///abs/x%3Ay");
        assert_eq!(uri_of("-"), "-");
    }
}
