use drydock_compose::model::string_or_list;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `systempaths=unconfined` in a service's `security_opt`.
    ///
    /// The item is reported quoted or not, at any position of the list. Compose recognises exactly
    /// this text (as the docker CLI does for `--security-opt`): it is not passed to the daemon but
    /// turns into empty lists of masked and read-only paths. Other spellings
    /// (`systempaths:unconfined`, `SYSTEMPATHS=unconfined`) reach the daemon, which rejects them,
    /// so they are not reported. Items from override files, `extends`, anchors and merge keys are
    /// checked; an item that depends on a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// Docker masks sensitive kernel files (`/proc/kcore`, `/proc/keys`, `/proc/timer_list`,
    /// `/sys/firmware`, ...) and mounts others read-only (`/proc/sys`, `/proc/sysrq-trigger`,
    /// `/proc/irq`, `/proc/bus`). With `systempaths=unconfined` all of them are visible and,
    /// for a root process, writable: kernel memory, the host's sysctls and the magic SysRq key
    /// are a write away.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   sandbox:
    ///     image: example/sandbox:1
    ///     security_opt:
    ///       - systempaths=unconfined
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   sandbox:
    ///     image: example/sandbox:1
    /// ```
    pub(crate) SystempathsUnconfined {
        code: "CMP010",
        name: "systempaths-unconfined",
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

impl Rule for SystempathsUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(opts) = service.value().get("security_opt") else {
                continue;
            };
            for item in string_or_list(opts) {
                if item.unknown || item.text != "systempaths=unconfined" {
                    continue;
                }
                ctx.report_value(
                    service,
                    item.value,
                    format!(
                        "service `{}` unmasks the kernel's system paths (`{}`{}): `/proc` and `/sys` files Docker hides or makes read-only are exposed",
                        service.name,
                        item.text,
                        written(item.value)
                    ),
                )
                .help("remove the item; tools that need an unmasked `/proc` (nested container runtimes, sandboxes) are safer in a dedicated virtual machine");
            }
        }
    }
}
