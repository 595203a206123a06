use drydock_compose::model::Flag;

use super::memory_limit_missing::{Limit, memory_limit};
use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `oom_kill_disable: true`; an error when the service has no memory limit.
    ///
    /// The value is a Compose boolean (`true` in any case, `yes`, `on`). It is a warning when the
    /// service has a memory limit (`mem_limit` or `deploy.resources.limits.memory` set to a
    /// positive size), and an error when it has none, or only `0`/`-1`. A memory limit that depends
    /// on a variable drydock cannot resolve gives a warning. The finding points at the value,
    /// wherever it was written.
    ///
    /// ## Why is this bad?
    /// When a container reaches its memory limit, the kernel's OOM killer normally ends a
    /// process in it. With OOM killing disabled, the container's processes hang instead,
    /// waiting for memory that never comes. Without a memory limit at all it is worse: the
    /// container can take the host's memory, and the kernel then kills other processes (other
    /// containers, the Docker daemon) to make room.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: example/cache:6.2
    ///     oom_kill_disable: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   cache:
    ///     image: example/cache:6.2
    ///     mem_limit: 1g
    /// ```
    pub(crate) OomKillDisabled {
        code: "CMP035",
        name: "oom-kill-disabled",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for OomKillDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("oom_kill_disable") else {
                continue;
            };
            if !Flag::of(value).is_true() {
                continue;
            }
            let name = &service.name;
            let help = "remove `oom_kill_disable` and give the service a memory limit that fits it";
            match memory_limit(service) {
                Limit::Set | Limit::Unknown => {
                    ctx.report_value(service, value, format!("service `{name}` disables the OOM killer: at its memory limit it hangs instead of being restarted"))
                        .help(help);
                }
                Limit::Unlimited(_) | Limit::Missing => {
                    ctx.report_value(
                        service,
                        value,
                        format!("service `{name}` disables the OOM killer and has no memory limit: it can take the host's memory, and the kernel kills other processes instead"),
                    )
                    .help(help)
                    .severity(Severity::Error);
                }
            }
        }
    }
}
