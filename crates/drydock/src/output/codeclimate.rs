//! `--format codeclimate`: hadolint's Code Climate issues, each JSON object followed by a NUL
//! byte (the Code Climate engine protocol), in hadolint's key order. Asking for this format
//! makes the run exit 0, as hadolint does.
//!
//! `location.lines` spans the finding's first to last line; a syntax error (`DL1000`) uses
//! `location.positions` with its exact columns, as hadolint's parse errors do. Categories come
//! from the rule: `Security`, `Style`, otherwise hadolint's `Bug Risk`.

use std::io::{self, Write};

use drydock_linter::rule::Category;
use drydock_linter::{Severity, registry};

use super::{Context, FileResult, Finding};
use crate::args::Format;

#[derive(serde::Serialize)]
pub(super) struct Lines {
    begin: u32,
    end: u32,
}

#[derive(serde::Serialize)]
pub(super) struct Point {
    column: u32,
    line: u32,
}

#[derive(serde::Serialize)]
pub(super) struct Positions {
    begin: Point,
    end: Point,
}

#[derive(serde::Serialize)]
pub(super) struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    lines: Option<Lines>,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    positions: Option<Positions>,
}

/// One issue, keys in hadolint's (alphabetical) order.
#[derive(serde::Serialize)]
pub(super) struct Issue<'a> {
    categories: [&'static str; 1],
    check_name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) fingerprint: Option<String>,
    location: Location,
    severity: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "blocker",
        Severity::Warning => "major",
        Severity::Info => "info",
        Severity::Style => "minor",
    }
}

fn category(code: &str) -> &'static str {
    match registry::by_code(code).map(|id| id.meta().category) {
        Some(Category::Security) => "Security",
        Some(Category::Style) => "Style",
        _ => "Bug Risk",
    }
}

/// The issue for one finding, reported under `path`.
pub(super) fn issue(f: &Finding, path: String) -> Issue<'_> {
    let d = &f.diagnostic;
    let location = if d.code == "DL1000" {
        Location {
            lines: None,
            path,
            positions: Some(Positions {
                begin: Point {
                    column: f.start.column,
                    line: f.start.line,
                },
                end: Point {
                    column: f.end.column,
                    line: f.end.line,
                },
            }),
        }
    } else {
        Location {
            lines: Some(Lines {
                begin: f.start.line,
                end: f.last_line(),
            }),
            path,
            positions: None,
        }
    };
    Issue {
        categories: [category(d.code)],
        check_name: d.code,
        description: &d.message,
        fingerprint: None,
        location,
        severity: severity(d.severity),
        kind: "issue",
    }
}

/// Writes the issues.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    for result in results {
        let path = ctx.report_path(Format::Codeclimate, &result.path);
        for f in &result.findings {
            serde_json::to_writer(&mut *out, &issue(f, path.clone()))?;
            out.write_all(b"\0")?;
        }
    }
    Ok(())
}
