use drydock_compose::model::{self, Text};
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports host devices given to a service: `devices` items, `device_cgroup_rules` with
    /// wildcards, and GPU or CDI device grants.
    ///
    /// In detail:
    ///
    /// - every `devices` item, in the short syntax `HOST[:CONTAINER[:PERMISSIONS]]` or the long
    ///   syntax `{source, target, permissions}` (the finding points at the item, or at
    ///   `source:`). It is an error for `/dev` itself, `/dev/mem`, `/dev/kmem`, `/dev/port`,
    ///   `/dev/kmsg` and block devices (`/dev/sd*`, `/dev/hd*`, `/dev/vd*`, `/dev/xvd*`,
    ///   `/dev/nvme*`, `/dev/mmcblk*`, `/dev/dm-*`, `/dev/loop*`, and anything under
    ///   `/dev/mapper` or `/dev/disk`), and a warning for other devices (`/dev/fuse`,
    ///   `/dev/net/tun`, `/dev/ttyUSB0`, ...);
    /// - `device_cgroup_rules` items that use wildcards: an error when they allow every device
    ///   (`a`, `a *:* rwm`), every major number (`c *:* rwm`) or a range of block devices
    ///   (`b 8:* rwm`), a warning for other wildcards (`c 188:* rwm`). Rules naming one device
    ///   are not reported;
    /// - at the lowest level (style), CDI devices (`vendor.com/class=name`), `gpus:` and
    ///   `deploy.resources.reservations.devices` items: these are usually deliberate GPU
    ///   grants, worth knowing about in a review.
    ///
    /// Paths are compared after removing a trailing `/`. Values that depend on a variable
    /// drydock cannot resolve are not reported.
    ///
    /// ## Why is this bad?
    /// A device node bypasses the container's file-system isolation: raw memory (`/dev/mem`)
    /// or a host disk (`/dev/sda`) gives the container the host's data and, with write
    /// access, the host itself. Every device added widens what a compromised container can
    /// reach (CIS Docker Benchmark 5.18).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:1.0
    ///     devices:
    ///       - /dev/sda:/dev/sda
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:1.0
    ///     volumes:
    ///       - /srv/backups:/backups
    /// ```
    pub(crate) HostDevices {
        code: "CMP026",
        name: "host-devices",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Device file names (directly under `/dev`) that are block devices.
const BLOCK_PREFIXES: [&str; 8] = ["sd", "hd", "vd", "xvd", "nvme", "mmcblk", "dm-", "loop"];

/// How serious a host device path is, and why.
fn classify(path: &str) -> (Severity, &'static str) {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    match path {
        "/dev" => (Severity::Error, "every host device"),
        "/dev/mem" | "/dev/kmem" => (Severity::Error, "raw host memory"),
        "/dev/port" => (Severity::Error, "raw host I/O ports"),
        "/dev/kmsg" => (Severity::Error, "the host kernel's log"),
        _ => {
            let Some(name) = path.strip_prefix("/dev/") else {
                return (Severity::Warning, "a host device");
            };
            let block = name.starts_with("mapper/")
                || name.starts_with("disk/")
                || (!name.contains('/') && BLOCK_PREFIXES.iter().any(|p| name.starts_with(p)));
            if block {
                (Severity::Error, "a host block device")
            } else {
                (Severity::Warning, "a host device")
            }
        }
    }
}

/// How broad a `device_cgroup_rules` item is: `None` without wildcards.
fn cgroup_rule(rule: &str) -> Option<(Severity, &'static str)> {
    let mut parts = rule.split_whitespace();
    let kind = parts.next()?;
    let numbers = parts.next().unwrap_or("*:*");
    let (major, minor) = numbers.split_once(':').unwrap_or((numbers, "*"));
    if kind == "a" {
        return Some((Severity::Error, "every host device"));
    }
    if major == "*" {
        return Some((
            Severity::Error,
            if kind == "b" {
                "every host block device"
            } else {
                "every host character device"
            },
        ));
    }
    if minor == "*" {
        return Some(if kind == "b" {
            (Severity::Error, "a whole class of host block devices")
        } else {
            (Severity::Warning, "a whole class of host devices")
        });
    }
    None
}

fn known(value: &Value) -> Option<Text<'_>> {
    Text::of(value).filter(|t| !t.unknown)
}

impl Rule for HostDevices {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let name = &service.name;
            if let Some(devices) = service.value().get("devices") {
                for device in model::devices(devices) {
                    let at = device.item.get("source").unwrap_or(device.item);
                    if device.unknown
                        && (device.source.contains('$') || device.item.get("source").is_some())
                    {
                        continue;
                    }
                    let source = device.source.as_str();
                    if device.cdi {
                        ctx.report_value(
                            service,
                            at,
                            format!("service `{name}` gets the CDI device `{source}`"),
                        )
                        .help("make sure the service needs this device")
                        .severity(Severity::Style);
                        continue;
                    }
                    let (severity, what) = classify(source);
                    ctx.report_value(service, at, format!("service `{name}` gets host device `{source}`: {what}"))
                        .help("remove the device, or give the service a narrower device or a volume instead")
                        .severity(severity);
                }
            }
            if let Some(rules) = service.value().get("device_cgroup_rules") {
                for rule in model::string_or_list(rules) {
                    if rule.unknown {
                        continue;
                    }
                    let Some((severity, what)) = cgroup_rule(rule.text) else {
                        continue;
                    };
                    ctx.report_value(
                        service,
                        rule.value,
                        format!(
                            "service `{name}` may use {what} through the device cgroup rule `{}`",
                            rule.text
                        ),
                    )
                    .help("allow only the major and minor numbers of the devices the service needs")
                    .severity(severity);
                }
            }
            if let Some(gpus) = service.value().get("gpus")
                && (gpus.items().is_some() || known(gpus).is_some())
            {
                ctx.report_value(
                    service,
                    gpus,
                    format!("service `{name}` gets host GPUs through `gpus`"),
                )
                .help("make sure the service needs GPU access")
                .severity(Severity::Style);
            }
            let reserved = ["deploy", "resources", "reservations", "devices"]
                .iter()
                .try_fold(service.value(), |v, k| v.get(k))
                .and_then(Value::items)
                .unwrap_or_default();
            for item in reserved {
                ctx.report_value(
                    service,
                    item,
                    format!("service `{name}` reserves host devices through `deploy.resources.reservations.devices`"),
                )
                .help("make sure the service needs these devices")
                .severity(Severity::Style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_classes() {
        assert_eq!(classify("/dev/").0, Severity::Error);
        assert_eq!(classify("/dev/mem").0, Severity::Error);
        assert_eq!(classify("/dev/sda1").0, Severity::Error);
        assert_eq!(classify("/dev/nvme0n1").0, Severity::Error);
        assert_eq!(classify("/dev/mapper/vg-root").0, Severity::Error);
        assert_eq!(classify("/dev/snd").0, Severity::Warning);
        assert_eq!(classify("/dev/net/tun").0, Severity::Warning);
        assert_eq!(classify("/dev/bus/usb/sd0").0, Severity::Warning);
        assert_eq!(cgroup_rule("a *:* rwm").map(|r| r.0), Some(Severity::Error));
        assert_eq!(cgroup_rule("c *:* rwm").map(|r| r.0), Some(Severity::Error));
        assert_eq!(cgroup_rule("b 8:* rwm").map(|r| r.0), Some(Severity::Error));
        assert_eq!(
            cgroup_rule("c 188:* rwm").map(|r| r.0),
            Some(Severity::Warning)
        );
        assert_eq!(cgroup_rule("c 1:3 mr"), None);
    }
}
