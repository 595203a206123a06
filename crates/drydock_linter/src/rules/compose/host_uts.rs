use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with `uts: host`.
    ///
    /// The setting runs the service in the host's UTS namespace. The value must be exactly `host`
    /// (quoted or not; Docker rejects other casings). A value that comes from a variable drydock
    /// cannot resolve is not reported; one that resolves to `host` is.
    ///
    /// ## Why is this bad?
    /// In the host's UTS namespace the container shares the host's hostname and NIS domain
    /// name, and a process with `SYS_ADMIN` can change them for the whole host (CIS Docker
    /// Benchmark 5.21).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   node-exporter:
    ///     image: example/exporter:1.8
    ///     uts: host
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   node-exporter:
    ///     image: example/exporter:1.8
    ///     hostname: exporter
    /// ```
    pub(crate) HostUts {
        code: "CMP017",
        name: "host-uts",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for HostUts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("uts") else {
                continue;
            };
            let Some(text) = Text::of(value) else {
                continue;
            };
            if text.unknown || text.text != "host" {
                continue;
            }
            ctx.report_value(
                service,
                value,
                format!("service `{}` shares the host's UTS namespace (`uts: host`{}): it shares the host's hostname", service.name, written(value)),
            )
            .help("remove `uts: host`; set `hostname:` if the service needs a particular name");
        }
    }
}
