use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with `ipc: host`.
    ///
    /// The setting runs the service in the host's IPC namespace. The value must be exactly `host`
    /// (quoted or not; Docker rejects other casings). `ipc: shareable`, `private` and `none` are
    /// fine; `ipc: service:<name>` and `ipc: container:<name>` are reported by CMP019 instead. A
    /// value that comes from a variable drydock cannot resolve is not reported; one that resolves
    /// to `host` (from `.env` or a default) is.
    ///
    /// ## Why is this bad?
    /// The host's IPC namespace holds the shared memory segments, semaphores and message queues
    /// of every process on the host; a container in it can read and corrupt them (CIS Docker
    /// Benchmark 5.17).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: example/cache:3
    ///     ipc: host
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: example/cache:3
    ///     ipc: shareable
    /// ```
    pub(crate) HostIpc {
        code: "CMP014",
        name: "host-ipc",
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

impl Rule for HostIpc {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("ipc") else {
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
                    "service `{}` shares the host's IPC namespace (`ipc: host`{}): it can reach the shared memory of every process of the host",
                    service.name, written(value)
                ),
            )
            .help("remove `ipc: host`; to share memory between services, mark one `ipc: shareable` and join it with `ipc: service:<name>`");
        }
    }
}
