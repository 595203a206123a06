use drydock_compose::model::{Flag, Text};
use drydock_compose::project::{Project, Service};
use drydock_compose::tree::{Value, ValueKind};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that joins the PID, IPC or network namespace of another service or
    /// container.
    ///
    /// The service sets `pid`, `ipc` or `network_mode` to `service:<name>` or `container:<name>`
    /// (the prefixes are case-sensitive, as in Compose).
    ///
    /// For `service:<name>` drydock follows the chain of services (`a` joins `b`, which joins
    /// `c`, ...). When the service at the end of the chain uses the host's namespace of the
    /// same kind (`pid: host`, `ipc: host`, or for the network `network_mode: host` or a
    /// network named `host`), the finding is an error: the service is effectively on the host's
    /// namespace too. Otherwise it is a hint that the service shares the target's isolation.
    /// `container:<name>` targets are outside the project and cannot be followed. A value that
    /// comes from a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// A joined namespace is shared: processes of both containers see each other (PID), share
    /// memory (IPC) or share interfaces, ports and loopback (network). The service is only as
    /// isolated as its target, and a later change to the target (say, `network_mode: host`)
    /// silently changes this service too.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:1
    ///     network_mode: host
    ///   app:
    ///     image: example/app:1
    ///     network_mode: service:vpn
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:1
    ///     networks: [tunnel]
    ///   app:
    ///     image: example/app:1
    ///     networks: [tunnel]
    /// networks:
    ///   tunnel: {}
    /// ```
    ///
    /// ## Notes
    /// Sharing a namespace is sometimes the point (a sidecar that shares its app's network, a
    /// debugger that shares its target's PIDs); the hint is a reminder to keep the target
    /// isolated, and it becomes an error only when the target is on the host's namespace.
    pub(crate) JoinsOtherNamespace {
        code: "CMP019",
        name: "joins-other-namespace",
        aliases: [],
        category: Security,
        severity: Style,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The longest `service:` chain followed.
const MAX_CHAIN: usize = 32;

/// Whether top-level network `key` is the host network.
fn host_network(top: Option<&Value>, key: &str) -> bool {
    let Some(def) = top.and_then(|t| t.get(key)) else {
        return false;
    };
    let is_host = |v: &Value| Text::of(v).is_some_and(|t| !t.unknown && t.text == "host");
    if let Some(name) = def.get("name") {
        return is_host(name);
    }
    match def.get("external") {
        Some(external) if external.entries().is_some() => {
            external.get("name").map_or(key == "host", is_host)
        }
        Some(external) => Flag::of(external).is_true() && key == "host",
        None => false,
    }
}

/// Whether `service` uses the host's namespace of kind `field` directly.
fn on_host(project: &Project, service: &Service, field: &str) -> bool {
    let mode = service.value().get(field).and_then(Text::of);
    if mode
        .as_ref()
        .is_some_and(|t| !t.unknown && t.text == "host")
    {
        return true;
    }
    if field != "network_mode" || mode.is_some() {
        return false;
    }
    let top = project.root.as_ref().and_then(|r| r.get("networks"));
    match service.value().get("networks").map(|n| &n.kind) {
        Some(ValueKind::Seq(items)) => items
            .iter()
            .filter_map(Text::of)
            .any(|t| !t.unknown && host_network(top, t.text)),
        Some(ValueKind::Map(entries)) => entries.iter().any(|e| host_network(top, &e.key)),
        Some(ValueKind::Scalar(_)) => false,
        None => host_network(top, "default"),
    }
}

/// Follows `service:` references from `name`: the last service of the chain when it is on the
/// host's namespace.
fn host_at_end<'p>(project: &'p Project, field: &str, name: &str) -> Option<&'p str> {
    let mut seen: Vec<&str> = Vec::new();
    let mut current = project.service(name)?;
    loop {
        if on_host(project, current, field) {
            return Some(&current.name);
        }
        let next = current
            .value()
            .get(field)
            .and_then(Text::of)
            .filter(|t| !t.unknown)?;
        let next = next.text.strip_prefix("service:")?;
        if seen.contains(&next) || seen.len() > MAX_CHAIN {
            return None;
        }
        seen.push(next);
        current = project.service(next)?;
    }
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for JoinsOtherNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        for service in ctx.services() {
            for (field, kind) in [("pid", "PID"), ("ipc", "IPC"), ("network_mode", "network")] {
                let Some(value) = service.value().get(field) else {
                    continue;
                };
                let Some(text) = Text::of(value) else {
                    continue;
                };
                if text.unknown {
                    continue;
                }
                let (target_kind, target) = if let Some(target) = text.text.strip_prefix("service:")
                {
                    ("service", target)
                } else if let Some(target) = text.text.strip_prefix("container:") {
                    ("container", target)
                } else {
                    continue;
                };
                let host = (target_kind == "service")
                    .then(|| host_at_end(project, field, target))
                    .flatten();
                match host {
                    Some(end) => {
                        let via = if end == target {
                            String::new()
                        } else {
                            format!(" (through service `{end}`)")
                        };
                        ctx.report_value(
                            service,
                            value,
                            format!(
                                "service `{}` joins the {kind} namespace of service `{target}` (`{field}: {}`{}), which is the host's {kind} namespace{via}",
                                service.name,
                                text.text,
                                written(value)
                            ),
                        )
                        .severity(Severity::Error)
                        .help(format!("take the target off the host's {kind} namespace, or do not join it"));
                    }
                    None => {
                        ctx.report_value(
                            service,
                            value,
                            format!(
                                "service `{}` joins the {kind} namespace of {target_kind} `{target}` (`{field}: {}`{}): it is only as isolated as that {target_kind}",
                                service.name,
                                text.text,
                                written(value)
                            ),
                        )
                        .help(format!("make sure sharing the {kind} namespace is intended and that the {target_kind} it joins is isolated"));
                    }
                }
            }
        }
    }
}
