//! `--format codacy`: hadolint's Codacy results, one JSON object per finding
//! (`filename`, `line`, `message`, `patternId`) written one after the other with no separator.
//! Asking for this format makes the run exit 0, as hadolint does.

use std::io::{self, Write};

use super::{Context, FileResult};
use crate::args::Format;

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Result<'a> {
    filename: &'a str,
    line: u32,
    message: &'a str,
    pattern_id: &'a str,
}

/// Writes the objects.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    for result in results {
        let path = ctx.report_path(Format::Codacy, &result.path);
        for f in &result.findings {
            serde_json::to_writer(
                &mut *out,
                &Result {
                    filename: &path,
                    line: f.start.line,
                    message: &f.diagnostic.message,
                    pattern_id: f.diagnostic.code,
                },
            )?;
        }
    }
    Ok(())
}
