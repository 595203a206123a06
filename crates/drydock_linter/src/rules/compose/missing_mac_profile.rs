use drydock_compose::model::string_or_list;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose `security_opt` names no AppArmor, SELinux or seccomp profile of its
    /// own.
    ///
    /// It is reported when `security_opt` has none of
    ///
    /// - `apparmor=<profile>` (or `apparmor:<profile>`), other than `unconfined`;
    /// - `label=<option>` (or `label:<option>`), an SELinux label such as
    ///   `label=type:svirt_apache_t` or `label=level:s0:c100,c200`, other than `disable` and
    ///   `type:spc_t`;
    /// - `seccomp=<profile file>` (or `seccomp:<file>`), other than `unconfined` and `builtin`.
    ///
    /// Items are split as Compose splits them (first `=`, else first `:`) and compared as
    /// written. The finding is at the service's name in the first file that declares it; items
    /// from override files, `extends`, anchors and merge keys count. A service with an item
    /// that depends on a variable drydock cannot resolve is not reported (the item may name a
    /// profile).
    ///
    /// This rule is off by default: most hosts apply Docker's default AppArmor or SELinux
    /// policy and default seccomp profile, which is what this rule asks you to go beyond.
    ///
    /// ## Why is this bad?
    /// Docker's default profiles are written to let any image run. A profile written for the
    /// service (an AppArmor profile, an SELinux type, a seccomp allow-list) confines it to what
    /// it actually does, which turns many exploits into permission errors (CIS Docker Benchmark
    /// 5.2 and 5.3).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     security_opt:
    ///       - apparmor=nginx-web
    ///       - seccomp=./seccomp/nginx.json
    /// ```
    pub(crate) MissingMacProfile {
        code: "CMP012",
        name: "missing-mac-profile",
        aliases: [],
        category: Security,
        severity: Style,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

/// Splits a `security_opt` item as Compose does: on the first `=`, else on the first `:`.
fn split(item: &str) -> Option<(&str, &str)> {
    item.split_once('=').or_else(|| item.split_once(':'))
}

/// Whether a `security_opt` item names a profile of its own.
fn names_profile(item: &str) -> bool {
    match split(item) {
        Some(("apparmor", v)) => !v.is_empty() && v != "unconfined",
        Some(("label", v)) => !v.is_empty() && v != "disable" && v != "type:spc_t",
        Some(("seccomp", v)) => !v.is_empty() && v != "unconfined" && v != "builtin",
        _ => false,
    }
}

impl Rule for MissingMacProfile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let items = service
                .value()
                .get("security_opt")
                .map(string_or_list)
                .unwrap_or_default();
            if items.iter().any(|i| i.unknown || names_profile(i.text)) {
                continue;
            }
            ctx.report_missing(
                service,
                format!(
                    "service `{}` sets no AppArmor, SELinux or seccomp profile of its own in `security_opt`",
                    service.name
                ),
            )
            .help("write a profile for the service and name it in `security_opt` (`apparmor=<profile>`, `label=type:<type>`, `seccomp=<file>`)");
        }
    }
}
