use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with `pid: host`.
    ///
    /// The setting runs the service in the host's PID namespace. The value must be exactly `host`
    /// (quoted or not; Docker rejects other casings). `pid: service:<name>` and `pid:
    /// container:<name>` are reported by CMP019 instead. A value that comes from a variable drydock
    /// cannot resolve is not reported; one that resolves to `host` (from `.env` or a
    /// `${PID_MODE:-host}` default) is.
    ///
    /// ## Why is this bad?
    /// In the host's PID namespace the container sees every process of the host, can read their
    /// command lines and environment through `/proc`, and can signal or trace them with the
    /// right capabilities: a small step from there to the host (CIS Docker Benchmark 5.16).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:2.1
    ///     pid: host
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:2.1
    /// ```
    pub(crate) HostPid {
        code: "CMP013",
        name: "host-pid",
        aliases: [],
        category: Security,
        severity: Error,
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

impl Rule for HostPid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("pid") else {
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
                format!(
                    "service `{}` shares the host's PID namespace (`pid: host`{}): it sees and can signal every process of the host",
                    service.name, written(value)
                ),
            )
            .help("remove `pid: host`; to watch another container's processes, join that container's namespace with `pid: service:<name>`");
        }
    }
}
