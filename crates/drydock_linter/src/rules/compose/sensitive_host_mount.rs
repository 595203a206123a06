use drydock_compose::model::{self, Flag, Mount, MountKind};

use super::docker_socket_mount::{
    bind_volumes, known_source, normalize_host_path, report_volume, source_value, volume_users,
};
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount of a sensitive host folder (`/`, `/etc`, `/proc`, `/var/lib/docker`,
    /// ...) or of anything under it.
    ///
    /// The folders are `/` itself, and any path equal to or under `/boot`, `/dev`, `/etc`,
    /// `/lib`, `/lib64`, `/proc`, `/sys`, `/usr`, `/bin`, `/sbin`, `/root`, `/home`,
    /// `/var/lib/docker`, `/var/lib/containerd` or `/var/lib/kubelet`.
    /// "Under" follows path components: `/etc/ssl` is under `/etc`, `/etcd-data` is not. Paths
    /// are compared after resolving `.`, `..`, repeated and trailing `/` (`/var/../etc/` is
    /// `/etc`).
    ///
    /// Mounts count in both syntaxes: the short `SOURCE:TARGET[:OPTIONS]` (source before the
    /// first `:`) and the long `type: bind` with `source:`; so does a top-level volume that is a
    /// bind in disguise (`driver_opts` with `o: bind` and a sensitive `device:`) when a service
    /// mounts it. Relative (`./data`), home (`~/data`) and Windows paths are not judged.
    ///
    /// A *writable* mount of a root-equivalent folder (`/`, `/etc`, `/root`, `/boot`, `/proc`,
    /// `/sys`, `/usr`, `/lib`, `/bin`, `/sbin`, `/var/lib/docker`, or anything under them) is
    /// critical, any other match high; both are reported as errors, and the message says
    /// which it is. A mount is read-only with `:ro` (short) or `read_only: true`
    /// (long), or `o: ...,ro` for a volume.
    ///
    /// ## Why is this bad?
    /// These folders hold the host's configuration, binaries, kernel interfaces, devices,
    /// users' files and other containers' data. Writing to them from a container is a direct
    /// way to root on the host (a cron entry in `/etc`, a binary in `/usr/bin`, a kernel setting
    /// in `/proc/sys`); reading them leaks secrets such as `/etc/shadow`, SSH keys in `/root`
    /// and `/home`, or other containers' files (CIS Docker Benchmark 5.6).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:2.1
    ///     volumes:
    ///       - /etc:/host/etc
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:2.1
    ///     volumes:
    ///       - ./agent.conf:/etc/agent/agent.conf:ro
    /// ```
    ///
    /// ## Notes
    /// Read-only mounts of `/etc/localtime` and `/etc/timezone`, the usual way to share the
    /// host's time zone, are not reported, nor are mounts of `/dev/null`, `/dev/zero`,
    /// `/dev/random` and `/dev/urandom` (mounting `/dev/null` over a file is a common way to
    /// hide it).
    pub(crate) SensitiveHostMount {
        code: "CMP024",
        name: "sensitive-host-mount",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Sensitive host folders: a mount of one of them or anything under it is reported (`/` only
/// when mounted itself).
const SENSITIVE: [&str; 16] = [
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/root",
    "/home",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
];

/// Folders whose write access amounts to root on the host.
const ROOT_EQUIVALENT: [&str; 11] = [
    "/",
    "/etc",
    "/root",
    "/boot",
    "/proc",
    "/sys",
    "/usr",
    "/lib",
    "/bin",
    "/sbin",
    "/var/lib/docker",
];

/// Files that are harmless to share read-only.
const TIME_ZONE_FILES: [&str; 2] = ["/etc/localtime", "/etc/timezone"];

/// Device files that are harmless to share in any mode (mounting `/dev/null` over a file hides
/// it).
const HARMLESS_DEVICES: [&str; 4] = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];

/// The sensitive folder a host path is (or is under), with the normalised path.
fn sensitive(source: &str) -> Option<(&'static str, String)> {
    let path = normalize_host_path(source)?;
    let folder = SENSITIVE
        .iter()
        .filter(|folder| {
            path == **folder
                || (**folder != "/"
                    && path
                        .strip_prefix(**folder)
                        .is_some_and(|rest| rest.starts_with('/')))
        })
        .max_by_key(|folder| folder.len())?;
    Some((folder, path))
}

/// Whether the mount is read-only: `Some(true)`, `Some(false)`, or `None` when a variable
/// decides.
fn read_only(mount: &Mount<'_>) -> Option<bool> {
    if mount.long {
        return match mount.item.get("read_only").map(Flag::of) {
            Some(Flag::True) => Some(true),
            Some(Flag::Unknown) => None,
            _ => Some(false),
        };
    }
    Some(mount.read_only)
}

/// The message; `lead` is "service `x` mounts" or "volume `v` binds".
fn message(lead: &str, source: &str, folder: &str, read_only: Option<bool>) -> String {
    let place = if source == folder {
        format!("host `{source}`")
    } else {
        format!("host `{source}` (under `{folder}`)")
    };
    match read_only {
        Some(false) if ROOT_EQUIVALENT.contains(&folder) => {
            format!(
                "{lead} {place} writable: the container can change the host's system files and take it over (critical)"
            )
        }
        Some(false) => format!(
            "{lead} {place} writable: the container can read and change sensitive host files (high)"
        ),
        _ => format!("{lead} {place}: the container can read sensitive host files (high)"),
    }
}

const HELP: &str = "mount only the files the service needs, from a folder of their own, and add `:ro` where it only reads them";

impl Rule for SensitiveHostMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(volumes) = service.value().get("volumes") else {
                continue;
            };
            for mount in model::mounts(volumes) {
                if mount.kind != MountKind::Bind {
                    continue;
                }
                let Some(source) = known_source(&mount) else {
                    continue;
                };
                let Some((folder, path)) = sensitive(source) else {
                    continue;
                };
                let ro = read_only(&mount);
                if (ro == Some(true) && TIME_ZONE_FILES.contains(&path.as_str()))
                    || HARMLESS_DEVICES.contains(&path.as_str())
                {
                    continue;
                }
                let who = format!("service `{}` mounts", service.name);
                ctx.report_value(
                    service,
                    source_value(&mount),
                    message(&who, &path, folder, ro),
                )
                .help(HELP);
            }
        }
        let project = ctx.project;
        for volume in bind_volumes(project) {
            let Some((folder, path)) = sensitive(volume.path) else {
                continue;
            };
            let users = volume_users(project, volume.name);
            if users.is_empty() {
                continue;
            }
            // Writable when the volume and at least one service mount are.
            let writable =
                !volume.read_only && users.iter().any(|(_, m)| read_only(m) == Some(false));
            if (!writable && TIME_ZONE_FILES.contains(&path.as_str()))
                || HARMLESS_DEVICES.contains(&path.as_str())
            {
                continue;
            }
            let who = format!("volume `{}` binds", volume.name);
            let ro = if writable { Some(false) } else { None };
            report_volume(ctx, volume.device, &users, message(&who, &path, folder, ro)).help(HELP);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_aware_matching() {
        assert_eq!(sensitive("/etc"), Some(("/etc", "/etc".into())));
        assert_eq!(sensitive("/etc/"), Some(("/etc", "/etc".into())));
        assert_eq!(
            sensitive("/var/../etc/ssl/./certs"),
            Some(("/etc", "/etc/ssl/certs".into()))
        );
        assert_eq!(sensitive("/etcd-data"), None);
        assert_eq!(sensitive("/srv/data"), None);
        assert_eq!(sensitive("/"), Some(("/", "/".into())));
        assert_eq!(sensitive("/.."), Some(("/", "/".into())));
        assert_eq!(
            sensitive("/var/lib/docker/volumes"),
            Some(("/var/lib/docker", "/var/lib/docker/volumes".into()))
        );
        assert_eq!(sensitive("/var/lib/dockerd"), None);
        assert_eq!(sensitive("/lib64/x"), Some(("/lib64", "/lib64/x".into())));
        assert_eq!(sensitive("./etc"), None);
    }
}
