//! `--format github`: GitHub Actions workflow commands, which GitHub shows as annotations on
//! the pull request and the run:
//!
//! ```text
//! ::error file=Dockerfile,line=2,col=5,endLine=2,endColumn=9,title=DL3004::do not use `sudo`
//! ```
//!
//! Errors are `::error`, warnings `::warning`, info and style `::notice`. Columns are 1-based
//! and the end is exclusive (as in `--format json`); a finding that spans lines gives its first
//! and last line and no end column (GitHub uses columns only within one line). Values are escaped
//! as GitHub's toolkit does: `%`, `\r` and `\n` everywhere, and `:` and `,` in properties.

use std::io::{self, Write};

use drydock_linter::Severity;

use super::{Context, FileResult};
use crate::args::Format;

/// Escapes a command's message.
#[must_use]
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property's value.
#[must_use]
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Writes the commands.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    for result in results {
        let file = escape_property(&ctx.report_path(Format::Github, &result.path));
        for f in &result.findings {
            let d = &f.diagnostic;
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "notice",
            };
            let last = f.last_line();
            let position = if f.end.line == f.start.line {
                format!(
                    "line={},col={},endLine={last},endColumn={}",
                    f.start.line, f.start.column, f.end.column
                )
            } else if last == f.start.line {
                // The range runs to the end of its line, line break included.
                format!(
                    "line={},col={},endLine={last}",
                    f.start.line, f.start.column
                )
            } else {
                format!("line={},endLine={last}", f.start.line)
            };
            writeln!(
                out,
                "::{command} file={file},{position},title={}::{}",
                escape_property(d.code),
                escape_data(&d.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::PathBuf;

    use drydock_linter::Diagnostic;
    use drydock_text::TextRange;

    use crate::discover::FileKind;
    use crate::output::{Finding, Position};

    fn finding(severity: Severity, start: (u32, u32), end: (u32, u32)) -> Finding {
        Finding {
            diagnostic: Diagnostic::new("DL3004", severity, TextRange::default(), "a, b: 100%\nc"),
            start: Position {
                line: start.0,
                column: start.1,
            },
            end: Position {
                line: end.0,
                column: end.1,
            },
            edits: Vec::new(),
            content_digest: String::new(),
        }
    }

    #[test]
    fn positions_levels_and_escaping() {
        let result = FileResult {
            path: PathBuf::from("a,b:c/Dockerfile"),
            kind: FileKind::Dockerfile,
            findings: vec![
                finding(Severity::Error, (2, 3), (2, 7)),
                finding(Severity::Warning, (2, 3), (3, 1)),
                finding(Severity::Style, (2, 3), (4, 2)),
            ],
            rendered: Vec::new(),
            fixed: 0,
            dropped: None,
        };
        let mut out = Vec::new();
        write(&[result], &Context::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let file = "file=a%2Cb%3Ac/Dockerfile";
        let message = "title=DL3004::a, b: 100%25%0Ac";
        assert_eq!(
            text,
            format!(
                "::error {file},line=2,col=3,endLine=2,endColumn=7,{message}\n\
                 ::warning {file},line=2,col=3,endLine=2,{message}\n\
                 ::notice {file},line=2,endLine=4,{message}\n"
            )
        );
    }

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
