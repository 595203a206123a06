use drydock_compose::model::Flag;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with `privileged: true`. Compose reads the field as a boolean: `true`
    /// in any case, and also the YAML 1.1 spellings `yes`, `y` and `on` (which Compose accepts
    /// with a deprecation warning). A value that comes from a variable drydock cannot resolve is
    /// not reported; one that comes from `.env` is.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every capability, every device of the host, and no seccomp,
    /// AppArmor or SELinux confinement: root in it is root on the host (CIS Docker Benchmark
    /// 5.5). Almost every workload that "needs" it needs one capability or one device instead.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     privileged: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:1.4
    ///     cap_add: [NET_ADMIN]
    /// ```
    pub(crate) Privileged {
        code: "CMP001",
        name: "privileged",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("privileged") else {
                continue;
            };
            if Flag::of(value).is_true() {
                ctx.report_value(service, value, format!("service `{}` runs privileged: it gets every capability and device of the host", service.name))
                    .help("remove `privileged: true` and grant only the capabilities or devices the service needs (`cap_add`, `devices`)");
            }
        }
    }
}
