use std::path::Path;

use drydock_compose::model::{self, Flag, Mount, MountKind};
use drydock_compose::project::{Project, Service, normalize};
use drydock_compose::tree::Value;

use super::docker_socket_mount::{known_source, normalize_host_path, source_value};
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports storage that several services can write: a named volume or host path mounted
    /// read-write by two or more services, and `volumes_from` without `:ro`.
    ///
    /// In detail:
    ///
    /// - a named volume (`data:/var/lib/data`, or long syntax `type: volume` with `source:`) or
    ///   a bind-mounted host path (`./shared:/shared`, `type: bind`) mounted without read-only
    ///   by two or more services. Each writer's mount is reported, naming the other writers.
    ///   Host paths are compared after resolving relative paths against the folder of the file
    ///   that declares them, `.`, `..` and trailing `/`;
    /// - a `volumes_from` item without `:ro` (`app`, `app:rw`, `container:name`), which mounts
    ///   every volume of the other service or container read-write.
    ///
    /// A mount is read-only with `:ro` (short syntax) or `read_only: true` (long syntax); a
    /// volume mounted read-write by one service and read-only by the others is fine.
    /// Anonymous volumes, tmpfs and mounts that depend on a variable drydock cannot resolve are
    /// not considered.
    ///
    /// ## Why is this bad?
    /// Shared writable storage is a path between services: a compromised service can plant
    /// files (scripts, configuration, libraries) that another service then reads or runs, and a
    /// bug in one can corrupt the other's data. Making every reader read-only keeps the flow of
    /// data one-way.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.0
    ///     volumes:
    ///       - static:/srv/static
    ///   builder:
    ///     image: example/builder:2.0
    ///     volumes:
    ///       - static:/out
    /// volumes:
    ///   static: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.0
    ///     volumes:
    ///       - static:/srv/static:ro
    ///   builder:
    ///     image: example/builder:2.0
    ///     volumes:
    ///       - static:/out
    /// volumes:
    ///   static: {}
    /// ```
    pub(crate) SharedWritableVolume {
        code: "CMP028",
        name: "shared-writable-volume",
        aliases: [],
        category: Security,
        severity: Style,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

/// What a mount shares: a named volume or a host path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Storage {
    Volume(String),
    Host(String),
}

impl Storage {
    fn describe(&self) -> String {
        match self {
            Storage::Volume(name) => format!("volume `{name}`"),
            Storage::Host(path) => format!("host path `{path}`"),
        }
    }
}

/// What a writable mount shares, if anything.
fn storage(project: &Project, mount: &Mount<'_>) -> Option<Storage> {
    let read_only = if mount.long {
        matches!(
            mount.item.get("read_only").map(Flag::of),
            Some(Flag::True | Flag::Unknown)
        )
    } else {
        mount.read_only
    };
    if read_only {
        return None;
    }
    let source = known_source(mount)?;
    match mount.kind {
        MountKind::Volume => Some(Storage::Volume(source.to_owned())),
        MountKind::Bind => {
            if let Some(path) = normalize_host_path(source) {
                return Some(Storage::Host(path));
            }
            if source.starts_with('.') {
                let here = project
                    .path(mount.item.origin.file)
                    .parent()
                    .unwrap_or(Path::new(""));
                let path = normalize(&here.join(source));
                let shown = match path.strip_prefix(&project.dir) {
                    Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
                    Ok(rel) => format!("./{}", rel.to_string_lossy().replace('\\', "/")),
                    Err(_) => path.to_string_lossy().into_owned(),
                };
                return Some(Storage::Host(shown));
            }
            Some(Storage::Host(
                source.trim_end_matches(['/', '\\']).to_owned(),
            ))
        }
        _ => None,
    }
}

fn others(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

impl Rule for SharedWritableVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        // Each service's first writable mount of each storage.
        let mut writers: Vec<(Storage, &Service, &Value)> = Vec::new();
        for service in ctx.services() {
            let Some(volumes) = service.value().get("volumes") else {
                continue;
            };
            for mount in model::mounts(volumes) {
                let Some(storage) = storage(project, &mount) else {
                    continue;
                };
                if !writers
                    .iter()
                    .any(|(s, w, _)| *s == storage && w.name == service.name)
                {
                    writers.push((storage, service, source_value(&mount)));
                }
            }
        }
        for (storage, service, item) in &writers {
            let other: Vec<&str> = writers
                .iter()
                .filter(|(s, w, _)| s == storage && w.name != service.name)
                .map(|(_, w, _)| w.name.as_str())
                .collect();
            if other.is_empty() {
                continue;
            }
            ctx.report_value(
                service,
                item,
                format!(
                    "service `{}` mounts {} read-write, and so {} {}",
                    service.name,
                    storage.describe(),
                    if other.len() == 1 { "does" } else { "do" },
                    others(&other)
                ),
            )
            .help("mount it read-only (`:ro`) in the services that only read it, or give each writer its own volume");
        }
        for service in ctx.services() {
            let Some(from) = service.value().get("volumes_from") else {
                continue;
            };
            for item in model::string_or_list(from) {
                if item.unknown {
                    continue;
                }
                let mut parts: Vec<&str> = item.text.split(':').collect();
                let mode = match parts.last() {
                    Some(&m) if parts.len() > 1 && matches!(m, "ro" | "rw") => {
                        parts.pop();
                        m
                    }
                    _ => "rw",
                };
                if mode == "ro" {
                    continue;
                }
                let source = parts.join(":");
                ctx.report_value(
                    service,
                    item.value,
                    format!("service `{}` mounts every volume of `{source}` read-write through `volumes_from`", service.name),
                )
                .help(format!("write `{source}:ro`, or mount only the volumes the service needs"));
            }
        }
    }
}
