use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with `cgroup: host`.
    ///
    /// The setting (Compose 2.15 and later) runs the service in the host's cgroup namespace. The
    /// value must be exactly `host` (quoted or not); `cgroup: private` is fine. `cgroup_parent` is
    /// a different setting and is not reported here. A value that comes from a variable drydock
    /// cannot resolve is not reported; one that resolves to `host` is.
    ///
    /// ## Why is this bad?
    /// In the host's cgroup namespace the container sees the host's whole cgroup hierarchy in
    /// `/proc/self/cgroup` and `/sys/fs/cgroup`, which tells it about every other container and
    /// service of the host and, with a writable cgroup mount, lets it tamper with their limits.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   monitor:
    ///     image: example/monitor:4
    ///     cgroup: host
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   monitor:
    ///     image: example/monitor:4
    ///     cgroup: private
    /// ```
    pub(crate) HostCgroupns {
        code: "CMP018",
        name: "host-cgroupns",
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

impl Rule for HostCgroupns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("cgroup") else {
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
                    "service `{}` shares the host's cgroup namespace (`cgroup: host`{}): it sees the host's whole cgroup hierarchy",
                    service.name, written(value)
                ),
            )
            .help("remove `cgroup: host` (or write `cgroup: private`)");
        }
    }
}
