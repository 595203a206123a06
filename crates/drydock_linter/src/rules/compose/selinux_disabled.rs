use drydock_compose::model::string_or_list;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `security_opt` item that turns SELinux separation off for a service.
    ///
    /// These items are reported:
    ///
    /// - `label=disable` or `label:disable`;
    /// - `label=type:spc_t` or `label:type:spc_t`, the "super privileged container" type,
    ///   which SELinux does not confine.
    ///
    /// The item is split as Compose splits it: on the first `=`, or when there is none, on the
    /// first `:` (so `label:type:spc_t` is key `label`, value `type:spc_t`). Key and value are
    /// compared as written, as Docker does. Other labels (`label=type:svirt_apache_t`,
    /// `label=level:s0:c100,c200`) are fine. Items from override files, `extends`, anchors and
    /// merge keys are checked; an item that depends on a variable drydock cannot resolve is
    /// not reported.
    ///
    /// ## Why is this bad?
    /// On SELinux hosts (Fedora, RHEL and derivatives) every container process gets its own
    /// MCS label, which keeps it away from host files and other containers' files even when it
    /// runs as root. Disabling the label, or running as `spc_t`, removes that separation (CIS
    /// Docker Benchmark 5.3).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:7
    ///     security_opt:
    ///       - label=disable
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: example/agent:7
    ///     volumes:
    ///       - ./config:/etc/agent:ro,Z
    /// ```
    pub(crate) SelinuxDisabled {
        code: "CMP009",
        name: "selinux-disabled",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Splits a `security_opt` item as Compose does: on the first `=`, else on the first `:`.
fn split(item: &str) -> Option<(&str, &str)> {
    item.split_once('=').or_else(|| item.split_once(':'))
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for SelinuxDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(opts) = service.value().get("security_opt") else {
                continue;
            };
            for item in string_or_list(opts) {
                if item.unknown {
                    continue;
                }
                let what = match split(item.text) {
                    Some(("label", "disable")) => "turns SELinux labeling off",
                    Some(("label", "type:spc_t")) => "runs as the unconfined SELinux type `spc_t`",
                    _ => continue,
                };
                ctx.report_value(service, item.value, format!("service `{}` {what} (`{}`{})", service.name, item.text, written(item.value)))
                    .help("remove the item; to share host files with the container, relabel the mount (`:z` or `:Z`) instead");
            }
        }
    }
}
