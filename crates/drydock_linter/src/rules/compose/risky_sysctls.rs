use drydock_compose::model::{Text, key_values};
use drydock_compose::project::Service;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `sysctls` (mapping or `key=value` list; a key may also be written with `/`,
    /// as in `net/ipv4/ip_forward`) that weaken the container's network isolation, and, at
    /// error level, sysctls the container runtime refuses.
    ///
    /// Security-relevant settings (info level), reported when the value is known and not `0`:
    ///
    /// - `net.ipv4.ip_forward`, `net.ipv4.conf.<if>.forwarding` and
    ///   `net.ipv6.conf.<if>.forwarding`: the container routes packets between networks;
    /// - `net.ipv4.conf.<if>.route_localnet`: packets to 127.0.0.0/8 may arrive from outside,
    ///   exposing services that listen on localhost only;
    /// - `net.ipv4.conf.<if>.accept_source_route`: the sender chooses the route;
    /// - `net.ipv4.conf.<if>.proxy_arp` and `net.ipv4.conf.<if>.proxy_arp_pvlan`: the
    ///   container answers ARP for other addresses.
    ///
    /// Sysctls the runtime refuses (error level; the container does not start): runc only
    /// allows sysctls of a namespace the container has of its own, which are the IPC ones
    /// (`kernel.msgmax`, `kernel.msgmnb`, `kernel.msgmni`, `kernel.sem`, `kernel.shmall`,
    /// `kernel.shmmax`, `kernel.shmmni`, `kernel.shm_rmid_forced`, `fs.mqueue.*`), the network
    /// ones (`net.*`) and `kernel.domainname` (UTS). Any other key (`vm.*`, `kernel.*`,
    /// `fs.file-max`, ...) is reported, and so are `net.*` keys with `network_mode: host`, IPC
    /// keys with `ipc: host` and `kernel.domainname` with `uts: host`; `kernel.hostname` is
    /// refused too (set `hostname` instead).
    ///
    /// The finding points at the value (the item in the list form). A value that depends on a
    /// variable drydock cannot resolve is not judged (the name still is).
    ///
    /// ## Why is this bad?
    /// A container that forwards packets, accepts source-routed packets or lets outside
    /// traffic reach its loopback addresses becomes a router or a bridge into networks it
    /// should only be a leaf of, and can expose services bound to localhost. A sysctl outside
    /// the container's own namespaces would change the whole host, which is why the runtime
    /// refuses it: the service fails at start-up.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:3.1
    ///     sysctls:
    ///       net.ipv4.ip_forward: 1
    ///       vm.max_map_count: 262144
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: example/vpn:3.1
    ///     sysctls:
    ///       net.core.somaxconn: 1024
    /// ```
    ///
    /// ## Notes
    /// `net.ipv4.ip_unprivileged_port_start=0` and a wide `net.ipv4.ping_group_range` are not
    /// reported: Docker (since 20.10) already sets both in every container with its own
    /// network namespace. Set host-wide settings such as `vm.max_map_count` on the host.
    pub(crate) RiskySysctls {
        code: "CMP047",
        name: "risky-sysctls",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// IPC-namespaced sysctls runc accepts (besides `fs.mqueue.*`).
const IPC: [&str; 8] = [
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

fn mode(service: &Service, key: &str) -> bool {
    service.value().get(key).and_then(Value::str) == Some("host")
}

/// Why the runtime refuses a sysctl, if it does (a clause starting with "which").
fn refused(service: &Service, key: &str) -> Option<&'static str> {
    if IPC.contains(&key) || key.starts_with("fs.mqueue.") {
        return mode(service, "ipc")
            .then_some("which belongs to the IPC namespace that `ipc: host` shares with the host");
    }
    if key.starts_with("net.") {
        return mode(service, "network_mode").then_some(
            "which belongs to the network namespace that `network_mode: host` shares with the host",
        );
    }
    match key {
        "kernel.domainname" => mode(service, "uts")
            .then_some("which belongs to the UTS namespace that `uts: host` shares with the host"),
        "kernel.hostname" => {
            Some("which the runtime reserves for the service's `hostname` setting")
        }
        _ => Some("which is not in a namespace of the container: it would change the whole host"),
    }
}

/// What a known, non-zero value of a security-relevant sysctl does.
fn risk(key: &str) -> Option<&'static str> {
    if key == "net.ipv4.ip_forward" {
        return Some("turns on IP forwarding: the container routes packets between networks");
    }
    let setting = key
        .strip_prefix("net.ipv4.conf.")
        .or_else(|| key.strip_prefix("net.ipv6.conf."))
        .and_then(|rest| rest.split_once('.'))
        .map(|(_, setting)| setting)?;
    match setting {
        "forwarding" => Some("turns on forwarding: the container routes packets between networks"),
        "route_localnet" if key.starts_with("net.ipv4.") => Some(
            "lets packets from outside reach 127.0.0.0/8, exposing services that listen on localhost",
        ),
        "accept_source_route" if key.starts_with("net.ipv4.") => {
            Some("accepts source-routed packets, whose sender chooses the route")
        }
        "proxy_arp" | "proxy_arp_pvlan" if key.starts_with("net.ipv4.") => {
            Some("makes the container answer ARP requests for other addresses")
        }
        _ => None,
    }
}

impl Rule for RiskySysctls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(sysctls) = service.value().get("sysctls") else {
                continue;
            };
            for kv in key_values(sysctls) {
                let key = kv.key.trim().replace('/', ".");
                // A mapping entry without a value points at its key.
                let at = if kv.item.is_null() {
                    None
                } else {
                    Some(kv.item)
                };
                if let Some(why) = refused(service, &key) {
                    let message = format!(
                        "service `{}` sets sysctl `{key}`, {why}; the container runtime refuses it and the service does not start",
                        service.name
                    );
                    let help = if key == "kernel.hostname" {
                        "set `hostname:` on the service instead"
                    } else {
                        "remove it, or set it on the host (`/etc/sysctl.d`) if the host really needs it"
                    };
                    let d = match at {
                        Some(at) => ctx.report_value(service, at, message),
                        None => ctx.report(kv.key_origin, message),
                    };
                    d.help(help).severity(Severity::Error);
                    continue;
                }
                let Some(value) = kv.value.as_deref().map(str::trim) else {
                    continue;
                };
                if kv.unknown || Text::of(kv.item).is_none() {
                    continue;
                }
                let Some(what) = risk(&key) else { continue };
                if value == "0" {
                    continue;
                }
                let Some(at) = at else { continue };
                ctx.report_value(service, at, format!("service `{}` sets `{key}={value}`, which {what}", service.name))
                    .help("remove the sysctl unless the service really is a router or VPN gateway; then isolate it on its own network");
            }
        }
    }
}
