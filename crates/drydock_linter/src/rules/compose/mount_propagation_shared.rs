use drydock_compose::model::{self, MountKind, Text};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a bind mount with `shared` or `slave` propagation, which lets mounts cross
    /// between the host and the container.
    ///
    /// The levels:
    ///
    /// - `shared` or `rshared` (warning): mounts made on either side appear on the other;
    /// - `slave` or `rslave` (info): mounts made on the host appear in the container.
    ///
    /// Both syntaxes count: a short-syntax option (`/mnt:/mnt:rshared`,
    /// `/mnt:/mnt:ro,shared`) and the long syntax's `bind: {propagation: rshared}` (any case).
    /// The finding points at the short-syntax item or at the `propagation:` value. `private`,
    /// `rprivate` (the default) and mounts of named volumes are not reported, nor is a value
    /// that depends on a variable drydock cannot resolve.
    ///
    /// ## Why is this bad?
    /// With shared propagation, a mount the container makes (for example over a path a host
    /// service trusts) shows up on the host, and host mounts, including ones that appear later,
    /// show up in the container. That breaks the isolation of the container's mount namespace
    /// (CIS Docker Benchmark 5.20). Slave propagation is one-way, from the host in, which is
    /// less dangerous but still exposes host mounts the container was not given.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: example/storage-agent:3.0
    ///     volumes:
    ///       - type: bind
    ///         source: /mnt/data
    ///         target: /data
    ///         bind:
    ///           propagation: rshared
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   storage:
    ///     image: example/storage-agent:3.0
    ///     volumes:
    ///       - type: bind
    ///         source: /mnt/data
    ///         target: /data
    /// ```
    pub(crate) MountPropagationShared {
        code: "CMP025",
        name: "mount-propagation-shared",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for MountPropagationShared {
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
                let at = if mount.long {
                    let Some(value) = mount.item.get("bind").and_then(|b| b.get("propagation"))
                    else {
                        continue;
                    };
                    if Text::of(value).is_none_or(|t| t.unknown) {
                        continue;
                    }
                    value
                } else {
                    mount.item
                };
                let Some(propagation) = mount.propagation.as_deref() else {
                    continue;
                };
                let (severity, what) = match propagation {
                    "shared" | "rshared" => (
                        Severity::Warning,
                        "mounts made on the host or in the container appear on the other side",
                    ),
                    "slave" | "rslave" => (
                        Severity::Info,
                        "mounts made on the host, now or later, appear in the container",
                    ),
                    _ => continue,
                };
                let source = mount.source.as_deref().unwrap_or_default();
                ctx.report_value(
                    service,
                    at,
                    format!("service `{}` mounts `{source}` with `{propagation}` propagation: {what}", service.name),
                )
                .help("drop the propagation option (the default is `rprivate`) unless the service really manages mounts for the host")
                .severity(severity);
            }
        }
    }
}
