//! `--format junit`: hadolint's JUnit XML. One `<testsuites>` for the run (its id and name
//! carry the start time, UTC, or `SOURCE_DATE_EPOCH` when set), one `<testsuite>` per file
//! (empty for a clean file), one `<testcase>` with a `<failure>` per finding. The failure text
//! has hadolint's `File:`, `Line:`, `Category:` and `level: message` lines plus `Column:`;
//! test cases also get `name` (the code) and `classname` (the file), which CI systems show.
//! A syntax error (`DL1000`) has hadolint's parse-error shape and counts under `errors`.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use super::xml::{attr, text};
use super::{Context, FileResult};
use crate::args::Format;
use crate::discover::FileKind;

/// `(YYYYmmdd_HHMMSS, YYYY-mm-dd HH:MM:SS)` for a time, in UTC.
fn stamps(time: SystemTime) -> (String, String) {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().cast_signed());
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    (
        format!("{y:04}{mo:02}{d:02}_{h:02}{m:02}{s:02}"),
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{s:02}"),
    )
}

/// Writes the report.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (id, when) = stamps(ctx.started);
    let mut doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><testsuites id="{id}" name="drydock run at {when}" time="{:.3}">"#,
        ctx.elapsed.as_secs_f64()
    );
    let suite_name = attr(&format!("drydock {}", ctx.version));
    for result in results {
        let path = ctx.report_path(Format::Junit, &result.path);
        let errors = result
            .findings
            .iter()
            .filter(|f| f.diagnostic.code == "DL1000")
            .count();
        let failures = result.findings.len() - errors;
        let head = format!(
            r#"<testsuite errors="{errors}" failures="{failures}" id="drydock" name="{suite_name}" time="0""#
        );
        if result.findings.is_empty() {
            doc.push_str(&head);
            doc.push_str("/>");
            continue;
        }
        doc.push_str(&head);
        doc.push('>');
        let category = match result.kind {
            FileKind::Dockerfile => "drydock - Dockerfile Static Analysis",
            FileKind::Compose => "drydock - Compose Static Analysis",
        };
        for f in &result.findings {
            let d = &f.diagnostic;
            let level = d.severity.as_str();
            if d.code == "DL1000" {
                doc.push_str(&format!(
                    r#"<testcase classname="{}" id="drydock.error" name="DL1000" time="0"><failure message="{}" type="error">"#,
                    attr(&path),
                    attr(&format!(
                        "parse error at line {}, column {}",
                        f.start.line, f.start.column
                    )),
                ));
                doc.push_str(&text(&format!(
                    "Parse Error in {path}\nLine: {}\nColumn: {}\nParse Error: {}\n",
                    f.start.line, f.start.column, d.message
                )));
            } else {
                doc.push_str(&format!(
                    r#"<testcase classname="{}" id="drydock.rule.{}" name="{}" time="0"><failure id="{}" message="{}" type="{level}">"#,
                    attr(&path),
                    attr(d.code),
                    attr(d.code),
                    attr(d.code),
                    attr(&d.message),
                ));
                doc.push_str(&text(&format!(
                    "File: {path}\nLine: {}\nColumn: {}\nCategory: {category}\n{level}: {}\n",
                    f.start.line, f.start.column, d.message
                )));
            }
            doc.push_str("</failure></testcase>");
        }
        doc.push_str("</testsuite>");
    }
    doc.push_str("</testsuites>\n");
    out.write_all(doc.as_bytes())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn civil_time() {
        assert_eq!(
            stamps(UNIX_EPOCH),
            (
                "19700101_000000".to_owned(),
                "1970-01-01 00:00:00".to_owned()
            )
        );
        // 2024-02-29 12:34:56 UTC.
        let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(stamps(t).1, "2024-02-29 12:34:56");
    }
}
