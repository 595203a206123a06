use std::net::IpAddr;

use drydock_compose::model::{self, Port, Text};
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a port a service publishes on every network interface of the host.
    ///
    /// Each item of a service's `ports` is checked, in both syntaxes:
    ///
    /// - short syntax without a host address: `"8080:80"`, `"8080-8081:80-81/udp"`, and a
    ///   container port alone (`"80"`, `80`), which Compose publishes on a random host port of
    ///   every interface;
    /// - short syntax with a wildcard address: `0.0.0.0:8080:80`, `[::]:8080:80`,
    ///   `:::8080:80` (any spelling of the IPv4 or IPv6 unspecified address);
    /// - long syntax (`target`, `published`, `host_ip`, ...) without `host_ip`, with an empty
    ///   `host_ip`, or with a wildcard `host_ip` (`0.0.0.0`, `::`, `"[::]"`).
    ///
    /// A port bound to a specific address (`127.0.0.1:8080:80`, `[::1]:8080:80`,
    /// `host_ip: 192.168.1.10`) is fine, and so is `expose`, which publishes nothing on the
    /// host. Values from `.env`, from defaults (`${BIND:-0.0.0.0}:80:80`), from anchors, merge
    /// keys, override files and `extends` count; a port whose address depends on a variable
    /// drydock cannot resolve is not reported. Services with `network_mode: host` are skipped:
    /// Docker ignores their `ports`.
    ///
    /// The finding points at the short-syntax item, or in the long syntax at `host_ip` (when it
    /// is a wildcard), else `published`, else `target`.
    ///
    /// ## Why is this bad?
    /// Docker publishes a port without a host address on all interfaces, and it inserts its own
    /// firewall rules ahead of the host's, so a port meant for local use (a database, an admin
    /// console) is reachable from every network the host is on, whatever `ufw` or `firewalld`
    /// say. The CIS Docker Benchmark (5.14) asks to bind incoming container traffic to a
    /// specific host interface.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.2
    ///     ports:
    ///       - "5432:5432"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17.2
    ///     ports:
    ///       - "127.0.0.1:5432:5432"
    /// ```
    pub(crate) PortAllInterfaces {
        code: "CMP037",
        name: "port-all-interfaces",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Whether Docker ignores the service's `ports` (host networking).
fn host_network(service: &Service) -> bool {
    service.value().get("network_mode").and_then(Value::str) == Some("host")
}

/// Whether a host address means "every interface" (after removing IPv6 brackets).
fn is_wildcard(ip: &str) -> bool {
    let ip = ip.trim();
    let ip = ip
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(ip);
    ip.is_empty() || ip.parse::<IpAddr>().is_ok_and(|a| a.is_unspecified())
}

/// The port written the short way, for messages.
fn describe(port: &Port<'_>) -> String {
    if !port.long
        && let Some(text) = Text::of(port.item)
    {
        return text.text.trim().to_owned();
    }
    let mut out = String::new();
    if let Some(ip) = port.host_ip.as_deref().filter(|ip| !ip.is_empty()) {
        if ip.contains(':') && !ip.starts_with('[') {
            out.push_str(&format!("[{ip}]:"));
        } else {
            out.push_str(&format!("{ip}:"));
        }
    }
    if let Some(published) = &port.published {
        out.push_str(&format!("{published}:"));
    }
    out.push_str(&port.target);
    if port.protocol != "tcp" {
        out.push_str(&format!("/{}", port.protocol));
    }
    out
}

impl Rule for PortAllInterfaces {
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
                let (unknown, at) = if port.long {
                    let host_ip = port.item.get("host_ip");
                    let unknown = host_ip.and_then(Text::of).is_some_and(|t| t.unknown);
                    let at = ["host_ip", "published", "target"]
                        .iter()
                        .find_map(|k| port.item.get(k))
                        .unwrap_or(port.item);
                    (unknown, at)
                } else {
                    (port.unknown, port.item)
                };
                if unknown {
                    continue;
                }
                let shown = describe(&port);
                let message = match port.host_ip.as_deref() {
                    Some(ip) if !ip.trim().is_empty() => {
                        if !is_wildcard(ip) {
                            continue;
                        }
                        format!(
                            "service `{}` publishes `{shown}` on every host interface: `{}` is the wildcard address",
                            service.name,
                            ip.trim()
                        )
                    }
                    _ if port.published.is_none() => format!(
                        "service `{}` publishes container port `{shown}` on a random host port of every interface (no host address)",
                        service.name
                    ),
                    _ => format!(
                        "service `{}` publishes `{shown}` on every host interface (no host address)",
                        service.name
                    ),
                };
                let example = if port.long {
                    "`host_ip: 127.0.0.1`".to_owned()
                } else {
                    let proto = if port.protocol == "tcp" {
                        String::new()
                    } else {
                        format!("/{}", port.protocol)
                    };
                    format!(
                        "`127.0.0.1:{}:{}{proto}`",
                        port.published.as_deref().unwrap_or(""),
                        port.target
                    )
                };
                ctx.report_value(service, at, message).help(format!(
                    "bind it to one host address, e.g. {example}; if only other containers need the port, use `expose` or a shared network instead"
                ));
            }
        }
    }
}
