use drydock_compose::model::{self, Text};
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service offering the Docker daemon's API port: 2375, the plain-text
    /// (unauthenticated) API, at error level; 2376, the TLS API, at info level as a reminder to
    /// check that the daemon verifies client certificates.
    ///
    /// What counts:
    ///
    /// - a `ports` item whose published (host) port or target (container) port is 2375 or 2376,
    ///   or a range containing it: short syntax (`"2375:2375"`, `"2375"`, `"127.0.0.1:2375:2375"`,
    ///   `"2370-2380:2370-2380"`, unquoted `2375:2375`, `/tcp` or `/udp`) and long syntax
    ///   (`target: 2375`, `published: "2375"`);
    /// - an `expose` item (`2375`, `"2375/tcp"`, a range) offering the port to other
    ///   containers.
    ///
    /// An item covering both ports is reported once, as 2375. Values from `.env`, defaults,
    /// anchors, override files and `extends` count; a port that depends on a variable drydock
    /// cannot resolve is not reported. The finding points at the short-syntax or `expose`
    /// item, or at the long syntax's matching `published` (else `target`) value.
    ///
    /// ## Why is this bad?
    /// The Docker API is root on the daemon's host: whoever reaches it can start a privileged
    /// container that mounts the host's file system. On port 2375 the daemon speaks plain HTTP
    /// and accepts every client; this is the usual setup of a `docker:dind` service with TLS
    /// turned off (`DOCKER_TLS_CERTDIR: ""`). Port 2376 is the TLS port, safe only when the
    /// daemon runs with `--tlsverify` and clients hold certificates signed by its CA.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   dind:
    ///     image: docker:27-dind
    ///     privileged: true
    ///     environment:
    ///       DOCKER_TLS_CERTDIR: ""
    ///     ports:
    ///       - "2375:2375"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   dind:
    ///     image: docker:27-dind
    ///     privileged: true
    ///     environment:
    ///       DOCKER_TLS_CERTDIR: /certs
    ///     volumes:
    ///       - certs:/certs/client
    /// volumes:
    ///   certs: {}
    /// ```
    pub(crate) DockerApiPort {
        code: "CMP039",
        name: "docker-api-port",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// The plain-text API port.
const PLAIN: u32 = 2375;
/// The TLS API port.
const TLS: u32 = 2376;

/// The port range a port or range text covers (`2375`, `2370-2380`, `2375/tcp`).
fn port_range(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let text = text.split_once('/').map_or(text, |(p, _)| p).trim();
    match text.split_once('-') {
        Some((low, high)) => Some((low.trim().parse().ok()?, high.trim().parse().ok()?)),
        None => {
            let p = text.parse().ok()?;
            Some((p, p))
        }
    }
}

/// Which API port a port text covers: 2375 first, then 2376.
fn api_port(text: &str) -> Option<u32> {
    let (low, high) = port_range(text)?;
    [PLAIN, TLS].into_iter().find(|p| (low..=high).contains(p))
}

impl Rule for DockerApiPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let mut found: Vec<(&Value, u32, String)> = Vec::new();
            if let Some(ports) = service.value().get("ports") {
                for port in model::ports(ports) {
                    if port.long {
                        // `published` or `target`, whichever covers the more serious port.
                        let mut best: Option<(&str, &Value, u32)> = None;
                        for key in ["published", "target"] {
                            let Some(text) = port.item.get(key).and_then(Text::of) else {
                                continue;
                            };
                            if text.unknown {
                                continue;
                            }
                            if let Some(p) = api_port(text.text)
                                && best.is_none_or(|(_, _, b)| p < b)
                            {
                                best = Some((key, text.value, p));
                            }
                        }
                        if let Some((key, at, p)) = best {
                            let shown = Text::of(at).map_or("", |t| t.text);
                            let what = if key == "published" {
                                format!("publishes host port `{shown}`")
                            } else {
                                format!("publishes container port `{shown}`")
                            };
                            found.push((at, p, what));
                        }
                        continue;
                    }
                    if port.unknown {
                        continue;
                    }
                    let ports = [port.published.as_deref(), Some(port.target.as_str())];
                    if let Some(p) = ports.into_iter().flatten().filter_map(api_port).min() {
                        let shown =
                            Text::of(port.item).map_or(String::new(), |t| t.text.trim().to_owned());
                        found.push((port.item, p, format!("publishes `{shown}`")));
                    }
                }
            }
            if let Some(expose) = service.value().get("expose").and_then(Value::items) {
                for item in expose {
                    let Some(text) = Text::of(item) else { continue };
                    if text.unknown {
                        continue;
                    }
                    if let Some(p) = api_port(text.text) {
                        found.push((
                            item,
                            p,
                            format!("exposes `{}` to other containers", text.text.trim()),
                        ));
                    }
                }
            }
            for (at, port, what) in found {
                if port == PLAIN {
                    ctx.report_value(service, at, format!("service `{}` {what}: port 2375 is the Docker daemon's plain-text, unauthenticated API", service.name))
                        .help("do not offer the Docker API over plain TCP: use the TLS port 2376 with `--tlsverify` and client certificates (`DOCKER_TLS_CERTDIR` in `docker:dind`), or share the unix socket only with the service that needs it");
                } else {
                    ctx.report_value(service, at, format!("service `{}` {what}: port 2376 is the Docker daemon's TLS API", service.name))
                        .help("make sure the daemon runs with `--tlsverify` so that only clients with a certificate signed by its CA get in, and publish the port only where clients need it")
                        .severity(Severity::Info);
                }
            }
        }
    }
}
