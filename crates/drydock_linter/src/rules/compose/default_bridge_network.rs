use drydock_compose::model::{Flag, Text};
use drydock_compose::tree::{Value, ValueKind};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports services attached to Docker's predefined `bridge` network (the legacy `docker0`
    /// bridge) instead of a network of the project.
    ///
    /// What counts:
    ///
    /// - `network_mode: bridge` on a service; the finding points at the value. Other values
    ///   (`host`, `none`, `service:...`, `container:...`, a network name) are not reported here;
    /// - a top-level network that is the predefined one: `external: true` (any boolean
    ///   spelling) with `name: bridge`, or a network keyed `bridge` with `external: true` and
    ///   no `name`, or the legacy `external: {name: bridge}`, when at least one service joins
    ///   it: by listing it in its `networks` (list or mapping form), or, for a network keyed
    ///   `default`, by having neither `networks` nor `network_mode`. The finding points at the
    ///   network's `name` (else its `external`) value and names the services.
    ///
    /// A value that depends on a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// On the default bridge every container can reach every other container on all ports,
    /// there is no name resolution between them (so people fall back to published ports and
    /// `links`), and unrelated projects on the same host share it. A project network (what
    /// Compose creates when nothing is said) isolates the project, resolves service names, and
    /// can be split per tier or made `internal: true`. The CIS Docker Benchmark (5.30) asks not
    /// to use the default bridge `docker0`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     network_mode: bridge
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     networks: [backend]
    /// networks:
    ///   backend: {}
    /// ```
    ///
    /// ## Notes
    /// Projects that only use Compose's implicit `default` network are not reported: it is
    /// already a per-project bridge with name resolution.
    pub(crate) DefaultBridgeNetwork {
        code: "CMP041",
        name: "default-bridge-network",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

const HELP: &str = "attach the service to a network of the project (Compose's default network, or one declared under `networks:`, `internal: true` where nothing outside needs it)";

/// Where a top-level network says it is Docker's predefined `bridge`: the `name` (or
/// `external`) value; `None` when it is not.
fn predefined_bridge<'a>(key: &str, network: &'a Value) -> Option<&'a Value> {
    let external = network.get("external")?;
    let (external_name, is_external) = match &external.kind {
        // Legacy `external: {name: bridge}`.
        ValueKind::Map(_) => (external.get("name"), true),
        _ => (None, Flag::of(external) == Flag::True),
    };
    if !is_external {
        return None;
    }
    match external_name.or_else(|| network.get("name")) {
        Some(name) => {
            let text = Text::of(name)?;
            (!text.unknown && text.text == "bridge").then_some(name)
        }
        None => (key == "bridge").then_some(external),
    }
}

/// Whether a service's `networks` (list or mapping) names `key`.
fn joins(networks: &Value, key: &str) -> bool {
    match &networks.kind {
        ValueKind::Seq(items) => items.iter().filter_map(Value::str).any(|n| n == key),
        ValueKind::Map(entries) => entries.iter().any(|e| e.key == key),
        ValueKind::Scalar(_) => false,
    }
}

impl Rule for DefaultBridgeNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(mode) = service.value().get("network_mode") else {
                continue;
            };
            if let Some(text) = Text::of(mode)
                && !text.unknown
                && text.text == "bridge"
            {
                ctx.report_value(service, mode, format!("service `{}` uses `network_mode: bridge`, Docker's legacy default bridge shared by every container on the host", service.name))
                    .help(HELP);
            }
        }
        let Some(networks) = ctx
            .project
            .root
            .as_ref()
            .and_then(|r| r.get("networks"))
            .and_then(Value::entries)
        else {
            return;
        };
        for network in networks {
            let Some(at) = predefined_bridge(&network.key, &network.value) else {
                continue;
            };
            let members: Vec<String> = ctx
                .services()
                .filter(|s| match s.value().get("networks") {
                    Some(list) => joins(list, &network.key),
                    None => network.key == "default" && s.value().get("network_mode").is_none(),
                })
                .map(|s| format!("`{}`", s.name))
                .collect();
            if members.is_empty() {
                continue;
            }
            let who = if members.len() == 1 {
                format!("service {} joins", members[0])
            } else {
                format!("services {} join", members.join(", "))
            };
            ctx.report(at.origin, format!("network `{}` is Docker's predefined `bridge` network, the legacy default bridge shared by every container on the host; {who} it", network.key))
                .help(HELP);
        }
    }
}
