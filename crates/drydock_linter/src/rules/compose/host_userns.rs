use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with `userns_mode: host`.
    ///
    /// The value must be exactly `host` (quoted or not). Other modes (Podman's `keep-id`, `auto`,
    /// ...) are not reported. A value that comes from a variable drydock cannot resolve is not
    /// reported; one that resolves to `host` is.
    ///
    /// ## Why is this bad?
    /// When the daemon remaps users (`userns-remap`), root in a container is an unprivileged
    /// user on the host. `userns_mode: host` opts the service out of that remapping, so root in
    /// the container is root on the host again (CIS Docker Benchmark 5.31).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:1.0
    ///     userns_mode: host
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: example/backup:1.0
    /// ```
    ///
    /// ## Notes
    /// Without `userns-remap` on the daemon the setting changes nothing, but it silently undoes
    /// the protection the day remapping is turned on.
    pub(crate) HostUserns {
        code: "CMP016",
        name: "host-userns",
        aliases: [],
        category: Security,
        severity: Warning,
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

impl Rule for HostUserns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("userns_mode") else {
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
                    "service `{}` opts out of user-namespace remapping (`userns_mode: host`{}): root in it is root on the host",
                    service.name, written(value)
                ),
            )
            .help("remove `userns_mode: host`; give the service the file ownership it needs instead");
        }
    }
}
