use drydock_compose::model::string_or_list;
use drydock_compose::project::{Service, SourceKind};
use drydock_compose::tree::Value;
use drydock_compose::yaml::Node;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that does not set `no-new-privileges` in `security_opt`, or turns it off.
    ///
    /// These items set it (key and value in any case):
    ///
    /// - `no-new-privileges` alone;
    /// - `no-new-privileges:true` or `no-new-privileges=true` (also `t` and `1`, which Docker
    ///   reads as true).
    ///
    /// An item that turns it off, `no-new-privileges:false` or `=false` (also `f` and `0`), is
    /// always reported, at the item, even when another item turns it on. So is an item whose
    /// value Docker does not read as a boolean (`no-new-privileges:yes`, `no-new-privileges:`):
    /// Docker refuses to create the container. A service with no such item is reported at its
    /// name in the first file that declares it, unless one of its `security_opt` items depends
    /// on a variable drydock cannot resolve. Items from override files, `extends`, anchors and
    /// merge keys count.
    ///
    /// ## Why is this bad?
    /// Without `no-new-privileges` a process in the container can gain privileges through
    /// setuid and setgid binaries or file capabilities (`su`, `sudo`, `ping`, anything an
    /// attacker manages to drop into the image). With it the kernel never raises a process's
    /// privileges across `execve` (CIS Docker Benchmark 5.26).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2
    ///     security_opt:
    ///       - apparmor=api
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2
    ///     security_opt:
    ///       - apparmor=api
    ///       - no-new-privileges:true
    /// ```
    ///
    /// ## Fix safety
    /// For a service without the option, the fix appends a `- no-new-privileges:true` item to
    /// the service's block-style `security_opt` list, or adds a `security_opt:` key with that
    /// item as the last key of the service. It only edits the file that declares the service,
    /// when the service is a block mapping there (not a flow mapping `{...}`, not an alias), its
    /// `security_opt` (if any) is a block list written there, and no other file resets or
    /// overrides `security_opt`. Explicit `false` items are not changed. The fix is unsafe: a
    /// service that switches users or gains capabilities through setuid binaries (`su`,
    /// `sudo`, `gosu` run by a non-root user) stops working.
    ///
    /// ## Notes
    /// Docker itself only accepts the key in lowercase and rejects the container otherwise;
    /// drydock does not report other casings as missing, since no container runs with them.
    ///
    /// When the daemon sets `no-new-privileges` for every container (`"no-new-privileges":
    /// true` in `daemon.json`, CIS Docker Benchmark 2.14), turn this rule off.
    pub(crate) MissingNoNewPrivileges {
        code: "CMP011",
        name: "missing-no-new-privileges",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Compose,
    }
}

const KEY: &str = "no-new-privileges";

/// Reads a `no-new-privileges` item: `Some(Some(flag))` for a boolean Docker accepts,
/// `Some(None)` for another value, `None` for another option.
fn no_new_privileges(item: &str) -> Option<Option<bool>> {
    if item.eq_ignore_ascii_case(KEY) {
        return Some(Some(true));
    }
    let (key, value) = item.split_once('=').or_else(|| item.split_once(':'))?;
    if !key.eq_ignore_ascii_case(KEY) {
        return None;
    }
    Some(match value.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" => Some(true),
        "false" | "f" | "0" => Some(false),
        _ => None,
    })
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for MissingNoNewPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let items = service
                .value
                .get("security_opt")
                .map(string_or_list)
                .unwrap_or_default();
            let mut set = false;
            for item in items.iter().filter(|i| !i.unknown) {
                let Some(flag) = no_new_privileges(item.text) else {
                    continue;
                };
                set = true;
                match flag {
                    Some(true) => {}
                    Some(false) => {
                        ctx.report_value(
                            service,
                            item.value,
                            format!(
                                "service `{}` turns `no-new-privileges` off (`{}`{})",
                                service.name,
                                item.text,
                                written(item.value)
                            ),
                        )
                        .help("write `no-new-privileges:true`, or remove the item and fix what needed setuid binaries");
                    }
                    None => {
                        ctx.report_value(
                            service,
                            item.value,
                            format!(
                                "service `{}` sets `{}`{}, which Docker does not read as true or false: it refuses to create the container",
                                service.name,
                                item.text,
                                written(item.value)
                            ),
                        )
                        .help("write `no-new-privileges:true`");
                    }
                }
            }
            if set || items.iter().any(|i| i.unknown) {
                continue;
            }
            let fix = add_to_service(
                ctx,
                service,
                "security_opt",
                "no-new-privileges:true",
                "security_opt:\n{indent}  - no-new-privileges:true",
            )
            .map(|edit| {
                Fix::unsafe_(
                    format!("Set `no-new-privileges:true` on service `{}`", service.name),
                    vec![edit],
                )
            });
            let d = ctx.report_missing(
                service,
                format!(
                    "service `{}` does not set `no-new-privileges`: its processes can gain privileges through setuid binaries",
                    service.name
                ),
            );
            d.help("add `no-new-privileges:true` to the service's `security_opt`");
            if let Some(fix) = fix {
                d.fix(fix);
            }
        }
    }
}

// ---- Fix helpers: insertions into the block-style service mapping of the declaring file. ----

/// The end of the content of the line holding `at` (before `\r\n` or `\n`).
fn line_content_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if end > at && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Where a node's content ends (a block scalar's range runs on to the next token).
fn content_end(text: &str, node: &Node) -> usize {
    text[..usize::from(node.range.end())].trim_end().len()
}

/// Whether inserting at `at` puts the new text after `last` and outside any flow collection
/// (a `]` or `}` closing on a later line, at the key's indentation, is not part of the block).
fn fits(text: &str, at: usize, last: &Node) -> bool {
    let next = text[at..]
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    at >= content_end(text, last) && !next.is_some_and(|l| l.starts_with([']', '}', ',']))
}

/// The start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of a block that starts on the line of `from` and continues on the following lines
/// indented deeper than `indent` (blank and comment lines alone do not extend it).
fn block_end(text: &str, from: usize, indent: usize) -> usize {
    let mut end = line_content_end(text, from);
    let mut next = text[end..].find('\n').map(|i| end + i + 1);
    while let Some(start) = next.filter(|&s| s < text.len()) {
        let stop = line_content_end(text, start);
        let line = &text[start..stop];
        let content = line.trim_start_matches(' ');
        if content.trim().is_empty() || content.starts_with('#') {
            // Blank or comment line: part of the block only if deeper content follows.
        } else if line.len() - content.len() > indent {
            end = stop;
        } else {
            break;
        }
        next = text[stop..].find('\n').map(|i| stop + i + 1);
    }
    end
}

/// The service's mapping node in the file that declares it, with the indentation of its keys,
/// when it is a block mapping written there (not a flow mapping, not an alias).
fn block_service<'a>(
    ctx: &ComposeContext<'a>,
    service: &Service,
) -> Option<(&'a str, &'a Node, usize)> {
    let project = ctx.project;
    let SourceKind::Compose(doc) = &project.file(service.key.file).kind else {
        return None;
    };
    // A file with YAML errors is only partly read: its structure cannot be trusted.
    if !doc.errors.is_empty() {
        return None;
    }
    let text = project.file(service.key.file).source.text();
    let services = doc.root.as_ref()?.get("services")?;
    let (_, node) = services
        .as_mapping()?
        .iter()
        .find(|(k, _)| k.range == service.key.range)?;
    let (first, _) = node.as_mapping()?.first()?;
    let start = usize::from(first.range.start());
    let key_end = usize::from(service.key.range.end());
    let prefix = &text[line_start(text, start)..start];
    if start < key_end || !prefix.bytes().all(|b| b == b' ') || text[key_end..start].contains('{') {
        return None;
    }
    Some((text, node, prefix.len()))
}

/// An edit giving `service` one more `item` in its block-style list `field`, or a new
/// `field` (`new_field`, written at the service's key indentation; `{indent}` in it is
/// replaced by that indentation) when the service has none. `None` when this cannot be done
/// safely in the file declaring the service.
fn add_to_service(
    ctx: &ComposeContext<'_>,
    service: &Service,
    field: &str,
    item: &str,
    new_field: &str,
) -> Option<Edit> {
    let (text, node, indent) = block_service(ctx, service)?;
    let project = ctx.project;
    // Another file that resets or overrides the field would undo the edit.
    let tagged = project
        .file_trees
        .iter()
        .filter(|(id, _)| *id != service.key.file)
        .any(|(_, tree)| {
            tree.get("services")
                .and_then(|s| s.get(&service.name))
                .and_then(|s| s.get(field))
                .is_some_and(|v| v.tag.is_some())
        });
    if tagged {
        return None;
    }
    match node.get(field) {
        Some(list) => {
            // Append to a block list: `- item` at the indentation of the last item.
            let last = list.as_sequence()?.last()?;
            let start = usize::from(last.range.start());
            let prefix = &text[line_start(text, start)..start];
            let dash = prefix.trim_start_matches(' ');
            let after = dash.strip_prefix('-')?;
            if after.is_empty() || !after.bytes().all(|b| b == b' ') {
                return None;
            }
            let at = block_end(text, start, prefix.len() - dash.len());
            fits(text, at, last)
                .then(|| Edit::insert(drydock_text::size(at), format!("\n{prefix}{item}")))
        }
        None => {
            // A field merged in with `<<:` would be replaced by the new key.
            let resolved = project
                .file_trees
                .iter()
                .find(|(id, _)| *id == service.key.file)
                .map(|(_, tree)| tree);
            if resolved
                .and_then(|t| t.get("services"))
                .and_then(|s| s.get(&service.name))
                .and_then(|s| s.get(field))
                .is_some()
            {
                return None;
            }
            let (_, last) = node.as_mapping()?.last()?;
            let from = usize::from(node.as_mapping()?.last()?.0.range.start());
            let at = block_end(text, from, indent);
            if !fits(text, at, last) {
                return None;
            }
            let pad = " ".repeat(indent);
            Some(Edit::insert(
                drydock_text::size(at),
                format!("\n{pad}{}", new_field.replace("{indent}", &pad)),
            ))
        }
    }
}
