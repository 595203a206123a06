use drydock_compose::tree::Value;
use drydock_compose::yaml::Style;
use drydock_text::{TextRange, TextSize};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an unquoted `HOST:CONTAINER` port mapping, which YAML 1.1 may read as a number.
    ///
    /// A short-syntax `ports` item counts when it is a plain (unquoted) YAML scalar that
    /// contains a `:`: `- 22:22`, `- 8080:80`, `- 127.0.0.1:5432:5432`, `- 53:53/udp`, in
    /// block or flow lists (`ports: [80:80]`), wherever the item was written (an anchor, an
    /// override file, a file named by `extends`). Quoted items (`"22:22"`, `'22:22'`), items
    /// without a `:` (`- 80`, `- 8080-8081`) and the long syntax are fine. The finding points
    /// at the item (after an anchor written before it, as in `- &ssh 22:22`); when YAML 1.1
    /// would read it as a number, the message says which.
    ///
    /// ## Why is this bad?
    /// YAML 1.1 reads digits separated by `:` whose later parts are below 60 as a base-60
    /// number: `22:22` is the integer 1342 to PyYAML (docker-compose v1, many CI tools and
    /// linters) and other YAML 1.1 parsers. Compose v2 reads YAML 1.2 and gets the string, so
    /// the same file means different things to different tools, and `8080:80` only works by
    /// luck of its digits. Quoting every mapping removes the question.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   sftp:
    ///     image: example/sftp:1.2
    ///     ports:
    ///       - 22:22
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   sftp:
    ///     image: example/sftp:1.2
    ///     ports:
    ///       - "22:22"
    /// ```
    ///
    /// ## Fix safety
    /// The fix wraps the item in double quotes (single quotes when it contains `"` or `\`),
    /// which every YAML version reads as the same string Compose v2 already reads; it is
    /// safe.
    pub(crate) UnquotedPort {
        code: "CMP107",
        name: "unquoted-port",
        aliases: [],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: Always,
        target: Compose,
    }
}

/// The integer YAML 1.1 reads from a base-60 plain scalar (`22:22` -> 1342), if it is one:
/// `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`.
fn sexagesimal(text: &str) -> Option<u64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut parts = body.split(':');
    let first = parts.next()?;
    if !first.starts_with(|c: char| ('1'..='9').contains(&c))
        || !first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let mut value: u64 = first.replace('_', "").parse().ok()?;
    let mut any = false;
    for part in parts {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digit: u64 = part.parse().ok()?;
        if digit >= 60 {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(digit)?;
        any = true;
    }
    any.then_some(value)
}

/// The range of the scalar's own text: a node's range also covers an anchor or tag written
/// before it (`&port 22:22`), which the fix must keep.
fn scalar_range(text: &str, range: TextRange, raw: &str) -> TextRange {
    let written = &text[range];
    if written.len() > raw.len() && written.ends_with(raw) {
        TextRange::new(
            range.end() - TextSize::from(u32::try_from(raw.len()).unwrap_or(0)),
            range.end(),
        )
    } else {
        range
    }
}

/// The item as a quoted YAML scalar.
fn quoted(raw: &str) -> String {
    if raw.contains(['"', '\\']) {
        format!("'{}'", raw.replace('\'', "''"))
    } else {
        format!("\"{raw}\"")
    }
}

impl Rule for UnquotedPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(items) = service.value().get("ports").and_then(Value::items) else {
                continue;
            };
            for item in items {
                let Some(scalar) = item.scalar() else {
                    continue;
                };
                if scalar.style != Style::Plain || scalar.is_null() || !scalar.raw.contains(':') {
                    continue;
                }
                let raw = scalar.raw.trim();
                let message = match sexagesimal(raw) {
                    Some(n) => format!(
                        "service `{}` has the unquoted port `{raw}`, which YAML 1.1 reads as the number {n}",
                        service.name
                    ),
                    None => format!(
                        "service `{}` has the unquoted port `{raw}`; port mappings should be quoted strings",
                        service.name
                    ),
                };
                // Point at (and rewrite) the scalar itself, not an anchor written before it.
                let mut at = item.clone();
                at.origin.range =
                    scalar_range(ctx.text(item.origin.file), item.origin.range, &scalar.raw);
                let edit = Edit::replace(at.origin.range, quoted(raw));
                ctx.report_value(service, &at, message)
                    .help(format!("quote it: `{}`", quoted(raw)))
                    .fix(Fix::safe("quote the port mapping", vec![edit]));
            }
        }
    }
}
