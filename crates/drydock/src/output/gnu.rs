//! `--format gnu`: hadolint's GNU-style lines, `drydock:FILE:LINE:COLUMN: CODE level: message`
//! (hadolint writes `hadolint:FILE:LINE: ...`; the column is drydock's exact one, in the GNU
//! coding standards' `program:file:line:column:` form that editors jump to). Line breaks in a
//! message become spaces so that every finding is one line.

use std::io::{self, Write};

use super::{Context, FileResult};
use crate::args::Format;

/// Writes the lines.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    for result in results {
        let path = ctx.report_path(Format::Gnu, &result.path);
        for f in &result.findings {
            let d = &f.diagnostic;
            let message = d.message.replace(['\r', '\n'], " ");
            writeln!(
                out,
                "drydock:{path}:{}:{}: {} {}: {message}",
                f.start.line,
                f.start.column,
                d.code,
                d.severity.as_str()
            )?;
        }
    }
    Ok(())
}
