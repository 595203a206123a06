use drydock_compose::model::string_or_list;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Fix;
use crate::rule::{Rule, RuleMeta};
use crate::rules::compose::helpers::add_to_service;

declare_rule! {
    /// ## What it does
    /// Reports a service that does not set `no-new-privileges` in `security_opt`, or turns it off.
    ///
    /// These items set it (key and value in any case):
    ///
    /// - `no-new-privileges` alone;
    /// - `no-new-privileges:true` or `no-new-privileges=true` (also `t` and `1`, which Docker
    ///   reads as true).
    ///
    /// An item that turns it off, `no-new-privileges:false` or `=false` (also `f` and `0`), is
    /// always reported, at the item, even when another item turns it on. So is an item whose
    /// value Docker does not read as a boolean (`no-new-privileges:yes`, `no-new-privileges:`):
    /// Docker refuses to create the container. A service with no such item is reported at its
    /// name in the first file that declares it, unless one of its `security_opt` items depends
    /// on a variable drydock cannot resolve. Items from override files, `extends`, anchors and
    /// merge keys count.
    ///
    /// ## Why is this bad?
    /// Without `no-new-privileges` a process in the container can gain privileges through
    /// setuid and setgid binaries or file capabilities (`su`, `sudo`, `ping`, anything an
    /// attacker manages to drop into the image). With it the kernel never raises a process's
    /// privileges across `execve` (CIS Docker Benchmark 5.26).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2
    ///     security_opt:
    ///       - apparmor=api
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2
    ///     security_opt:
    ///       - apparmor=api
    ///       - no-new-privileges:true
    /// ```
    ///
    /// ## Fix safety
    /// For a service without the option, the fix appends a `- no-new-privileges:true` item to
    /// the service's block-style `security_opt` list, or adds a `security_opt:` key with that
    /// item as the last key of the service. It only edits the file that declares the service,
    /// when the service is a block mapping there (not a flow mapping `{...}`, not an alias), its
    /// `security_opt` (if any) is a block list written there, and no other file resets or
    /// overrides `security_opt`. Explicit `false` items are not changed. The fix is unsafe: a
    /// service that switches users or gains capabilities through setuid binaries (`su`,
    /// `sudo`, `gosu` run by a non-root user) stops working.
    ///
    /// ## Notes
    /// Docker itself only accepts the key in lowercase and rejects the container otherwise;
    /// drydock does not report other casings as missing, since no container runs with them.
    ///
    /// When the daemon sets `no-new-privileges` for every container (`"no-new-privileges":
    /// true` in `daemon.json`, CIS Docker Benchmark 2.14), turn this rule off.
    pub(crate) MissingNoNewPrivileges {
        code: "CMP011",
        name: "missing-no-new-privileges",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Compose,
    }
}

const KEY: &str = "no-new-privileges";

/// Reads a `no-new-privileges` item: `Some(Some(flag))` for a boolean Docker accepts,
/// `Some(None)` for another value, `None` for another option.
fn no_new_privileges(item: &str) -> Option<Option<bool>> {
    if item.eq_ignore_ascii_case(KEY) {
        return Some(Some(true));
    }
    let (key, value) = item.split_once('=').or_else(|| item.split_once(':'))?;
    if !key.eq_ignore_ascii_case(KEY) {
        return None;
    }
    Some(match value.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" => Some(true),
        "false" | "f" | "0" => Some(false),
        _ => None,
    })
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for MissingNoNewPrivileges {
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
            let mut set = false;
            for item in items.iter().filter(|i| !i.unknown) {
                let Some(flag) = no_new_privileges(item.text) else {
                    continue;
                };
                set = true;
                match flag {
                    Some(true) => {}
                    Some(false) => {
                        ctx.report_value(
                            service,
                            item.value,
                            format!(
                                "service `{}` turns `no-new-privileges` off (`{}`{})",
                                service.name,
                                item.text,
                                written(item.value)
                            ),
                        )
                        .help("write `no-new-privileges:true`, or remove the item and fix what needed setuid binaries");
                    }
                    None => {
                        ctx.report_value(
                            service,
                            item.value,
                            format!(
                                "service `{}` sets `{}`{}, which Docker does not read as true or false: it refuses to create the container",
                                service.name,
                                item.text,
                                written(item.value)
                            ),
                        )
                        .help("write `no-new-privileges:true`");
                    }
                }
            }
            if set || items.iter().any(|i| i.unknown) {
                continue;
            }
            let fix = add_to_service(
                ctx,
                service,
                "security_opt",
                "no-new-privileges:true",
                &["security_opt:", "  - no-new-privileges:true"],
            )
            .map(|edit| {
                Fix::unsafe_(
                    format!("Set `no-new-privileges:true` on service `{}`", service.name),
                    vec![edit],
                )
            });
            let d = ctx.report_missing(
                service,
                format!(
                    "service `{}` does not set `no-new-privileges`: its processes can gain privileges through setuid binaries",
                    service.name
                ),
            );
            d.help("add `no-new-privileges:true` to the service's `security_opt`");
            if let Some(fix) = fix {
                d.fix(fix);
            }
        }
    }
}
