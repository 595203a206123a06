use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document DS115.
    ///
    /// ## Why is this bad?
    /// TODO
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// ```
    pub(crate) WorkdirInSystemDir {
        code: "DS115",
        name: "workdir-in-system-dir",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for WorkdirInSystemDir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let _ = ctx;
    }
}
