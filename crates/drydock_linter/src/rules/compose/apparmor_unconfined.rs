use drydock_compose::model::string_or_list;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `apparmor=unconfined` or `apparmor:unconfined` in a service's `security_opt`.
    ///
    /// The item turns AppArmor off: key `apparmor`, value `unconfined`, written
    /// `apparmor=unconfined` or `apparmor:unconfined`, at any position of the list, quoted or not.
    /// The item is split as Compose splits it: on the first `=`, or when there is none, on the
    /// first `:`. Key and value are compared as written: Docker rejects `APPARMOR=...`, and
    /// `apparmor=Unconfined` names a profile that does not exist, so other casings are not
    /// reported. A named profile (`apparmor=docker-default`, `apparmor=my-profile`) is fine.
    ///
    /// Items from override files, `extends`, YAML anchors and merge keys are all checked; an
    /// item that depends on a variable drydock cannot resolve is not reported.
    ///
    /// ## Why is this bad?
    /// On AppArmor hosts (Debian, Ubuntu, SUSE) Docker confines every container with the
    /// `docker-default` profile, which denies writes to `/proc` and `/sys` files, mounts and
    /// other escape routes. `apparmor=unconfined` removes that layer (CIS Docker Benchmark 5.2).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   fuse:
    ///     image: example/fuse:1
    ///     security_opt:
    ///       - apparmor:unconfined
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   fuse:
    ///     image: example/fuse:1
    ///     security_opt:
    ///       - apparmor=fuse-mounts
    /// ```
    pub(crate) ApparmorUnconfined {
        code: "CMP008",
        name: "apparmor-unconfined",
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

impl Rule for ApparmorUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(opts) = service.value().get("security_opt") else {
                continue;
            };
            for item in string_or_list(opts) {
                if item.unknown || split(item.text) != Some(("apparmor", "unconfined")) {
                    continue;
                }
                ctx.report_value(
                    service,
                    item.value,
                    format!("service `{}` runs without an AppArmor profile (`{}`{})", service.name, item.text, written(item.value)),
                )
                .help("remove the item to keep Docker's `docker-default` profile, or load a profile written for the service and name it (`apparmor=<profile>`)");
            }
        }
    }
}
