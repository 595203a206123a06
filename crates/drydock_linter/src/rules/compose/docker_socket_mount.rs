use drydock_compose::model::{self, Flag, Mount, MountKind, Text};
use drydock_compose::project::{Project, Service};
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that can reach a container runtime's API: a bind mount of a runtime
    /// socket, of a folder holding one, or of the Docker engine's named pipe, and
    /// `use_api_socket: true`. In detail:
    ///
    /// - a bind mount whose host path is a runtime socket: a file named `docker.sock`,
    ///   `docker.sock.raw`, `containerd.sock`, `crio.sock`, `podman.sock` or `buildkitd.sock`,
    ///   wherever it lives (`/var/run/docker.sock`, `/run/user/1000/podman/podman.sock`,
    ///   `~/.docker/run/docker.sock`, ...);
    /// - a bind mount of a folder that holds such a socket: `/`, `/run`, `/var/run`,
    ///   `/run/containerd`, `/run/podman`, `/run/crio`, `/run/buildkit`, `/run/docker`,
    ///   `/run/docker/containerd`, `/run/user`, `/run/user/<uid>` and its `podman` and `docker`
    ///   folders (`/var/run/...` spellings count the same);
    /// - the Docker engine's Windows named pipe, `\\.\pipe\docker_engine` (also written
    ///   `//./pipe/docker_engine`, and Docker Desktop's `dockerDesktop...Engine` pipes);
    /// - `use_api_socket: true`, which hands the service the Docker socket and the CLI's
    ///   credentials;
    /// - a top-level volume that is a bind in disguise (`driver_opts` with `o: bind` and a
    ///   `device:` that is one of the paths above) and that a service mounts. The finding points
    ///   at the `device:` value, with a label at each service that mounts the volume.
    ///
    /// Both syntaxes count: the short `SOURCE:TARGET[:OPTIONS]` (the source is the text before
    /// the first `:`, a Windows drive letter excepted) and the long `type: bind` / `type: npipe`
    /// with `source:`. Host paths are compared after resolving `.`, `..`, repeated and trailing
    /// `/`. A read-only mount (`:ro`, `read_only: true`) is reported too. A source that depends on
    /// a variable drydock cannot resolve is not reported; `${DOCKER_SOCK:-/var/run/docker.sock}`
    /// with `DOCKER_SOCK` unset is.
    ///
    /// ## Why is this bad?
    /// Whoever can talk to the runtime's API can start a privileged container that mounts the
    /// host's root file system: a container with the socket is root on the host. Mounting the
    /// socket read-only does not help, since `:ro` only stops the socket file from being
    /// replaced, not requests from being sent (CIS Docker Benchmark 5.32).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   watchtower:
    ///     image: containrrr/watchtower:1.7.1
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock:ro
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: example/docker-socket-proxy:1.2
    ///     environment:
    ///       CONTAINERS: 1
    ///     networks: [docker-api]
    ///   app:
    ///     image: example/app:1.4
    ///     environment:
    ///       DOCKER_HOST: tcp://proxy:2375
    ///     networks: [docker-api]
    /// networks:
    ///   docker-api:
    ///     internal: true
    /// ```
    ///
    /// ## Notes
    /// The example's proxy still mounts the socket and is reported: review and suppress that one
    /// finding where the exposure is deliberate and the proxy only allows read-only API calls.
    pub(crate) DockerSocketMount {
        code: "CMP023",
        name: "docker-socket-mount",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Socket file names of container runtimes and builders.
const SOCKETS: [&str; 6] = [
    "docker.sock",
    "docker.sock.raw",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "buildkitd.sock",
];

/// Folders (with `/var/run` spelled `/run`) that hold a runtime socket.
const SOCKET_DIRS: [&str; 9] = [
    "/",
    "/run",
    "/run/containerd",
    "/run/podman",
    "/run/crio",
    "/run/buildkit",
    "/run/docker",
    "/run/docker/containerd",
    "/run/user",
];

/// What a host path gives access to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Hit {
    /// A runtime socket.
    Socket,
    /// A folder above runtime sockets.
    Folder,
    /// The Docker engine's named pipe.
    Pipe,
}

/// A host path with `.`, `..`, repeated and trailing `/` resolved; `None` unless it is absolute
/// (starts with `/`).
pub(super) fn normalize_host_path(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn classify(source: &str) -> Option<Hit> {
    let slashed = source.replace('\\', "/");
    if let Some(pipe) = slashed.to_ascii_lowercase().strip_prefix("//./pipe/") {
        let engine = pipe.starts_with("docker_engine")
            || (pipe.starts_with("dockerdesktop") && pipe.ends_with("engine"));
        return engine.then_some(Hit::Pipe);
    }
    let path =
        normalize_host_path(&slashed).unwrap_or_else(|| slashed.trim_end_matches('/').to_owned());
    let name = path.rsplit('/').next().unwrap_or_default();
    if SOCKETS.contains(&name) {
        return Some(Hit::Socket);
    }
    if !path.starts_with('/') {
        return None;
    }
    let path = match path.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/run{rest}"),
        _ => path,
    };
    if SOCKET_DIRS.contains(&path.as_str()) {
        return Some(Hit::Folder);
    }
    // `/run/user/<uid>` holds rootless Docker's socket, and `podman/podman.sock` below it.
    let rest: Vec<&str> = path.strip_prefix("/run/user/")?.split('/').collect();
    let uid = rest
        .first()
        .is_some_and(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()));
    (uid && matches!(rest.get(1..), Some([] | ["podman" | "docker"]))).then_some(Hit::Folder)
}

/// The value a mount's source was read from: its `source:` (long syntax) or the item itself.
pub(super) fn source_value<'a>(mount: &Mount<'a>) -> &'a Value {
    if mount.long {
        mount.item.get("source").unwrap_or(mount.item)
    } else {
        mount.item
    }
}

/// The mount's source, when it is known (does not depend on an unresolved variable).
pub(super) fn known_source<'m>(mount: &'m Mount<'_>) -> Option<&'m str> {
    let source = mount.source.as_deref()?;
    let unknown = if mount.long {
        mount
            .item
            .get("source")
            .and_then(Text::of)
            .is_none_or(|t| t.unknown)
    } else {
        mount.unknown && source.contains('$')
    };
    (!unknown).then_some(source)
}

/// A top-level volume that binds a host path (`driver_opts` with `o: bind` and a `device:`).
pub(super) struct BindVolume<'a> {
    /// The volume's key under `volumes:`.
    pub(super) name: &'a str,
    /// The `device:` value.
    pub(super) device: &'a Value,
    /// The device path.
    pub(super) path: &'a str,
    /// Whether `o` has `ro`.
    pub(super) read_only: bool,
}

/// The comma-separated options of a top-level volume's `driver_opts.o`, when known.
pub(super) fn driver_options(definition: &Value) -> Option<(Vec<&str>, &Value)> {
    let o = definition.get("driver_opts")?.get("o")?;
    let text = Text::of(o).filter(|t| !t.unknown)?;
    Some((text.text.split(',').map(str::trim).collect(), o))
}

/// Top-level volumes that are binds of a known host path.
pub(super) fn bind_volumes(project: &Project) -> Vec<BindVolume<'_>> {
    let Some(volumes) = project
        .root
        .as_ref()
        .and_then(|r| r.get("volumes"))
        .and_then(Value::entries)
    else {
        return Vec::new();
    };
    volumes
        .iter()
        .filter_map(|entry| {
            let definition = &entry.value;
            let driver = definition
                .get("driver")
                .and_then(Value::str)
                .unwrap_or("local");
            if driver != "local" {
                return None;
            }
            let (options, _) = driver_options(definition)?;
            if !options.iter().any(|o| matches!(*o, "bind" | "rbind")) {
                return None;
            }
            let device = definition.get("driver_opts")?.get("device")?;
            let text = Text::of(device).filter(|t| !t.unknown)?;
            Some(BindVolume {
                name: &entry.key,
                device,
                path: text.text,
                read_only: options.contains(&"ro"),
            })
        })
        .collect()
}

/// The services' mounts of the named volume `name` (short `name:/path` or long `type: volume`).
pub(super) fn volume_users<'a>(project: &'a Project, name: &str) -> Vec<(&'a Service, Mount<'a>)> {
    let mut out = Vec::new();
    for service in &project.services {
        let Some(volumes) = service.value().get("volumes") else {
            continue;
        };
        for mount in model::mounts(volumes) {
            if mount.kind == MountKind::Volume && known_source(&mount) == Some(name) {
                out.push((service, mount));
            }
        }
    }
    out
}

/// Reports a finding at a top-level volume's `at` value with a label at each service mount of it.
pub(super) fn report_volume<'c>(
    ctx: &'c mut ComposeContext<'_>,
    at: &Value,
    users: &[(&Service, Mount<'_>)],
    message: String,
) -> &'c mut Diagnostic {
    let labels: Vec<_> = users
        .iter()
        .map(|(service, mount)| {
            let origin = mount.item.origin;
            let file = (origin.file != at.origin.file).then(|| ctx.relative(origin.file));
            (
                file,
                origin.range,
                format!("mounted by service `{}`", service.name),
            )
        })
        .collect();
    let d = ctx.report(at.origin, message);
    for (file, range, text) in labels {
        match file {
            Some(file) => d.label_in(file, range, text),
            None => d.label(range, text),
        };
    }
    d
}

fn describe(hit: &Hit, source: &str) -> String {
    match hit {
        Hit::Socket => format!("the container runtime socket `{source}`"),
        Hit::Folder => format!("host folder `{source}`, which holds container runtime sockets"),
        Hit::Pipe => format!("the Docker engine's named pipe `{source}`"),
    }
}

const HELP: &str = "remove the mount; if the service must use the Docker API, give it a socket proxy that allows only the calls it needs";

impl Rule for DockerSocketMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            if let Some(value) = service.value().get("use_api_socket")
                && Flag::of(value).is_true()
            {
                ctx.report_value(
                    service,
                    value,
                    format!("service `{}` sets `use_api_socket`: it gets the Docker engine's socket and the Docker CLI's credentials", service.name),
                )
                .help("remove `use_api_socket: true` unless the service must drive Docker; then review what it can do with the host's daemon");
            }
            let Some(volumes) = service.value().get("volumes") else {
                continue;
            };
            for mount in model::mounts(volumes) {
                if !matches!(mount.kind, MountKind::Bind | MountKind::Npipe) {
                    continue;
                }
                let Some(source) = known_source(&mount) else {
                    continue;
                };
                let Some(hit) = classify(source) else {
                    continue;
                };
                let ro = if mount.read_only {
                    " (read-only does not limit the API)"
                } else {
                    ""
                };
                let message = format!(
                    "service `{}` mounts {}: it can control the container runtime, and so the host{ro}",
                    service.name,
                    describe(&hit, source)
                );
                ctx.report_value(service, source_value(&mount), message)
                    .help(HELP);
            }
        }
        let project = ctx.project;
        for volume in bind_volumes(project) {
            let Some(hit) = classify(volume.path) else {
                continue;
            };
            let users = volume_users(project, volume.name);
            if users.is_empty() {
                continue;
            }
            let message = format!(
                "volume `{}` binds {}: the services mounting it can control the container runtime, and so the host",
                volume.name,
                describe(&hit, volume.path)
            );
            report_volume(ctx, volume.device, &users, message).help(HELP);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_folders_and_pipes() {
        assert_eq!(classify("/var/run/docker.sock"), Some(Hit::Socket));
        assert_eq!(classify("/var/run/../run/./docker.sock"), Some(Hit::Socket));
        assert_eq!(classify("~/.docker/run/docker.sock"), Some(Hit::Socket));
        assert_eq!(
            classify("/run/user/1000/podman/podman.sock"),
            Some(Hit::Socket)
        );
        assert_eq!(classify("/var/run/"), Some(Hit::Folder));
        assert_eq!(classify("//"), Some(Hit::Folder));
        assert_eq!(classify("/run/user/1000"), Some(Hit::Folder));
        assert_eq!(classify("/var/run/containerd"), Some(Hit::Folder));
        assert_eq!(classify(r"\\.\pipe\docker_engine"), Some(Hit::Pipe));
        assert_eq!(
            classify("//./pipe/dockerDesktopLinuxEngine"),
            Some(Hit::Pipe)
        );
        assert_eq!(classify(r"\\.\pipe\other"), None);
        assert_eq!(classify("/var/run/docker.sock.d"), None);
        assert_eq!(classify("/var/run/docker"), Some(Hit::Folder));
        assert_eq!(classify("/run/lock"), None);
        assert_eq!(classify("./docker"), None);
        assert_eq!(classify("/var"), None);
        assert_eq!(classify("/run/user/1000/app"), None);
    }
}
