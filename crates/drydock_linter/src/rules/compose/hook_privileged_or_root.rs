use drydock_compose::model::{Flag, Text};
use drydock_compose::tree::{Value, ValueKind};

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a lifecycle hook that runs privileged or as root.
    ///
    /// A hook is an item of a service's `post_start`, `pre_stop` or `pre_start` list. It is
    /// reported when it sets:
    ///
    /// - `privileged: true` on the hook, read as Compose reads booleans (`true` in any case,
    ///   and the YAML 1.1 spellings `yes`, `y` and `on`);
    /// - `user` on the hook set to `root`, `0` (integer or string, leading zeros allowed), or
    ///   either followed by a group (`root:<group>`, `0:<group>`).
    ///
    /// A hook that sets both is reported twice, once at each value. A hook without `user`
    /// runs as the container's user and is left to CMP020. Values that depend on a variable
    /// drydock cannot resolve are not reported; values resolved from `.env` or a default are.
    ///
    /// ## Why is this bad?
    /// A hook is a command Compose executes in the container, the analogue of `docker exec`.
    /// CIS Docker Benchmark 5.23 and 5.24 ask that exec sessions are neither privileged nor
    /// run as root: a privileged hook gets every capability and device of the host even when
    /// the service itself is locked down, and a root hook undoes the service's non-root `user`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2
    ///     user: "10001"
    ///     post_start:
    ///       - command: chown -R 10001 /data
    ///         user: root
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:2
    ///     user: "10001"
    ///     volumes:
    ///       - data:/data
    /// volumes:
    ///   data: {}
    /// ```
    pub(crate) HookPrivilegedOrRoot {
        code: "CMP002",
        name: "hook-privileged-or-root",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Whether a `user` value (`USER[:GROUP]`) names the root user.
fn is_root(user: &str) -> bool {
    let name = user.split_once(':').map_or(user, |(u, _)| u);
    name == "root" || (!name.is_empty() && name.bytes().all(|b| b == b'0'))
}

/// The hook items of a hook field (a list of mappings; a lone mapping is read as one hook).
fn hooks(value: &Value) -> Vec<&Value> {
    match &value.kind {
        ValueKind::Seq(items) => items.iter().filter(|i| i.entries().is_some()).collect(),
        ValueKind::Map(_) => vec![value],
        ValueKind::Scalar(_) => Vec::new(),
    }
}

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for HookPrivilegedOrRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            for field in ["pre_start", "post_start", "pre_stop"] {
                let Some(list) = service.value().get(field) else {
                    continue;
                };
                for hook in hooks(list) {
                    if let Some(privileged) = hook.get("privileged")
                        && Flag::of(privileged).is_true()
                    {
                        ctx.report_value(
                            service,
                            privileged,
                            format!(
                                "a `{field}` hook of service `{}` runs privileged (`privileged: {}`{})",
                                service.name,
                                privileged.str().unwrap_or_default(),
                                written(privileged)
                            ),
                        )
                        .help("remove `privileged: true` from the hook; do the privileged work at build time or in a separate, dedicated service");
                    }
                    if let Some(user) = hook.get("user")
                        && let Some(text) = Text::of(user)
                        && !text.unknown
                        && is_root(text.text)
                    {
                        ctx.report_value(
                            service,
                            user,
                            format!("a `{field}` hook of service `{}` runs as root (`user: {}`{})", service.name, text.text, written(user)),
                        )
                        .help("run the hook as the service's unprivileged user (remove `user`, or set a non-root uid)");
                    }
                }
            }
        }
    }
}
