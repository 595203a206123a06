use drydock_compose::model::Flag;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose root file system is writable: `read_only` is not set, or is
    /// false.
    ///
    /// - `read_only` is not set: the finding points at the service's name in the first file
    ///   that declares it, so `read_only: true` added by an override file, `extends` or a merge
    ///   key counts;
    /// - `read_only` is false (`false` in any case, or `no`/`off`): the finding points at the
    ///   value.
    ///
    /// `read_only` is read as Compose reads booleans (`true`, `"TRUE"`, `yes`, `on` are true).
    /// A value that depends on a variable drydock cannot resolve, or that is not a boolean at
    /// all (a schema error), is not reported.
    ///
    /// ## Why is this bad?
    /// With a writable root file system, an attacker who gets code execution can change the
    /// application's binaries and configuration, or drop tools, and the change lasts as long as
    /// the container. A read-only root, with `tmpfs:` or volumes for the few paths the service
    /// writes, keeps the container what the image says it is (CIS Docker Benchmark 5.13).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:2.0
    ///     read_only: true
    ///     tmpfs:
    ///       - /tmp
    /// ```
    pub(crate) ReadOnlyRootfsMissing {
        code: "CMP022",
        name: "read-only-rootfs-missing",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

const HELP: &str =
    "set `read_only: true` and give the paths the service writes a `tmpfs:` entry or a volume";

impl Rule for ReadOnlyRootfsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            match service.value().get("read_only").filter(|v| !v.is_null()) {
                None => {
                    ctx.report_missing(service, format!("service `{}` does not set `read_only`: its root file system is writable", service.name))
                        .help(HELP);
                }
                Some(value) if Flag::of(value) == Flag::False => {
                    let text = value.str().unwrap_or_default();
                    ctx.report_value(service, value, format!("service `{}` sets `read_only: {text}`: its root file system is writable", service.name))
                        .help(HELP);
                }
                Some(_) => {}
            }
        }
    }
}
