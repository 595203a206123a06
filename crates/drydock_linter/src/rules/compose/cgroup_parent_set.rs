use drydock_compose::model::Text;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with a non-empty `cgroup_parent`: its container is placed under that
    /// cgroup instead of Docker's default one.
    ///
    /// An empty value (`cgroup_parent: ""`) keeps the
    /// default and is not reported. Values from `.env`, defaults, anchors, override files and
    /// `extends` count; a value that depends on a variable drydock cannot resolve is not
    /// reported. The finding points at the value.
    ///
    /// ## Why is this bad?
    /// Resource limits and accounting of a container come from its cgroup's place in the
    /// tree: under a custom parent it shares that parent's limits with whatever else runs
    /// there, and limits set for Docker's containers no longer cover it. That can be
    /// intended (a systemd slice with its own limits), but it should be a reviewed decision:
    /// the CIS Docker Benchmark (5.25) asks to confirm cgroup usage whenever it is changed.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:2.0
    ///     cgroup_parent: /system.slice
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: example/worker:2.0
    ///     deploy:
    ///       resources:
    ///         limits: {cpus: "1", memory: 512m}
    /// ```
    pub(crate) CgroupParentSet {
        code: "CMP048",
        name: "cgroup-parent-set",
        aliases: [],
        category: Security,
        severity: Style,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for CgroupParentSet {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("cgroup_parent") else {
                continue;
            };
            let Some(text) = Text::of(value) else {
                continue;
            };
            if text.unknown || text.text.trim().is_empty() {
                continue;
            }
            ctx.report_value(service, value, format!("service `{}` runs under cgroup parent `{}` instead of Docker's default cgroup", service.name, text.text.trim()))
                .help("remove `cgroup_parent` and limit the service with `deploy.resources.limits` (or `mem_limit`, `cpus`, `pids_limit`), unless the custom cgroup is a reviewed choice");
        }
    }
}
