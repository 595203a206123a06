//! `--statistics`: how many findings each rule has, most frequent first (instead of the
//! findings). `[*]` marks rules whose findings `--fix` can repair, `[-]` those needing
//! `--unsafe-fixes`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use drydock_linter::Applicability;

use super::FileResult;

/// One rule's count.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The rule's code.
    pub code: String,
    /// Its name (empty for codes outside the registry, such as ShellCheck's).
    pub name: String,
    /// Findings.
    pub count: usize,
    /// Findings with a safe fix.
    pub fixable: usize,
    /// Findings with an unsafe fix.
    pub unsafe_fixable: usize,
}

/// The rows, most frequent first, then by code.
#[must_use]
pub fn rows(results: &[FileResult]) -> Vec<Row> {
    let mut by_code: BTreeMap<&str, Row> = BTreeMap::new();
    for finding in results.iter().flat_map(|r| &r.findings) {
        let d = &finding.diagnostic;
        let row = by_code.entry(d.code).or_insert_with(|| Row {
            code: d.code.to_owned(),
            name: drydock_linter::registry::by_code(d.code)
                .map(|id| id.meta().name.to_owned())
                .unwrap_or_default(),
            count: 0,
            fixable: 0,
            unsafe_fixable: 0,
        });
        row.count += 1;
        match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => row.fixable += 1,
            Some(Applicability::Unsafe) => row.unsafe_fixable += 1,
            None => {}
        }
    }
    let mut rows: Vec<Row> = by_code.into_values().collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    rows
}

/// Writes the table (`json`: an array of rows instead).
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], json: bool, out: &mut dyn Write) -> io::Result<()> {
    let rows = rows(results);
    if json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = rows
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let code_width = rows.iter().map(|r| r.code.len()).max().unwrap_or(0);
    for row in &rows {
        let mark = if row.fixable > 0 {
            "[*]"
        } else if row.unsafe_fixable > 0 {
            "[-]"
        } else {
            "   "
        };
        writeln!(
            out,
            "{:>width$}  {:<code_width$}  {mark} {}",
            row.count, row.code, row.name
        )?;
    }
    Ok(())
}
