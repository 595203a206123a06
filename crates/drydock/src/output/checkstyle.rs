//! `--format checkstyle`: hadolint's Checkstyle XML on one line, one `<file>` per file linted
//! (a clean file gets an empty one), each finding an `<error>` with its exact start column.
//! Severities are drydock's (`style` included, as hadolint writes it).

use std::io::{self, Write};

use super::xml::attr;
use super::{Context, FileResult};
use crate::args::Format;

/// Writes the report.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let mut doc =
        String::from(r#"<?xml version="1.0" encoding="UTF-8"?><checkstyle version="4.3">"#);
    for result in results {
        let name = attr(&ctx.report_path(Format::Checkstyle, &result.path));
        if result.findings.is_empty() {
            doc.push_str(&format!(r#"<file name="{name}"/>"#));
            continue;
        }
        doc.push_str(&format!(r#"<file name="{name}">"#));
        for f in &result.findings {
            let d = &f.diagnostic;
            doc.push_str(&format!(
                r#"<error column="{}" line="{}" message="{}" severity="{}" source="{}"/>"#,
                f.start.column,
                f.start.line,
                attr(&d.message),
                d.severity.as_str(),
                attr(d.code),
            ));
        }
        doc.push_str("</file>");
    }
    doc.push_str("</checkstyle>\n");
    out.write_all(doc.as_bytes())
}
