use drydock_compose::project::SourceKind;
use drydock_compose::tree::Origin;
use drydock_compose::yaml::{NodeKind, Style};
use drydock_text::TextRange;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports the obsolete top-level `version` key of a compose file.
    ///
    /// Any value counts (`"3.8"`, `3`, `'2.4'`). Every compose file of the project is checked: the
    /// main file, override files, files named by `include` and by `extends`. A `version` key nested
    /// anywhere else (under a service, in `x-*` fields) is not reported. The finding points at the
    /// value (at the key for a block scalar such as `version: >-`).
    ///
    /// ## Why is this bad?
    /// The Compose Specification made `version` informational only: Docker Compose v2 ignores
    /// it, decides what the file may contain from its own schema, and prints a warning that
    /// the attribute is obsolete. Keeping it suggests a file-format version that no longer
    /// exists and that readers may believe restricts the features in use.
    ///
    /// ## Example
    /// ```yaml
    /// version: "3.8"
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## Fix safety
    /// The fix deletes the `version` line (with a comment on the same line, and every line of
    /// a value spread over several lines); everything else stays byte for byte. In a flow
    /// mapping (`{version: "3", services: ...}`) it deletes the entry and its comma. It is
    /// safe: Compose ignores the key.
    pub(crate) ObsoleteVersion {
        code: "CMP104",
        name: "obsolete-version",
        aliases: [],
        category: Style,
        severity: Info,
        default_enabled: true,
        fix: Always,
        target: Compose,
    }
}

/// The bytes to delete to remove the entry spanning `start..end` (key start, value end).
fn deletion(text: &str, start: usize, end: usize, flow: bool) -> TextRange {
    let bytes = text.as_bytes();
    if flow {
        // The entry and the comma after it, or the comma before it for the last entry.
        let mut after = end;
        while after < bytes.len() && matches!(bytes[after], b' ' | b'\t' | b'\r' | b'\n') {
            after += 1;
        }
        if bytes.get(after) == Some(&b',') {
            after += 1;
            while after < bytes.len() && matches!(bytes[after], b' ' | b'\t' | b'\r' | b'\n') {
                after += 1;
            }
            return drydock_text::range(start, after);
        }
        let mut before = start;
        while before > 0 && matches!(bytes[before - 1], b' ' | b'\t' | b'\r' | b'\n') {
            before -= 1;
        }
        if before > 0 && bytes[before - 1] == b',' {
            return drydock_text::range(before - 1, end);
        }
        return drydock_text::range(start, end);
    }
    // Whole lines: from the start of the key's line to the end of the value's line.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    // A block scalar (`>-`, `|`) ends after its last line break already.
    let line_end = if text[..end].ends_with('\n') {
        end
    } else {
        text[end..].find('\n').map_or(text.len(), |i| end + i + 1)
    };
    drydock_text::range(line_start, line_end)
}

impl Rule for ObsoleteVersion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        for (index, file) in project.files.iter().enumerate() {
            let SourceKind::Compose(doc) = &file.kind else {
                continue;
            };
            let Some(root) = &doc.root else { continue };
            let NodeKind::Mapping(entries) = &root.kind else {
                continue;
            };
            let Ok(id) = u32::try_from(index) else {
                continue;
            };
            let text = file.source.text();
            let flow = text[root.range].starts_with('{');
            for (key, value) in entries
                .iter()
                .filter(|(k, _)| k.as_str() == Some("version"))
            {
                // A block scalar's range starts after its indicator: point at the key then.
                let block = value
                    .as_scalar()
                    .is_some_and(|v| matches!(v.style, Style::Literal | Style::Folded));
                let at = if value.range.is_empty() || block {
                    key.range
                } else {
                    value.range
                };
                let written = if block {
                    value.as_str().unwrap_or_default().trim()
                } else {
                    text[value.range].trim()
                };
                let shown = if written.is_empty() {
                    "version".to_owned()
                } else {
                    format!("version: {written}")
                };
                let start = usize::from(key.range.start());
                let end = usize::from(value.range.end().max(key.range.end()));
                let delete = deletion(text, start, end, flow);
                ctx.report(Origin { file: id, range: at }, format!("the top-level `{shown}` is obsolete: Compose ignores it and warns about it"))
                    .help("remove the `version` key; Compose reads every file with the current Compose Specification")
                    .fix(Fix::safe("remove the obsolete `version` key", vec![Edit::delete(delete)]));
            }
        }
    }
}
