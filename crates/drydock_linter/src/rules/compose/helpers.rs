//! Helpers shared by compose rules: fixes that insert into the block-style service mapping of
//! the file declaring a service, and the variables a service's container or build gets.

use drydock_compose::interpolate::{Lookup, Vars};
use drydock_compose::model::key_values;
use drydock_compose::project::{Project, Service, SourceKind};
use drydock_compose::tree::{Origin, Value};
use drydock_compose::yaml::Node;

use crate::compose::ComposeContext;
use crate::diagnostic::Edit;

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
    let bytes = text.as_bytes();
    // One search for each line's break, which ends its content (before a `\r`) too.
    let line_break = |at: usize| memchr::memchr(b'\n', &bytes[at..]).map(|i| at + i);
    let content_end = |at: usize, line_break: Option<usize>| {
        let end = line_break.unwrap_or(text.len());
        if end > at && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    };
    let mut next_break = line_break(from);
    let mut end = content_end(from, next_break);
    while let Some(start) = next_break.map(|i| i + 1).filter(|&s| s < text.len()) {
        next_break = line_break(start);
        let stop = content_end(start, next_break);
        let line = &text[start..stop];
        let content = line.trim_start_matches(' ');
        if content.trim().is_empty() || content.starts_with('#') {
            // Blank or comment line: part of the block only if deeper content follows.
        } else if line.len() - content.len() > indent {
            end = stop;
        } else {
            break;
        }
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
/// `field` (the lines of `new_field`, each written after the service's key indentation) when
/// the service has none. `None` when this cannot be done
/// safely in the file declaring the service.
pub(crate) fn add_to_service(
    ctx: &ComposeContext<'_>,
    service: &Service,
    field: &str,
    item: &str,
    new_field: &[&str],
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
            let mut insert =
                String::with_capacity(new_field.iter().map(|line| 1 + indent + line.len()).sum());
            for line in new_field {
                insert.push('\n');
                insert.extend(std::iter::repeat_n(' ', indent));
                insert.push_str(line);
            }
            Some(Edit::insert(drydock_text::size(at), insert))
        }
    }
}

/// Where a variable was set.
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    /// A compose value: a mapping value, or a `KEY=VAL` list item.
    Value(&'a Value),
    /// An entry of an env file.
    EnvFile(Origin),
}

/// A variable of a scope: its value (`None` when drydock cannot know it) and where it was set.
pub(crate) struct Var<'a> {
    pub(crate) key: String,
    pub(crate) value: Option<String>,
    pub(crate) at: At<'a>,
}

/// Sets `key` in `scope` (a later setting replaces an earlier one); `value` is `Err(())` for a
/// pass-through that is unset, which removes the variable.
fn set<'a>(scope: &mut Vec<Var<'a>>, key: &str, value: Result<Option<String>, ()>, at: At<'a>) {
    scope.retain(|v| v.key != key);
    if let Ok(value) = value {
        scope.push(Var {
            key: key.to_owned(),
            value,
            at,
        });
    }
}

/// The value of `key` as written (`None` for a pass-through `KEY` with no value, `unknown`
/// when it depends on a variable drydock cannot resolve), for [`set`]: a pass-through takes
/// its value from `.env` or the process environment when drydock has it.
fn value_of(
    project: &Project,
    key: &str,
    value: Option<&String>,
    unknown: bool,
) -> Result<Option<String>, ()> {
    match (value, unknown) {
        (_, true) => Ok(None),
        (Some(v), false) => Ok(Some(v.clone())),
        (None, false) => match project.env.get(key) {
            Lookup::Set(v) => Ok(Some(v.to_owned())),
            Lookup::Absent if project.env.absent_is_unset() => Err(()),
            Lookup::Absent => Ok(None),
        },
    }
}

/// Reads the variables named in `wanted` of a list-or-mapping field into `scope`.
fn read_pairs<'a>(project: &Project, value: &'a Value, wanted: &[&str], scope: &mut Vec<Var<'a>>) {
    for kv in key_values(value) {
        let key = kv.key.trim();
        if !wanted.contains(&key) {
            continue;
        }
        let v = value_of(project, kv.key, kv.value.as_ref(), kv.unknown);
        set(scope, key, v, At::Value(kv.item));
    }
}

/// The variables named in `wanted` of the environment the service's container gets (env files
/// in order, then `environment`), in the order they were last set. (Only those are read: a
/// variable never affects another's value or place.)
pub(crate) fn container_env<'a>(
    project: &'a Project,
    service: &'a Service,
    wanted: &[&str],
) -> Vec<Var<'a>> {
    let mut scope = Vec::new();
    for &id in &service.env_files {
        let SourceKind::Env(file) = &project.file(id).kind else {
            continue;
        };
        for entry in &file.entries {
            if !wanted.contains(&entry.key.as_str()) {
                continue;
            }
            let value = value_of(project, &entry.key, entry.value.as_ref(), entry.unknown);
            let range = entry.key_range.cover(entry.value_range);
            set(
                &mut scope,
                &entry.key,
                value,
                At::EnvFile(Origin { file: id, range }),
            );
        }
    }
    if let Some(environment) = service.value().get("environment") {
        read_pairs(project, environment, wanted, &mut scope);
    }
    scope
}

/// The variables named in `wanted` of the service's build arguments.
pub(crate) fn build_args<'a>(
    project: &Project,
    service: &'a Service,
    wanted: &[&str],
) -> Vec<Var<'a>> {
    let mut scope = Vec::new();
    if let Some(args) = service.value().get("build").and_then(|b| b.get("args")) {
        read_pairs(project, args, wanted, &mut scope);
    }
    scope
}
