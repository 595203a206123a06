use std::net::IpAddr;

use drydock_compose::model::{self, Text};
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a host port published twice in the merged project, by two services or twice by
    /// one.
    ///
    /// Two published ports collide when they have the same protocol (`tcp` unless `/udp`,
    /// `/sctp` or `protocol:` says otherwise), overlapping published ports (ranges such as
    /// `"8000-8010:8000-8010"` are compared as ranges) and host addresses that collide. Addresses
    /// collide when they are equal, or when one of them covers the other: no address means every
    /// interface of both IP versions and collides with anything, `0.0.0.0` collides with every IPv4
    /// address and `::` (also `[::]`) with every IPv6 address.
    ///
    /// Both syntaxes count (`"127.0.0.1:8080:80"`, `"[::1]:8080:80"`, long syntax with
    /// `published`, `host_ip`, `protocol`). Ports without a published port (`"80"`, random
    /// host ports) and `expose` never collide. Values from `.env`, defaults, anchors, override
    /// files, `extends` and `include` count; ports that depend on a variable drydock cannot
    /// resolve are not compared. Services with `network_mode: host` are skipped: Docker
    /// ignores their `ports`. Two services whose `profiles` are both set and share no profile
    /// are not compared (each runs only with its own profile).
    ///
    /// Each port that collides with an earlier one (in service order, then item order) is
    /// reported at its item (the long syntax's `published` value), with a secondary label at
    /// the earlier one.
    ///
    /// ## Why is this bad?
    /// Only one socket can listen on a host address and port. Compose starts the first
    /// container and the second fails with `Bind for 0.0.0.0:8080 failed: port is already
    /// allocated`, so the project never fully starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["8080:80"]
    ///   admin:
    ///     image: example/admin:2.0
    ///     ports: ["127.0.0.1:8080:3000"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["8080:80"]
    ///   admin:
    ///     image: example/admin:2.0
    ///     ports: ["127.0.0.1:8081:3000"]
    /// ```
    pub(crate) DuplicatePublishedPort {
        code: "CMP106",
        name: "duplicate-published-port",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// A host address: every interface of both versions, every interface of one version, or one
/// address.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    All,
    AllV4,
    AllV6,
    One(String),
}

impl Host {
    fn of(ip: Option<&str>) -> Self {
        let Some(ip) = ip.map(str::trim).filter(|ip| !ip.is_empty()) else {
            return Host::All;
        };
        let bare = ip
            .strip_prefix('[')
            .and_then(|i| i.strip_suffix(']'))
            .unwrap_or(ip);
        match bare.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) if a.is_unspecified() => Host::AllV4,
            Ok(IpAddr::V6(a)) if a.is_unspecified() => Host::AllV6,
            Ok(a) => Host::One(a.to_string()),
            Err(_) => Host::One(bare.to_owned()),
        }
    }

    fn is_v6(addr: &str) -> bool {
        addr.contains(':')
    }

    fn collides(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::All, _) | (_, Host::All) => true,
            (Host::AllV4, Host::AllV4) | (Host::AllV6, Host::AllV6) => true,
            (Host::AllV4, Host::AllV6) | (Host::AllV6, Host::AllV4) => false,
            (Host::AllV4, Host::One(a)) | (Host::One(a), Host::AllV4) => !Host::is_v6(a),
            (Host::AllV6, Host::One(a)) | (Host::One(a), Host::AllV6) => Host::is_v6(a),
            (Host::One(a), Host::One(b)) => a == b,
        }
    }
}

/// One published port (or range) with where it was written.
struct Published<'a> {
    service: &'a Service,
    host: Host,
    low: u32,
    high: u32,
    protocol: String,
    at: &'a Value,
    shown: String,
}

/// The port range a published port text covers (`8080`, `8000-8010`).
fn port_range(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    match text.split_once('-') {
        Some((low, high)) => Some((low.trim().parse().ok()?, high.trim().parse().ok()?)),
        None => {
            let p = text.parse().ok()?;
            Some((p, p))
        }
    }
}

fn published<'a>(service: &'a Service) -> Vec<Published<'a>> {
    let mut out = Vec::new();
    if service.value().get("network_mode").and_then(Value::str) == Some("host") {
        return out;
    }
    let Some(ports) = service.value().get("ports") else {
        return out;
    };
    for port in model::ports(ports) {
        if port.unknown {
            continue;
        }
        let Some(text) = port.published.as_deref() else {
            continue;
        };
        let Some((low, high)) = port_range(text) else {
            continue;
        };
        if low == 0 {
            continue;
        }
        let (at, shown) = if port.long {
            (
                port.item.get("published").unwrap_or(port.item),
                text.trim().to_owned(),
            )
        } else {
            (
                port.item,
                Text::of(port.item).map_or_else(String::new, |t| t.text.trim().to_owned()),
            )
        };
        out.push(Published {
            service,
            host: Host::of(port.host_ip.as_deref()),
            low,
            high,
            protocol: port.protocol.clone(),
            at,
            shown,
        });
    }
    out
}

/// Whether two services can run together: not when both have profiles and share none (each
/// runs only with its own profile).
fn can_run_together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty()
        || b.profiles.is_empty()
        || a.profiles.iter().any(|p| b.profiles.contains(p))
}

impl Rule for DuplicatePublishedPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let all: Vec<Published<'_>> = ctx.services().flat_map(published).collect();
        for (i, port) in all.iter().enumerate() {
            let Some(earlier) = all[..i].iter().find(|e| {
                can_run_together(e.service, port.service)
                    && e.protocol == port.protocol
                    && e.low <= port.high
                    && port.low <= e.high
                    && e.host.collides(&port.host)
            }) else {
                continue;
            };
            let clash = port.low.max(earlier.low);
            let whom = if std::ptr::eq(earlier.service, port.service) {
                "this service".to_owned()
            } else {
                format!("service `{}`", earlier.service.name)
            };
            // Through a shared anchor both ports are the same text: point at the other service.
            let (label_at, label) = if earlier.at.origin == port.at.origin {
                (
                    earlier.service.key,
                    format!("service `{}` publishes the same port", earlier.service.name),
                )
            } else {
                (
                    earlier.at.origin,
                    format!(
                        "`{}` of service `{}` publishes it first",
                        earlier.shown, earlier.service.name
                    ),
                )
            };
            let label_file =
                (label_at.file != port.at.origin.file).then(|| ctx.relative(label_at.file));
            let d = ctx.report_value(
                port.service,
                port.at,
                format!("service `{}` publishes host port {clash}/{} (`{}`), which {whom} already publishes (`{}`)", port.service.name, port.protocol, port.shown, earlier.shown),
            );
            d.help("publish a different host port, or bind the two to different host addresses");
            match label_file {
                Some(file) => d.label_in(file, label_at.range, label),
                None => d.label(label_at.range, label),
            };
        }
    }
}
