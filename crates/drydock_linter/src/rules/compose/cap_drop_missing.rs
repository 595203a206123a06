use drydock_compose::model::string_or_list;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};
use crate::rules::compose::helpers::add_to_service;

declare_rule! {
    /// ## What it does
    /// Reports a service that does not drop all capabilities with `cap_drop: [ALL]`.
    ///
    /// It is reported when it has no `cap_drop`, or when its `cap_drop` has no `ALL` item. `ALL` is
    /// matched in any case (`all`, `All`); `CAP_ALL` is not `ALL` (Docker rejects it as an unknown
    /// capability). The merged service is checked: a `cap_drop` from an override file, `extends` or
    /// a merge key counts.
    ///
    /// A service without `cap_drop` (or with `cap_drop:` and no value) is reported at its name
    /// in the first file that declares it; a `cap_drop` list without `ALL` (`[]` included) is
    /// reported at the list. A `cap_drop` with an item that depends on a variable drydock
    /// cannot resolve is not reported (the item may be `ALL`).
    ///
    /// ## Why is this bad?
    /// Docker gives every container 14 capabilities by default (`CHOWN`, `DAC_OVERRIDE`,
    /// `FOWNER`, `KILL`, `NET_RAW`, `SETUID`, `SETGID`, ...). Most services need none or one of
    /// them, and each is something an attacker in the container can use: `NET_RAW` for ARP and
    /// DNS spoofing on the container network, `DAC_OVERRIDE` to ignore file permissions,
    /// `SETUID`/`SETGID` to change identity. Dropping `ALL` and adding back what is needed
    /// keeps the set minimal (CIS Docker Benchmark 5.4).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     cap_drop: [NET_RAW]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     cap_drop: [ALL]
    ///     cap_add: [CHOWN, SETGID, SETUID, NET_BIND_SERVICE]
    /// ```
    ///
    /// ## Fix safety
    /// The fix adds `cap_drop: [ALL]` as the last key of the service, or appends an `- ALL`
    /// item to a block-style `cap_drop` list, in the file that declares the service and only
    /// when the service is a block mapping there (not a flow mapping `{...}`, not an alias) and
    /// no other file resets or overrides `cap_drop`. It is unsafe: a service that relies on a
    /// default capability (binding port 80 as a non-root user, changing file ownership,
    /// switching users at start-up) stops working until that capability is added back with
    /// `cap_add`.
    ///
    /// ## Notes
    /// The catalogue's `mode: seed` option (require only the default capabilities of a seed
    /// list) is not implemented; the rule always asks for `ALL`.
    pub(crate) CapDropMissing {
        code: "CMP005",
        name: "cap-drop-missing",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Compose,
    }
}

impl Rule for CapDropMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let value = service.value().get("cap_drop");
            let items = value.map(string_or_list).unwrap_or_default();
            if items
                .iter()
                .any(|i| i.unknown || i.text.eq_ignore_ascii_case("ALL"))
            {
                continue;
            }
            let fix =
                add_to_service(ctx, service, "cap_drop", "ALL", &["cap_drop: [ALL]"]).map(|edit| {
                    Fix::unsafe_(
                        format!("Drop all capabilities of service `{}`", service.name),
                        vec![edit],
                    )
                });
            let d = match value.filter(|v| !v.is_null()) {
                Some(value) => {
                    let listed = items
                        .iter()
                        .map(|i| format!("`{}`", i.text))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let message = if listed.is_empty() {
                        format!(
                            "service `{}` has an empty `cap_drop`: it keeps Docker's default capabilities",
                            service.name
                        )
                    } else {
                        format!(
                            "service `{}` drops {listed} but not `ALL`: it keeps Docker's other default capabilities",
                            service.name
                        )
                    };
                    let fix = fix.filter(|_| value.origin.file == service.key.file);
                    let d = ctx.report_value(service, value, message);
                    if let Some(fix) = fix {
                        d.fix(fix);
                    }
                    d
                }
                None => {
                    let fix = fix.filter(|_| value.is_none());
                    let d = ctx.report_missing(
                        service,
                        format!("service `{}` keeps Docker's default capabilities: it has no `cap_drop: [ALL]`", service.name),
                    );
                    if let Some(fix) = fix {
                        d.fix(fix);
                    }
                    d
                }
            };
            d.help("add `cap_drop: [ALL]` and add back with `cap_add` only the capabilities the service needs");
        }
    }
}
