//! `--format sonarqube`: SonarQube's generic issue import format as hadolint writes it,
//! `{"issues":[...]}` with hadolint's keys and severity mapping (error: `CRITICAL`/`BUG`,
//! warning: `MAJOR`, info: `MINOR`, style: `INFO`, all but errors `CODE_SMELL`; a syntax error
//! `DL1000`: `BLOCKER`/`BUG`). `engineId` is `drydock`. The text range is drydock's exact
//! one, with SonarQube's 0-based columns; an empty range (a finding about the whole file)
//! leaves the columns out, since SonarQube rejects ranges that end where they start.

use std::io::{self, Write};

use drydock_linter::Severity;

use super::{Context, FileResult};
use crate::args::Format;

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TextRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    end_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    start_line: u32,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    file_path: &'a str,
    message: &'a str,
    text_range: TextRange,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Issue<'a> {
    engine_id: &'static str,
    primary_location: Location<'a>,
    rule_id: &'a str,
    severity: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    issues: Vec<Issue<'a>>,
}

/// Writes the report.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let paths: Vec<String> = results
        .iter()
        .map(|r| ctx.report_path(Format::Sonarqube, &r.path))
        .collect();
    let mut issues = Vec::new();
    for (result, path) in results.iter().zip(&paths) {
        for f in &result.findings {
            let d = &f.diagnostic;
            let (severity, kind) = if d.code == "DL1000" {
                ("BLOCKER", "BUG")
            } else {
                match d.severity {
                    Severity::Error => ("CRITICAL", "BUG"),
                    Severity::Warning => ("MAJOR", "CODE_SMELL"),
                    Severity::Info => ("MINOR", "CODE_SMELL"),
                    Severity::Style => ("INFO", "CODE_SMELL"),
                }
            };
            let empty = f.start == f.end;
            issues.push(Issue {
                engine_id: "drydock",
                primary_location: Location {
                    file_path: path,
                    message: &d.message,
                    text_range: TextRange {
                        end_column: (!empty).then(|| f.end.column - 1),
                        end_line: f.end.line,
                        start_column: (!empty).then(|| f.start.column - 1),
                        start_line: f.start.line,
                    },
                },
                rule_id: d.code,
                severity,
                kind,
            });
        }
    }
    serde_json::to_writer(&mut *out, &Report { issues })?;
    writeln!(out)
}
