use drydock_compose::model::{Flag, Text};
use drydock_compose::tree::{Value, ValueKind};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service on the host's network stack: `network_mode: host`, or a network named
    /// `host`.
    ///
    /// These spellings are reported:
    ///
    /// - `network_mode: host` (exactly `host`, quoted or not; Docker rejects other casings);
    /// - a `networks:` entry (list item or mapping key) naming a top-level network that is the
    ///   host network: one whose `name` is `host`, or an `external: true` network whose key is
    ///   `host` and that has no `name`, or one with the legacy `external: {name: host}`;
    /// - no `network_mode` and no `networks` while the top-level `default` network is the host
    ///   network (reported at that network's `name`).
    ///
    /// `network_mode: service:<name>` and `container:<name>` are reported by CMP019 instead. A
    /// value that comes from a variable drydock cannot resolve is not reported; one that
    /// resolves to `host` (from `.env` or a default) is.
    ///
    /// ## Why is this bad?
    /// On the host network the container has no network isolation: it can bind any port of the
    /// host, reach services listening only on the host's loopback interface, and see all of the
    /// host's traffic with `NET_RAW`/`NET_ADMIN` (CIS Docker Benchmark 5.10). `ports:` are
    /// ignored, so what the service exposes is no longer written in the file.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     network_mode: host
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports:
    ///       - "127.0.0.1:8080:80"
    /// ```
    pub(crate) HostNetwork {
        code: "CMP015",
        name: "host-network",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The value naming the host network when top-level network `key` is the host network (its
/// `name`, or the `external` value for a nameless external network keyed `host`).
fn host_network<'v>(top: Option<&'v Value>, key: &str) -> Option<&'v Value> {
    let def = top?.get(key)?;
    if let Some(name) = def.get("name") {
        let text = Text::of(name)?;
        return (!text.unknown && text.text == "host").then_some(name);
    }
    let external = def.get("external")?;
    if external.entries().is_some() {
        return match external.get("name") {
            Some(name) => Text::of(name)
                .filter(|t| !t.unknown && t.text == "host")
                .map(|_| name),
            None => (key == "host").then_some(external),
        };
    }
    (Flag::of(external).is_true() && key == "host").then_some(external)
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for HostNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let project = ctx.project;
        let top = project.root.as_ref().and_then(|r| r.get("networks"));
        for service in ctx.services() {
            let mode = service.value().get("network_mode");
            if let Some(value) = mode
                && let Some(text) = Text::of(value)
                && !text.unknown
                && text.text == "host"
            {
                ctx.report_value(
                    service,
                    value,
                    format!(
                        "service `{}` uses the host's network stack (`network_mode: host`{}): it has no network isolation",
                        service.name,
                        written(value)
                    ),
                )
                .help("remove `network_mode: host` and publish only the ports the service needs with `ports:` (bound to `127.0.0.1` when only the host needs them)");
            }
            let networks = service.value().get("networks");
            match networks.map(|n| &n.kind) {
                Some(ValueKind::Seq(items)) => {
                    for item in items {
                        let Some(text) = Text::of(item) else { continue };
                        if text.unknown || host_network(top, text.text).is_none() {
                            continue;
                        }
                        report_network(ctx, service, item, text.text);
                    }
                }
                Some(ValueKind::Map(entries)) => {
                    for entry in entries {
                        if host_network(top, &entry.key).is_none() {
                            continue;
                        }
                        // Point at the key: the value is often empty.
                        let at = Value {
                            origin: entry.key_origin,
                            via: entry.value.via,
                            tag: None,
                            kind: entry.value.kind.clone(),
                        };
                        report_network(ctx, service, &at, &entry.key);
                    }
                }
                _ => {
                    if mode.is_some() || networks.is_some() {
                        continue;
                    }
                    if let Some(name) = host_network(top, "default") {
                        ctx.report_value(
                            service,
                            name,
                            format!(
                                "service `{}` is on the project's `default` network, which is the host network (`host`): it has no network isolation",
                                service.name
                            ),
                        )
                        .help("give the `default` network a bridge of its own (remove `name: host`), and publish only the ports the services need");
                    }
                }
            }
        }
    }
}

fn report_network(
    ctx: &mut ComposeContext<'_>,
    service: &drydock_compose::project::Service,
    at: &Value,
    network: &str,
) {
    ctx.report_value(
        service,
        at,
        format!("service `{}` joins network `{network}`, which is the host network (`host`): it has no network isolation", service.name),
    )
    .help("attach the service to a bridge network and publish only the ports it needs with `ports:`");
}
