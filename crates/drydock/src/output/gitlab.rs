//! `--format gitlab_codeclimate` (alias `gitlab`): GitLab Code Quality, a JSON array of the
//! `codeclimate` issues, each with a `fingerprint`.
//!
//! hadolint's fingerprint is the SHA-1 of the whole issue, line numbers included, so every
//! finding below an added line looks new to GitLab. drydock's is the SHA-1 (hex) of
//! `drydock-fingerprint-v1`, the reported path, the rule code, the SHA-1 of the text the
//! finding points at (whitespace runs collapsed) and the finding's rank among the findings of
//! the same path, code and text (0 for the first), separated by NUL bytes. It does not change
//! when lines move, when unrelated text changes or between runs and machines, and it is unique
//! within a report (GitLab drops duplicates).

use std::collections::HashMap;
use std::io::{self, Write};

use super::codeclimate::issue;
use super::{Context, FileResult, Finding};
use crate::args::Format;

/// The fingerprint of a finding reported under `path` that is the `rank`-th (from 0) with
/// its code and text there.
#[must_use]
pub fn fingerprint(path: &str, f: &Finding, rank: usize) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    for part in [
        "drydock-fingerprint-v1",
        path,
        f.diagnostic.code,
        &f.content_digest,
        &rank.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update(b"\0");
    }
    hasher.digest().to_string()
}

/// Writes the report.
///
/// # Errors
/// Write errors.
pub fn write(results: &[FileResult], ctx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let mut seen: HashMap<(String, &str, &str), usize> = HashMap::new();
    let mut issues = Vec::new();
    for result in results {
        let path = ctx.report_path(Format::GitlabCodeclimate, &result.path);
        for f in &result.findings {
            let rank = seen
                .entry((path.clone(), f.diagnostic.code, &f.content_digest))
                .or_insert(0);
            let mut item = issue(f, path.clone());
            item.fingerprint = Some(fingerprint(&path, f, *rank));
            *rank += 1;
            issues.push(item);
        }
    }
    serde_json::to_writer(&mut *out, &issues)?;
    writeln!(out)
}
