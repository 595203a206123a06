use drydock_compose::model::{normalize_cap, string_or_list};
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `cap_add` item granting `ALL`, `SYS_ADMIN`, `SYS_MODULE` or `SYS_RAWIO`.
    ///
    /// These capabilities amount to root on the host. Names are matched in any case and with or
    /// without the `CAP_` prefix (`sys_admin`, `CAP_SYS_ADMIN`, `Cap_Sys_Module`). Each offending
    /// item is reported, wherever it was written: list items merge (append) across override files
    /// and `extends`, and may come through YAML anchors.
    ///
    /// `cap_add: [ALL]` is reported even next to `cap_drop: [ALL]`: Docker then grants every
    /// capability except those dropped by name, and `ALL` in `cap_drop` does not cancel it.
    /// An item that depends on a variable drydock cannot resolve is not reported; one resolved
    /// from `.env` or a default is.
    ///
    /// ## Why is this bad?
    /// `SYS_ADMIN` allows mounts, namespace and cgroup manipulation and most known container
    /// escapes; `SYS_MODULE` loads kernel modules; `SYS_RAWIO` gives raw access to devices and
    /// I/O ports; `ALL` is all of them. A container with any of them is close to a privileged
    /// one (CIS Docker Benchmark 5.4).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   mounter:
    ///     image: example/mounter:1
    ///     cap_add:
    ///       - SYS_ADMIN
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   mounter:
    ///     image: example/mounter:1
    ///     cap_drop: [ALL]
    ///     volumes:
    ///       - type: bind
    ///         source: ./data
    ///         target: /data
    /// ```
    pub(crate) CapAddCritical {
        code: "CMP003",
        name: "cap-add-critical",
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

impl Rule for CapAddCritical {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(caps) = service.value().get("cap_add") else {
                continue;
            };
            for item in string_or_list(caps) {
                if item.unknown {
                    continue;
                }
                let cap = normalize_cap(item.text);
                let why = match cap.as_str() {
                    "ALL" => "every capability",
                    "SYS_ADMIN" => "mounts, namespaces and most known container escapes",
                    "SYS_MODULE" => "loading kernel modules",
                    "SYS_RAWIO" => "raw access to devices and I/O ports",
                    _ => continue,
                };
                ctx.report_value(
                    service,
                    item.value,
                    format!("service `{}` adds capability `{}`{} ({why}): it is close to root on the host", service.name, item.text, written(item.value)),
                )
                .help("remove it from `cap_add`; grant the narrow capability or device the service actually needs");
            }
        }
    }
}
