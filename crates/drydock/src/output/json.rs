//! `--format json`: one JSON array per run with hadolint's keys (`code`, `column`, `file`,
//! `level`, `line`, `message`) plus `end_line`, `end_column` and `fix`.

use std::io::{self, Write};

use super::FileResult;

#[derive(serde::Serialize)]
struct JsonEdit<'a> {
    column: u32,
    content: &'a str,
    end_column: u32,
    end_line: u32,
    line: u32,
}

#[derive(serde::Serialize)]
struct JsonFix<'a> {
    applicability: drydock_linter::Applicability,
    edits: Vec<JsonEdit<'a>>,
    title: &'a str,
}

#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    column: u32,
    end_column: u32,
    end_line: u32,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
    level: &'a str,
    line: u32,
    message: &'a str,
}

/// Writes the findings of all files as one array, sorted by file, line, column, code.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let mut items: Vec<JsonFinding<'_>> = Vec::new();
    for result in results {
        let file = result.path.display().to_string();
        for f in &result.findings {
            let d = &f.diagnostic;
            let fix = d.fix.as_ref().map(|fix| JsonFix {
                applicability: fix.applicability,
                title: &fix.title,
                edits: f
                    .edits
                    .iter()
                    .map(|(s, e, c)| JsonEdit {
                        line: s.line,
                        column: s.column,
                        end_line: e.line,
                        end_column: e.column,
                        content: c,
                    })
                    .collect(),
            });
            items.push(JsonFinding {
                code: d.code,
                column: f.start.column,
                end_column: f.end.column,
                end_line: f.end.line,
                file: file.clone(),
                fix,
                level: d.severity.as_str(),
                line: f.start.line,
                message: &d.message,
            });
        }
    }
    items.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code))
    });
    serde_json::to_writer(&mut *out, &items)?;
    writeln!(out)
}
