use drydock_compose::model::Text;
use drydock_compose::tree::Value;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose `user` is root.
    ///
    /// Root is `root`, `0` (a YAML integer or a string), or either followed by a group,
    /// `root:<group>` / `0:<group>` (`0:0`, `root:root`, `root:1000`). A uid written with leading
    /// zeros (`00`) is uid 0 too. The user part is compared as written: `Root` or ` root` name
    /// other users, and `1000:0` (a non-root user in group 0) is not reported.
    ///
    /// Variables are resolved first: `${RUN_AS:-root}` with `RUN_AS` unset, or set to `root`
    /// in `.env`, is reported. A value that depends on a variable drydock cannot resolve is
    /// not.
    ///
    /// ## Why is this bad?
    /// `user` overrides the image's `USER`, so `user: root` undoes a carefully built non-root
    /// image (CIS Docker Benchmark 4.1). Root in a container is root on the host for anything
    /// that escapes it: a writable host mount, a kernel bug, a misconfigured capability.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2
    ///     user: "0:0"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:3.2
    ///     user: "10001:10001"
    /// ```
    pub(crate) UserRoot {
        code: "CMP020",
        name: "user-root",
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

/// ` from `<as written>`` when the value was interpolated (for messages).
fn written(value: &Value) -> String {
    value
        .scalar()
        .filter(|s| s.raw != s.value)
        .map_or_else(String::new, |s| format!(" from `{}`", s.raw))
}

impl Rule for UserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("user") else {
                continue;
            };
            let Some(text) = Text::of(value) else {
                continue;
            };
            if text.unknown || !is_root(text.text) {
                continue;
            }
            ctx.report_value(
                service,
                value,
                format!("service `{}` runs as root (`user: {}`{})", service.name, text.text, written(value)),
            )
            .help("run as an unprivileged user: `user: \"10001:10001\"`, or remove `user` when the image already sets a non-root `USER`");
        }
    }
}
