use drydock_compose::model::{self, Text};
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service publishing a privileged host port: a `published` port (or the lower
    /// bound of a published range) from 1 to 1023.
    ///
    /// Both syntaxes count: short (`"80:8080"`, `"127.0.0.1:443:8443"`, `"[::1]:22:2222"`,
    /// `"1000-1100:1000-1100"`, unquoted `80:80`) and long (`published: 80` or
    /// `published: "80-81"`). Only the host side matters: `"8080:80"` maps an unprivileged
    /// host port to container port 80 and is fine, and so is a container port alone (`"80"`),
    /// which gets a random high host port. Published port `0` (a random port) is not reported.
    /// Values from `.env`, defaults, anchors, override files and `extends` count; a port that
    /// depends on a variable drydock cannot resolve is not reported. Services with
    /// `network_mode: host` are skipped: Docker ignores their `ports`.
    ///
    /// The finding points at the short-syntax item, or at the long syntax's `published` value.
    ///
    /// ## Why is this bad?
    /// Ports below 1024 are reserved for system services; binding them needs root or
    /// `CAP_NET_BIND_SERVICE` on the host, which Docker's port publishing does on the
    /// container's behalf. The CIS Docker Benchmark (5.8) asks not to map privileged ports, so
    /// that a container cannot take over a port clients trust as a system service (SSH, DNS,
    /// HTTP).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.1
    ///     ports:
    ///       - "80:8080"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.1
    ///     ports:
    ///       - "127.0.0.1:8080:8080"
    /// ```
    ///
    /// ## Notes
    /// A reverse proxy that must answer on 80 and 443 is the usual exception; suppress the
    /// finding there.
    pub(crate) PrivilegedHostPort {
        code: "CMP038",
        name: "privileged-host-port",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Whether Docker ignores the service's `ports` (host networking).
fn host_network(service: &Service) -> bool {
    service.value().get("network_mode").and_then(Value::str) == Some("host")
}

/// The lower bound of a port or range (`80`, `8000-8010`).
fn lower_bound(text: &str) -> Option<u32> {
    let text = text.trim();
    text.split_once('-')
        .map_or(text, |(low, _)| low)
        .trim()
        .parse()
        .ok()
}

impl Rule for PrivilegedHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            if host_network(service) {
                continue;
            }
            let Some(ports) = service.value().get("ports") else {
                continue;
            };
            for port in model::ports(ports) {
                let Some(published) = port.published.as_deref() else {
                    continue;
                };
                let at = if port.long {
                    port.item.get("published").unwrap_or(port.item)
                } else {
                    port.item
                };
                if Text::of(at).is_some_and(|t| t.unknown) || (!port.long && port.unknown) {
                    continue;
                }
                let Some(low) = lower_bound(published) else {
                    continue;
                };
                if !(1..1024).contains(&low) {
                    continue;
                }
                let what = if published.contains('-') {
                    format!(
                        "host ports `{}`, starting below 1024 (privileged ports)",
                        published.trim()
                    )
                } else {
                    format!(
                        "host port `{}`, below 1024 (a privileged port)",
                        published.trim()
                    )
                };
                ctx.report_value(service, at, format!("service `{}` publishes {what}", service.name))
                    .help("publish a host port at or above 1024 (e.g. `8080:80`) and put a reverse proxy or load balancer in front if clients need the well-known port");
            }
        }
    }
}
