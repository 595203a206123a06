use drydock_compose::model::{normalize_cap, string_or_list};
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a capability that a service both adds and drops.
    ///
    /// Names are compared in any case and with or without the `CAP_` prefix, so `NET_ADMIN` in one
    /// list and `cap_net_admin` in the other conflict. `ALL` is not compared (`cap_drop: [ALL]`
    /// with named `cap_add` items is the recommended pattern). The finding is at the `cap_add`
    /// item, with a label at the first matching `cap_drop` item; the two may come from different
    /// files (an override file, `extends`). Items that depend on a variable drydock cannot resolve
    /// are not compared.
    ///
    /// ## Why is this bad?
    /// Docker drops capabilities first and adds afterwards, so the capability is granted; other
    /// tools reject the combination as an error. Either way the file says two contradictory
    /// things, and a reader cannot tell which one was meant.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1
    ///     cap_add: [NET_ADMIN]
    ///     cap_drop: [NET_ADMIN, NET_RAW]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1
    ///     cap_add: [NET_ADMIN]
    ///     cap_drop: [NET_RAW]
    /// ```
    pub(crate) CapConflict {
        code: "CMP006",
        name: "cap-conflict",
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

impl Rule for CapConflict {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let (Some(add), Some(drop)) = (
                service.value().get("cap_add"),
                service.value().get("cap_drop"),
            ) else {
                continue;
            };
            let dropped: Vec<_> = string_or_list(drop)
                .into_iter()
                .filter(|t| !t.unknown)
                .collect();
            for item in string_or_list(add) {
                if item.unknown {
                    continue;
                }
                let cap = normalize_cap(item.text);
                if cap == "ALL" {
                    continue;
                }
                let Some(other) = dropped.iter().find(|d| normalize_cap(d.text) == cap) else {
                    continue;
                };
                let label_file = (other.value.origin.file != item.value.origin.file)
                    .then(|| ctx.relative(other.value.origin.file));
                let range = other.value.origin.range;
                let label = format!("`{}` dropped here", other.text);
                let d = ctx.report_value(
                    service,
                    item.value,
                    format!(
                        "service `{}` both adds and drops capability `{}`{}: Docker drops first and then adds, so it keeps it",
                        service.name,
                        item.text,
                        written(item.value)
                    ),
                );
                match label_file {
                    Some(file) => d.label_in(file, range, label),
                    None => d.label(range, label),
                };
                d.help("remove the capability from one of the two lists, whichever was not meant");
            }
        }
    }
}
